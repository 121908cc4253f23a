"""Speed of the analysis queries (issue 6) on a synthetic event store.

Writes N random events (40 countries with a few sectors, CAMEO codes of every quad
class, dates over ten years, RUS-USA made dense) straight into the events table of a
new database, then times each query of ``dyadwatch.analysis`` once warm and prints the
seconds. Nothing is coded: this measures the store and the analysis layer only.

    nice -n 10 .venv/bin/python benchmarks/analysis_queries.py [--events 1000000] [--db FILE]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa

from dyadwatch.analysis import summary as S
from dyadwatch.analysis.series import dyad_series
from dyadwatch.store.db import Store

COUNTRIES = ["RUS", "USA", "GBR", "FRA", "DEU", "UKR", "CHN", "IND", "JPN", "TUR", "IRN", "ISR",
             "SYR", "IRQ", "SAU", "EGY", "BRA", "MEX", "CAN", "AUS", "POL", "ITA", "ESP", "NLD",
             "BEL", "SWE", "NOR", "FIN", "KOR", "PRK", "PAK", "AFG", "NGA", "ZAF", "KEN", "ETH",
             "VEN", "CUB", "BLR", "GEO"]
SECTORS = ("", "GOV", "MIL", "OPP", "BUS")
CODES = [("010", 1, 0.0), ("036", 1, 4.0), ("042", 1, 1.9), ("051", 1, 3.4), ("061", 2, 6.4),
         ("071", 2, 7.4), ("110", 3, -2.0), ("130", 3, -4.4), ("1313", 3, -5.8),
         ("161", 4, -4.0), ("163", 4, -8.0), ("173", 4, -5.0), ("190", 4, -10.0)]


def synthetic(n: int, seed: int = 0) -> pa.Table:
    rng = np.random.default_rng(seed)
    # A Zipf-like spread of countries, and a quarter of all events between RUS and USA.
    weights = 1 / np.arange(1, len(COUNTRIES) + 1)
    src = rng.choice(len(COUNTRIES), n, p=weights / weights.sum())
    tgt = rng.choice(len(COUNTRIES), n, p=weights / weights.sum())
    dense = rng.random(n) < 0.25
    src[dense] = rng.choice([0, 1], dense.sum())
    tgt[dense] = 1 - src[dense]
    code = rng.choice(len(CODES), n)
    sector_s = rng.choice(len(SECTORS), n)
    sector_t = rng.choice(len(SECTORS), n)
    start = date(2015, 1, 1).toordinal()
    days = rng.integers(0, 3650, n)
    c = np.array(COUNTRIES)
    sec = np.array(SECTORS)
    return pa.table({
        "event_id": [f"e{i}" for i in range(n)],
        "story_id": [f"s{i // 3}" for i in range(n)],
        "date": [date.fromordinal(start + int(d)) for d in days],
        "sentence_index": np.zeros(n, dtype=np.int32),
        "sentence": ["A synthetic sentence."] * n,
        "source": np.char.add(c[src], sec[sector_s]).tolist(),
        "source_country": c[src].tolist(),
        "target": np.char.add(c[tgt], sec[sector_t]).tolist(),
        "target_country": c[tgt].tolist(),
        "code": [CODES[k][0] for k in code],
        "root": [CODES[k][0][:2] for k in code],
        "name": [CODES[k][0] for k in code],
        "quad_class": [CODES[k][1] for k in code],
        "goldstein": [CODES[k][2] for k in code],
        "rule": ["synthetic"] * n,
        "negated": np.zeros(n, dtype=bool),
    })


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--db", help="database file to create (default: a temporary file)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.db or Path(tmp) / "bench.duckdb")
        path.unlink(missing_ok=True)
        t0 = time.perf_counter()
        with Store(path) as store:
            table = synthetic(args.events)
            store.con.register("_syn", table)
            cols = ", ".join(table.column_names)
            store.con.execute(f"INSERT INTO events ({cols}) SELECT {cols} FROM _syn").fetchall()
            store.con.unregister("_syn")
        print(f"{args.events} synthetic events written in {time.perf_counter() - t0:.1f} s")
        with Store(path, read_only=True) as store:
            con = store.con
            rus_usa = con.execute(
                "SELECT count(*) FROM events WHERE source_country IN ('RUS', 'USA') AND "
                "target_country IN ('RUS', 'USA') AND source_country <> target_country"
            ).fetchone()[0]
            print(f"RUS-USA events: {rus_usa}")
            queries: list[tuple[str, Callable[[], object]]] = [
                ("dyad_series RUS USA by month", lambda: dyad_series(con, "RUS", "USA")),
                ("dyad_series @EU RUS by month",
                 lambda: dyad_series(con, "@EU", "RUS", by="month")),
                ("dyad_series RUS USA by week, normalise=stories",
                 lambda: dyad_series(con, "RUS", "USA", by="week", normalise="stories")),
                ("top_actors", lambda: S.top_actors(con)),
                ("top_actors level=actor", lambda: S.top_actors(con, level="actor")),
                ("top_dyads", lambda: S.top_dyads(con)),
                ("changes 2016 -> 2017", lambda: S.changes(
                    con, before=(date(2016, 1, 1), date(2016, 12, 31)),
                    after=(date(2017, 1, 1), date(2017, 12, 31)))),
                ("reciprocity RUS USA days=7, one year", lambda: S.reciprocity(
                    con, "RUS", "USA", date_from=date(2017, 1, 1), date_to=date(2017, 12, 31))),
                ("tit_for_tat RUS USA days=30, one year", lambda: S.tit_for_tat(
                    con, "RUS", "USA", date_from=date(2017, 1, 1), date_to=date(2017, 12, 31))),
                ("period_events RUS USA month", lambda: S.period_events(
                    con, "RUS", "USA", by="month", period="2017-07")),
            ]
            for name, fn in queries:
                fn()  # warm
                t = time.perf_counter()
                out = fn()
                rows = len(out) if hasattr(out, "__len__") else 0
                print(f"{name:52s} {time.perf_counter() - t:7.3f} s  ({rows} rows)")


if __name__ == "__main__":
    main()
