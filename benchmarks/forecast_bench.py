"""Forecasting benchmark (issue 8): recurrency baseline and learned ranker on ICEWS14 / ICEWS18.

Usage: python benchmarks/forecast_bench.py [DATA_ROOT] [--methods recurrency,ranker]
DATA_ROOT defaults to ../shared/data/tkg relative to the repository root. Each run is a separate
process so that its peak RSS is its own. Exits 0 (with a message) when the data is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATASETS = ("ICEWS14", "ICEWS18")
PUBLISHED = {
    "ICEWS14": "recurrency baseline 37.4, RE-GCN 42.1, TiRGN 44.0, L2TKG 47.4",
    "ICEWS18": "recurrency baseline 28.7, TLogic 29.6, RE-GCN 32.6, TiRGN 33.7",
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("data_root", nargs="?", default=str(REPO.parent / "shared" / "data" / "tkg"))
    ap.add_argument("--methods", default="recurrency,ranker")
    ap.add_argument("--datasets", default=",".join(DATASETS))
    args = ap.parse_args()
    root = Path(args.data_root)
    found = [d for d in args.datasets.split(",") if (root / d / "test.txt").exists()]
    if not found:
        print(f"forecast_bench: no TKG data under {root} (expected ICEWS14/, ICEWS18/); skipped.")
        return 0
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    rows = []
    for ds in found:
        for method in args.methods.split(","):
            cmd = [sys.executable, "-m", "dyadwatch.analysis.forecasting.bench", str(root / ds),
                   "--method", method, "--format", "json", "--with-valid"]
            print("running:", " ".join(cmd), flush=True)
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
            if proc.returncode != 0:
                print(proc.stderr[-2000:])
                return proc.returncode
            res = json.loads(proc.stdout)
            rows.append(res)
            print(json.dumps(res), flush=True)
    print()
    head = (f"{'dataset':8} {'method':10} {'split':5} {'MRR':>6} {'H@1':>6} {'H@3':>6} "
            f"{'H@10':>6} {'time s':>7} {'RSS MB':>7}")
    print(head)
    print("-" * len(head))
    for r in rows:
        for sp, m in (("test", r), ("valid", r["valid"])):
            print(f"{r['dataset']:8} {r['method']:10} {sp:5} {m['mrr']:6.2f} {m['hits@1']:6.2f} "
                  f"{m['hits@3']:6.2f} {m['hits@10']:6.2f} {r['seconds']:7.0f} "
                  f"{r['peak_rss_mb']:7.0f}")
    print("\nvalid figures are on the split used for tuning / early stopping (optimistic).")
    print("published test MRR (single-step, time-aware filtered):")
    for ds in found:
        print(f"  {ds}: {PUBLISHED.get(ds, '-')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
