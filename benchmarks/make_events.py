"""Synthesise a large dyadwatch database for the web latency benchmark.

Each synthetic event copies the (source, source country, target, target country, CAMEO
code) of an event drawn at random, with replacement, from a real database made by
``dyadwatch ingest`` (so dyads, actors and codes follow the real joint distribution), and
gets a date drawn uniformly from a span of years. Goldstein, quad class, root and name
come from the bundled CAMEO ontology. Five events make a synthetic story.

    python benchmarks/make_events.py --from-db real.duckdb --events 1000000 --out big.duckdb
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from dyadwatch.ontology.cameo import load_ontology
from dyadwatch.store.db import Store


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--from-db", required=True, help="a real database to sample events from")
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--out", required=True, help="the database to create (must not exist)")
    ap.add_argument("--first-year", type=int, default=2015)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    if Path(args.out).exists():
        raise SystemExit(f"{args.out} exists: pass a new --out file")
    t0 = time.perf_counter()
    with duckdb.connect(args.from_db, read_only=True) as src:
        real = src.execute(
            "SELECT source, source_country, target, target_country, code FROM events "
            "WHERE NOT negated").fetchall()
    if not real:
        raise SystemExit(f"{args.from_db} has no events to sample from")
    rng = np.random.default_rng(args.seed)
    n = args.events
    pick = rng.integers(0, len(real), n)
    start = date(args.first_year, 1, 1).toordinal()
    end = date(args.first_year + args.years, 1, 1).toordinal()
    days = np.sort(rng.integers(start, end, n))
    onto = load_ontology()
    cols: dict[str, list] = {k: [] for k in (
        "source", "source_country", "target", "target_country", "code", "root", "name",
        "quad_class", "goldstein", "plover")}
    for i in pick:
        s, sc, t, tc, code = real[i]
        c = onto[code]
        for k, v in (("source", s), ("source_country", sc), ("target", t),
                     ("target_country", tc), ("code", code), ("root", c.root),
                     ("name", c.name), ("quad_class", c.quad_class),
                     ("goldstein", c.goldstein), ("plover", c.plover)):
            cols[k].append(v)
    ids = np.arange(n)
    story = ids // 5
    dates = pa.array(days - date(1970, 1, 1).toordinal(), type=pa.int32()).cast(pa.date32())
    events = pa.table({
        "event_id": pa.array([f"syn{i:08d}" for i in ids]),
        "story_id": pa.array([f"synstory{j:07d}" for j in story]),
        "date": dates, "sentence_index": pa.array(ids % 5, type=pa.int32()),
        "sentence": pa.array([f"Synthetic event {i}." for i in ids]),
        "source_text": cols["source"], "target_text": cols["target"],
        **{k: cols[k] for k in cols},
        "negated": pa.array(np.zeros(n, dtype=bool)),
        "confidence": pa.array(np.ones(n)),
    })
    with Store(args.out) as store:
        con = store.con
        con.register("_ev", events)
        names = ", ".join(events.column_names)
        con.execute(f"INSERT INTO events ({names}) SELECT {names} FROM _ev")
        con.execute(
            "INSERT INTO stories (story_id, date, title, source, text, sentences, events) "
            "SELECT story_id, min(date), 'synthetic story', 'synthetic', "
            "string_agg(sentence, ' ' ORDER BY sentence_index), count(*), count(*) "
            "FROM _ev GROUP BY story_id")
        con.unregister("_ev")
        total = con.execute("SELECT count(*) FROM events").fetchone()[0]
    print(f"{args.out}: {total:,} events sampled from {len(real):,} real events of "
          f"{args.from_db}, {args.first_year}-{args.first_year + args.years - 1}, "
          f"in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
