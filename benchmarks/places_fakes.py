"""Place mentions in real Syrian war news: FA-KES stories, each labelled with the place of
its event (``location``: "idlib", "aleppo").

Every story is run through :func:`dyadwatch.places.locate_text` (the spaCy parse, the
actor dictionary, the gazetteer); each mention whose text is the labelled place counts,
and is right when it is placed in Syria (and, second figure, at a place of that name).
The first 300 stories were looked at while the rules were written; ``--skip 300`` (the
default) scores the others only.

    nice -n 10 .venv/bin/python benchmarks/places_fakes.py [--skip 300] [--limit 0]

Reads ../shared/data/corpora/fakes_syria/fakes.jsonl (or --corpus FILE); says so and exits
0 when it is absent. Nothing from the corpus is written into the project.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "corpora" / "fakes_syria" / "fakes.jsonl"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--skip", type=int, default=300, help="stories to leave out at the start")
    ap.add_argument("--limit", type=int, default=0, help="stories to score (0: all)")
    args = ap.parse_args()
    if not args.corpus.exists():
        print(f"corpus not found: {args.corpus} (this benchmark needs ../shared/data)")
        return 0
    from dyadwatch.places import locate_text
    from dyadwatch.places.gazetteer import fold, loose

    counts: Counter[str] = Counter()
    misses: Counter[tuple[str, str | None, str | None]] = Counter()
    with open(args.corpus, encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if n < args.skip:
                continue
            if args.limit and counts["stories"] >= args.limit:
                break
            record = json.loads(line)
            label = fold(record.get("location") or "")
            if not label or not record.get("text"):
                continue
            counts["stories"] += 1
            for row in locate_text(record["text"], str(record.get("date") or "")[:10] or None):
                counts["mentions"] += 1
                counts["placed"] += row["location"] is not None
                if fold(str(row["text"])) != label:
                    continue
                counts["labelled"] += 1
                country = row["location_country"] == "SYR"
                counts["country right"] += country
                counts["place right"] += country and loose(fold(str(row["location"]))) == loose(
                    label)
                if not country:
                    misses[(str(row["text"]), row["location"], row["location_country"])] += 1
    labelled = max(counts["labelled"], 1)
    print(f"stories: {counts['stories']}, place mentions: {counts['mentions']} "
          f"({counts['placed']} placed)")
    print(f"mentions of the labelled place: {counts['labelled']}; in Syria: "
          f"{counts['country right']} ({100 * counts['country right'] / labelled:.1f}%); "
          f"at that place: {counts['place right']} "
          f"({100 * counts['place right'] / labelled:.1f}%)")
    for (text, got, country), k in misses.most_common(10):
        print(f"  {k:3d}  {text} -> {got} ({country})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
