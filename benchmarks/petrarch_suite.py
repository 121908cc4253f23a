"""PETRARCH's unit-test records, scored on who acted on whom (the dyad), with their actors.

Reads ../shared/data/petrarch/PETR.UnitTest.records.xml through dyadwatch's XML gold
reader, loads the suite's own actor and agent dictionaries (dictionaries/PETR.Validate.
actors.txt and .agents.txt) with the bundled ones, codes each sentence alone on its date
and reports, per category and overall, how many expected (source, target) pairs were
found and how many coded pairs were extra. The event codes are not compared here: the
suite's expected codes come from its own validation verb dictionary (mostly WEIS codes,
by that file's own note), so on codes only `dyadwatch eval` with that dictionary would be
a fair test; `dyadwatch eval FILE.xml --actors ...` reports the code-level figures.
Says so and stops when the files are absent.

    .venv/bin/python benchmarks/petrarch_suite.py [--errors FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

from dyadwatch.coding.pipeline import Coded, CodingOptions, code_stories
from dyadwatch.evaluate import GoldLine, read_gold
from dyadwatch.stories import Story

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "petrarch"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--errors", type=Path, help="write misses and extras (JSON Lines)")
    args = ap.parse_args()
    xml = args.data / "PETR.UnitTest.records.xml"
    dicts = [args.data / "dictionaries" / f"PETR.Validate.{k}.txt" for k in ("actors", "agents")]
    missing = [p for p in (xml, *dicts) if not p.exists()]
    if missing:
        print(f"petrarch_suite: {missing[0]} is absent; nothing to measure", file=sys.stderr)
        return 0
    lines = {g.id: g for g in read_gold(xml) if isinstance(g, GoldLine)}
    stories = [Story(id=g.id, date=g.date, text=g.text, origin=g.origin) for g in lines.values()]
    options = CodingOptions(actor_files=tuple(str(p) for p in dicts))
    tally: dict[str, Counter] = defaultdict(Counter)
    errors = []
    for coded in code_stories(stories, options=options):
        if not isinstance(coded, Coded):
            continue
        gold = lines[coded.story.id]
        want = Counter((e["source"], e["target"]) for e in gold.events)
        got = Counter((e.source, e.target) for e in coded.events)
        for group in (gold.construction or "(none)", "overall"):
            t = tally[group]
            t["lines"] += 1
            t["gold"] += sum(want.values())
            t["coded"] += sum(got.values())
            t["found"] += sum((want & got).values())
        for s, t in (want - got).elements():
            errors.append({"kind": "miss", "id": gold.id, "text": gold.text,
                           "source": s, "target": t})
        extra = got - want
        for e in coded.events:
            if extra[(e.source, e.target)] > 0:
                extra[(e.source, e.target)] -= 1
                errors.append({"kind": "extra", "id": gold.id, "text": gold.text,
                               "source": e.source, "target": e.target, "code": e.code,
                               "rule": e.rule})
    print(f"{'category':<10} {'lines':>5} {'gold':>5} {'found':>6} {'found %':>8} "
          f"{'coded':>6} {'extra %':>8}")
    for group in sorted(tally, key=lambda g: (g == "overall", g)):
        t = tally[group]
        found = t["found"] / t["gold"] if t["gold"] else 0.0
        extra = (t["coded"] - t["found"]) / t["coded"] if t["coded"] else 0.0
        print(f"{group:<10} {t['lines']:>5} {t['gold']:>5} {t['found']:>6} {found:>8.1%} "
              f"{t['coded']:>6} {extra:>8.1%}")
    if args.errors:
        with args.errors.open("w", encoding="utf-8") as fh:
            for e in errors:
                fh.write(json.dumps(e) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
