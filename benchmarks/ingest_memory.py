"""Ingest memory per story: does the state an ingest keeps grow with the corpus?

Ingests N synthetic stories (random words; every 10th an exact copy, under another id,
of one of the last 500, every 10th a near-copy) into a fresh database, each size in its own
process, with the coder replaced by one that codes nothing (the store's state is what
is measured, not spaCy's). Prints the peak of Python's traced allocations and the peak
resident memory for each N, and the growth per story between the smallest and largest.

    python benchmarks/ingest_memory.py --stories 1000 5000
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import tracemalloc
from collections import deque
from datetime import date
from pathlib import Path

WORDS = [f"w{i}" for i in range(3000)]


def stories(n: int):
    from dyadwatch.stories import Story

    rng = random.Random(1)
    texts: deque[str] = deque(maxlen=500)  # copies are of recent stories: flat here too
    for i in range(n):
        if i % 10 == 5 and texts:  # an exact copy under another id, source and url
            text = texts[rng.randrange(len(texts))]
        elif i % 10 == 7 and texts:  # a near-copy: one word changed at the end
            text = texts[rng.randrange(len(texts))] + " update"
        else:
            text = " ".join(rng.choice(WORDS) for _ in range(80))
            texts.append(text)
        yield Story(f"s{i}", date(2022, 1, 1), text, source=f"src{i % 7}",
                    url=f"http://x.example/{i}")


def child(n: int, db: str, duckdb_memory: str | None, near_dup: float) -> None:
    from dyadwatch.coding.pipeline import Coded
    from dyadwatch.store.db import INGEST_MEMORY_LIMIT, Store
    from dyadwatch.store.ingest import ingest

    def code(stream):
        for x in stream:
            yield Coded(x, [], 1) if type(x).__name__ == "Story" else x

    tracemalloc.start()
    with Store(db) as store:
        summary, status = ingest(store, stories(n), ["synthetic"], code=code,
                                 near_dup=near_dup,
                                 duckdb_memory=duckdb_memory or INGEST_MEMORY_LIMIT)
        # What DuckDB holds at the end, by kind (table blocks it caches, indexes, ...).
        held = dict(store.con.execute(
            "SELECT tag, memory_usage_bytes FROM duckdb_memory() "
            "WHERE memory_usage_bytes > 0").fetchall())
    _, peak = tracemalloc.get_traced_memory()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"n": n, "traced_peak": peak, "rss_peak": rss, "status": status,
                      "coded": summary.coded, "skipped": summary.skipped,
                      "near": summary.near_duplicates, "duckdb": held}))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stories", type=int, nargs="+", default=[1000, 5000])
    ap.add_argument("--duckdb-memory", help="DuckDB's memory cap during ingest (default: "
                    "ingest's own, INGEST_MEMORY_LIMIT)")
    ap.add_argument("--near-dup", type=float, default=0.8, help="0 turns near-copies off")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child is not None:
        child(args.child, args.db, args.duckdb_memory, args.near_dup)
        return 0
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sorted(args.stories):
            db = str(Path(tmp) / f"m{n}.duckdb")
            cmd = [sys.executable, __file__, "--child", str(n), "--db", db,
                   "--near-dup", str(args.near_dup)]
            if args.duckdb_memory:
                cmd += ["--duckdb-memory", args.duckdb_memory]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            results.append(r)
            print(f"{n:>8} stories: traced peak {r['traced_peak'] / 1e6:7.2f} MB, "
                  f"RSS peak {r['rss_peak'] / 1e6:7.1f} MB "
                  f"(coded {r['coded']}, skipped {r['skipped']}, near {r['near']}); "
                  "DuckDB holds " + ", ".join(f"{k} {v / 1e6:.1f} MB"
                                              for k, v in r["duckdb"].items()), flush=True)
    if len(results) > 1:
        a, b = results[0], results[-1]
        d = b["n"] - a["n"]
        print(f"growth per story: traced {(b['traced_peak'] - a['traced_peak']) / d:,.0f} "
              f"bytes, RSS {(b['rss_peak'] - a['rss_peak']) / d:,.0f} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
