"""Exports stream: time, peak memory and file size of `dyadwatch export` on a big database.

Builds (unless --db is given) a database of N synthetic events with
``benchmarks/make_events.py``, sampled from the events of a real database (by default
``dyadwatch ingest examples/``), prints the database size per million events, then runs
``dyadwatch export`` once per format, each in its own process, and prints its wall time,
events a second, the peak resident memory of the process and the size of the file.

    python benchmarks/export_memory.py --events 10000000 --workdir /big/disk
    python benchmarks/export_memory.py --db big.duckdb --formats parquet gdelt
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throughput import measure  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FORMATS = ("jsonl", "csv", "parquet", "gdelt", "icews", "plover", "phoenix")


def _dyadwatch() -> list[str]:
    """The installed `dyadwatch` command of this Python's environment."""
    return [str(Path(sys.executable).parent / "dyadwatch")]


def build(work: Path, events: int, source: str | None) -> Path:
    """A database of ``events`` synthetic events in ``work`` (made by make_events.py)."""
    if source is None:
        source = str(work / "examples.duckdb")
        subprocess.run([*_dyadwatch(), "ingest", str(ROOT / "examples"), "--db", source],
                       check=True, stdout=subprocess.DEVNULL)
    out = work / "big.duckdb"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_events.py"),
                    "--from-db", source, "--events", str(events), "--out", str(out)],
                   check=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=10_000_000,
                    help="synthetic events to generate (ignored with --db)")
    ap.add_argument("--db", help="an existing database to export instead")
    ap.add_argument("--from-db", help="the real database make_events samples from "
                    "(default: examples/ ingested into a temporary database)")
    ap.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS))
    ap.add_argument("--workdir", help="where to build and export (default: a temporary "
                    "folder, removed at the end)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        work = Path(tmp)
        db = Path(args.db) if args.db else build(work, args.events, args.from_db)
        with duckdb.connect(str(db), read_only=True) as con:
            n = con.execute("SELECT count(*) FROM events").fetchone()[0]
        if not n:
            print(f"database: {db.name} has no events; nothing to export")
            return 1
        wal = Path(str(db) + ".wal")  # none once DuckDB has checkpointed on close
        size = db.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
        print(f"database: {db.name}, {n:,} events, {size / 1e6:,.1f} MB "
              f"({size / 1e6 / (n / 1e6):,.0f} MB per million events)", flush=True)
        print(f"{'format':8}  {'wall s':>7}  {'events/s':>9}  {'peak MB':>8}  {'file MB':>8}")
        for fmt in args.formats:
            out = work / f"export.{fmt}"
            seconds, peak = measure([*_dyadwatch(), "export", "--db", str(db), "--format", fmt,
                                     "--output", str(out)])
            if not out.exists():
                print(f"{fmt:8}  export failed (run it by hand to see why)", flush=True)
                continue
            print(f"{fmt:8}  {seconds:7.1f}  {n / seconds:9,.0f}  {peak / 2**20:8.0f}  "
                  f"{out.stat().st_size / 1e6:8,.0f}", flush=True)
            out.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
