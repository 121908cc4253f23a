"""Throughput and peak memory of `dyadwatch code` (or `ingest`) beside raw spaCy `nlp.pipe`.

Both run as separate processes on the same stories with the same number of
processes; the figures include start-up (loading the model) for both. Peak memory is
the largest summed resident set size of the whole process tree, sampled every 50 ms.

    .venv/bin/python benchmarks/throughput.py [--stories 2000] [--workers 1 2] [--repeat 3]

Reads ../shared/data/corpora/reuters21578/reuters21578.jsonl (or --corpus FILE); says
so and exits 0 when it is absent. Nothing from the corpus is written into the project.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "corpora" / "reuters21578" / "reuters21578.jsonl"

RAW_SPACY = """
import json, sys
from dyadwatch.nlp.load import load_nlp
nlp = load_nlp()
texts = [json.loads(line)["text"] for line in open(sys.argv[1], encoding="utf-8")]
n = 0
for doc in nlp.pipe(texts, n_process=int(sys.argv[2]), batch_size=16):
    n += len(doc)
print(n)
"""


def _peak_rss(proc: subprocess.Popen) -> tuple[float, int]:
    """Run until ``proc`` ends; return (seconds, peak summed RSS of its tree in bytes)."""
    peak = 0
    start = time.perf_counter()
    parent = psutil.Process(proc.pid)
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            try:
                procs = [parent, *parent.children(recursive=True)]
                total = 0
                for p in procs:
                    with contextlib.suppress(psutil.Error):
                        total += p.memory_info().rss
                peak = max(peak, total)
            except psutil.Error:
                pass
            time.sleep(0.05)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    proc.wait()
    elapsed = time.perf_counter() - start
    stop.set()
    t.join()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"benchmark command failed with exit status {proc.returncode}")
    return elapsed, peak


def measure(cmd: list[str]) -> tuple[float, int]:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return _peak_rss(proc)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--stories", type=int, default=2000)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeat", type=int, default=1, help="runs of each; medians are reported")
    ap.add_argument("--command", choices=["code", "ingest"], default="code",
                    help="time `dyadwatch code` (events to stdout) or `dyadwatch ingest` "
                         "into a new database (dedup, near-copies, writes); default code")
    args = ap.parse_args()
    if not args.corpus.exists():
        print(f"corpus not found: {args.corpus} (needs ../shared/data); nothing measured")
        return
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample.jsonl"
        n = 0
        with args.corpus.open(encoding="utf-8") as src, sample.open("w", encoding="utf-8") as out:
            for line in src:
                rec = json.loads(line)
                # Stories with a text and a date (a few Reuters records have no date;
                # ingest would reject them, raw spaCy would not).
                if (rec.get("text") or "").strip() and rec.get("date"):
                    out.write(json.dumps({"id": rec["id"], "date": rec["date"][:10],
                                          "text": rec["text"]}) + "\n")
                    n += 1
                    if n >= args.stories:
                        break
        chars = sum(len(json.loads(x)["text"]) for x in sample.open(encoding="utf-8"))
        print(f"corpus: {args.corpus.name}, {n} stories (texts, no titles), "
              f"{chars / n:.0f} characters per story; dyadwatch {args.command}", flush=True)
        print(f"{'workers':>7} {'raw spaCy st/s':>15} {'dyadwatch st/s':>15} {'ratio':>6} "
              f"{'spaCy peak MB':>14} {'dyadwatch peak MB':>18}")
        for w in args.workers:
            raw, ours = [], []
            for _ in range(args.repeat):
                raw.append(measure([sys.executable, "-c", RAW_SPACY, str(sample), str(w)]))
                if args.command == "code":
                    cmd = ["code", str(sample), "--format", "jsonl"]
                else:
                    db = Path(tmp) / f"run-{w}-{len(ours)}.duckdb"
                    cmd = ["ingest", str(sample), "--db", str(db)]
                ours.append(measure([sys.executable, "-m", "dyadwatch", *cmd,
                                     "--workers", str(w)]))
            raw_t = statistics.median(t for t, _ in raw)
            our_t = statistics.median(t for t, _ in ours)
            print(f"{w:>7} {n / raw_t:>15.1f} {n / our_t:>15.1f} {raw_t / our_t:>6.2f} "
                  f"{max(m for _, m in raw) / 1e6:>14.0f} {max(m for _, m in ours) / 1e6:>18.0f}",
                  flush=True)


if __name__ == "__main__":
    main()
