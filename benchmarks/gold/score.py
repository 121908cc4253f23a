"""Score the coder on the real-news gold files, overall and per corpus (ConfliBERT, FA-KES).

Runs the same evaluation as ``dyadwatch eval`` (events matched on source country,
target country and root) on each gold file and on its lines of each corpus, and prints
precision, recall and F1 at the root and full-code level. Says so and stops when
../shared/data (or $DYADWATCH_DATA) is absent.

    .venv/bin/python benchmarks/gold/score.py                       # dev
    .venv/bin/python benchmarks/gold/score.py benchmarks/gold/real_test.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

from dyadwatch.evaluate import Report, evaluate
from dyadwatch.goldrefs import ENV, data_root

HERE = Path(__file__).resolve().parent


def _row(name: str, r: Report) -> str:
    root, code = r.tallies["root"], r.tallies["code"]
    return (f"{name:<28} {r.lines:>5} {root.gold:>5} {root.predicted:>5} {root.tp:>4} "
            f"{root.precision:>7.3f} {root.recall:>7.3f} {root.f1:>7.3f} {code.precision:>7.3f} "
            f"{code.recall:>7.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("gold", nargs="*", type=Path, default=[HERE / "real_dev.jsonl"])
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    root = data_root(args.gold[0])
    if root is None:
        print("../shared/data (or $DYADWATCH_DATA) is not here; nothing scored")
        return
    os.environ[ENV] = str(root)  # the per-corpus copies below live in a temporary folder
    print(f"{'':<28} {'lines':>5} {'gold':>5} {'coded':>5} {'tp':>4} {'root P':>7} "
          f"{'root R':>7} {'root F1':>7} {'code P':>7} {'code R':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for path in args.gold:
            lines = [x for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
            parts: dict[str, list[str]] = {}
            for line in lines:
                parts.setdefault(str(json.loads(line)["id"]).split(":")[0], []).append(line)
            files = [path]
            for corpus, members in sorted(parts.items()):
                part = Path(tmp) / f"{path.stem}.{corpus}.jsonl"
                part.write_text("\n".join(members) + "\n", encoding="utf-8")
                files.append(part)
            result = evaluate(files, workers=args.workers)
            for f in files:
                print(_row(f.name, result.files[str(f)]))
            for reject in result.rejects:
                print(f"rejected {reject.origin}: {reject.message}")


if __name__ == "__main__":
    main()
