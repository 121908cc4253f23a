"""Unknown place names in real Syrian war news: how often the span resolver's rules for
names the gazetteer lacks (linked-, story-, sentence-, nearby-country, same-name) place
them in Syria.

Every entity spaCy labels GPE, LOC or FAC in FA-KES stories is given to
:func:`dyadwatch.places.resolve_place_spans`; the figures count the rules each span was
resolved by and, per rule, how many were placed in Syria. Nearly every place these
stories name is in Syria, so "in Syria" is a proxy for right (an entity that is no place,
"Daesh", "Europe", counts against the rules). The first 300 stories were looked at
while the rules were written; ``--skip 300`` (the default) scores the others only.

    nice -n 10 .venv/bin/python benchmarks/places_spans.py [--skip 300] [--limit 0]

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
UNKNOWN_RULES = ("linked-country", "story-country", "sentence-country", "nearby-country",
                 "same-name")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--skip", type=int, default=300, help="stories to leave out at the start")
    ap.add_argument("--limit", type=int, default=0, help="stories to score (0: all)")
    args = ap.parse_args()
    if not args.corpus.exists():
        print(f"corpus not found: {args.corpus} (this benchmark needs ../shared/data)")
        return 0
    from dyadwatch.actors.dictionary import load_dictionary
    from dyadwatch.nlp.load import load_nlp
    from dyadwatch.places.gazetteer import load_gazetteer
    from dyadwatch.places.locate import locate_doc
    from dyadwatch.places.spans import SpanPlaces

    nlp, dictionary, gazetteer = load_nlp(), load_dictionary(), load_gazetteer()
    rules: Counter[str] = Counter()
    in_syria: Counter[str] = Counter()
    stories = 0
    with args.corpus.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if n < args.skip:
                continue
            if args.limit and stories >= args.limit:
                break
            stories += 1
            doc = nlp(json.loads(line)["text"].strip())
            places = SpanPlaces(locate_doc(doc, dictionary, gazetteer))
            ents = [e for e in doc.ents if e.label_ in ("GPE", "LOC", "FAC")]
            for row in places.resolve([(e.start_char, e.end_char) for e in ents]):
                if row is None:
                    continue
                rule = str(row["location_rule"] or "none").split(":")[-1]
                rules[rule] += 1
                in_syria[rule] += row["location_country"] == "SYR"
    print(f"stories: {stories}, GPE/LOC/FAC spans: {sum(rules.values())}")
    unknown = sum(rules[r] for r in UNKNOWN_RULES)
    placed = sum(in_syria[r] for r in UNKNOWN_RULES)
    if unknown:
        print(f"placed by the rules for unknown names: {unknown}, in Syria: {placed} "
              f"({placed / unknown:.1%})")
    for rule, count in rules.most_common():
        print(f"  rule {rule:17} {count:5} spans, {in_syria[rule] / count:6.1%} in Syria")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
