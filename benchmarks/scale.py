"""Scale-out on a Dask LocalCluster: coding throughput with 1 and 2 workers, the
efficiency of 2 workers (2-worker throughput / 2 x 1-worker throughput), the per-worker
rate, and the scheduler overhead per partition.

    nice -n 10 .venv/bin/python benchmarks/scale.py [--stories 1000] [--workers 1 2]
        [--partition-kb 32]

For each worker count a fresh ``LocalCluster`` (one thread per worker process) is
started and warmed up (each worker loads spaCy and the dictionaries once, outside the
timing); then ``dyadwatch.cluster.run`` codes the first N Reuters-21578 stories into
Parquet shards in a temporary folder and the wall time is measured. The overhead per
partition is measured two ways: the round trip of an empty task through the scheduler,
and (workers x wall time - the workers' summed busy time) / partitions for the real run.
The CPU count and the 1-minute load average are printed at the start, after each run
("load after") and at the end, so a figure from a busy machine can be told apart; the
efficiency is printed with three decimals.

Reads ../shared/data/corpora/reuters21578/reuters21578.jsonl (or --corpus FILE); says
so and exits 0 when it is absent. The stories are copied only into a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from distributed import Client, LocalCluster, wait

from dyadwatch.cluster import Warmup, run
from dyadwatch.coding.pipeline import DEFAULT_OPTIONS

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "corpora" / "reuters21578" / "reuters21578.jsonl"


def _noop(i: int) -> int:
    return i


def _subset(corpus: Path, n: int, out: Path) -> tuple[int, int]:
    """The first ``n`` records with a text, as JSON Lines; returns (stories, characters)."""
    kept = chars = 0
    with corpus.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for line in src:
            record = json.loads(line)
            if not (record.get("text") or "").strip():
                continue
            dst.write(line)
            kept += 1
            chars += len(record["text"])
            if kept >= n:
                break
    return kept, chars


def _measure(workers: int, path: Path, partition_bytes: int, noops: int) -> dict:
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        t = time.perf_counter()
        client.register_plugin(Warmup(DEFAULT_OPTIONS), name=Warmup.name)
        warm = time.perf_counter() - t
        t = time.perf_counter()
        futures = client.map(_noop, range(noops), pure=False)
        wait(futures)
        noop = (time.perf_counter() - t) / noops
        del futures
        with tempfile.TemporaryDirectory() as out:
            s = run(client, [str(path)], out, DEFAULT_OPTIONS, partition_bytes=partition_bytes)
    return {"workers": workers, "warmup_s": warm, "wall_s": s.seconds,
            "partitions": s.partitions, "stories": s.stories, "events": s.events,
            "busy_s": s.task_seconds, "noop_ms": noop * 1000,
            "overhead_ms": (workers * s.seconds - s.task_seconds) / s.partitions * 1000}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--stories", type=int, default=1000)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--partition-kb", type=int, default=32)
    ap.add_argument("--noops", type=int, default=200)
    args = ap.parse_args()
    if not args.corpus.exists():
        print(f"corpus not found: {args.corpus} (nothing measured)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stories.jsonl"
        n, chars = _subset(args.corpus, args.stories, path)
        print(f"corpus: {args.corpus.name}, {n} stories with a text, {chars / n:.0f} characters "
              f"per story, partitions of {args.partition_kb} KB; {os.cpu_count()} CPUs, "
              f"load average {os.getloadavg()[0]:.2f} at the start")
        print("workers  partitions  wall s  stories/s  per-worker st/s  noop task ms  "
              "overhead ms/partition  warm-up s  load after")
        rows = []
        for w in args.workers:
            r = _measure(w, path, args.partition_kb * 1024, args.noops)
            rows.append(r)
            print(f"{w:7d}  {r['partitions']:10d}  {r['wall_s']:6.1f}  "
                  f"{r['stories'] / r['wall_s']:9.1f}  {r['stories'] / r['busy_s']:15.1f}"
                  f"  {r['noop_ms']:12.1f}  {r['overhead_ms']:21.0f}  {r['warmup_s']:9.1f}"
                  f"  {os.getloadavg()[0]:10.2f}")
        by = {r["workers"]: r["stories"] / r["wall_s"] for r in rows}
        if 1 in by and 2 in by:
            eff = by[2] / (2 * by[1])
            print(f"efficiency (2-worker / 2 x 1-worker throughput): {by[2]:.2f} / (2 x "
                  f"{by[1]:.2f}) = {eff:.3f} (target 0.85: "
                  f"{'met' if eff >= 0.85 else f'missed by {0.85 - eff:.4f}'})")
        print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
