"""Event class of real news sentences against the ConfliBERT labels (Phoenix penta class).

Reads ../shared/data/conflibert/cameo_class_train.tsv (sentence TAB class; 0 statement
(roots 01-02), 1 verbal cooperation (03-05), 2 material cooperation (06-08), 3 verbal
conflict (09-13, 16), 4 material conflict (14, 15, 17-20)), codes each sentence alone
(dated 2018-01-01: the sentences are from 2017-2019), and reports: how many sentences
get at least one event (coverage), and on those, how often the class of the first
event equals the label (accuracy), plus a confusion table. Says so and stops when the
file is absent.

    .venv/bin/python benchmarks/penta_class.py [FILE] [--workers N]
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from datetime import date
from pathlib import Path

from dyadwatch.coding.pipeline import Coded, code_stories
from dyadwatch.stories import Story

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "data" / "conflibert" / "cameo_class_train.tsv"


def penta(root: str) -> int:
    r = int(root)
    if r <= 2:
        return 0
    if r <= 5:
        return 1
    if r <= 8:
        return 2
    if r <= 13 or r == 16:
        return 3
    return 4


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("file", nargs="?", type=Path, default=DEFAULT)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    if not args.file.exists():
        print(f"not found: {args.file} (needs ../shared/data); nothing measured")
        return
    rows = [r for r in csv.reader(args.file.open(encoding="utf-8"), delimiter="\t",
                                  quoting=csv.QUOTE_NONE) if len(r) == 2]
    stories = [Story(f"s{i}", date(2018, 1, 1), text) for i, (text, _) in enumerate(rows)]
    labels = {f"s{i}": int(label) for i, (_, label) in enumerate(rows)}
    coded = right = 0
    confusion: Counter = Counter()
    for result in code_stories(stories, workers=args.workers):
        if not isinstance(result, Coded):
            continue
        gold = labels[result.story.id]
        if not result.events:
            confusion[(gold, "none")] += 1
            continue
        got = penta(result.events[0].root)
        coded += 1
        right += got == gold
        confusion[(gold, got)] += 1
    n = len(rows)
    print(f"sentences {n}; with an event {coded} ({100 * coded / n:.1f}%); "
          f"class right on those {right} ({100 * right / max(coded, 1):.1f}%)")
    print("gold \\ coded  " + " ".join(f"{c:>5}" for c in (0, 1, 2, 3, 4, "none")))
    for g in range(5):
        print(f"{g:>12}  " + " ".join(f"{confusion[(g, c)]:>5}" for c in (0, 1, 2, 3, 4,
                                                                          "none")))


if __name__ == "__main__":
    main()
