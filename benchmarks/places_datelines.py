"""Country accuracy of place resolution on Reuters-21578 datelines.

Each Reuters-21578 record has a dateline ("HOUSTON, Feb 26 -") and the editors' country
tags (``places``: "usa", "west-germany"). The dateline is resolved as dyadwatch resolves
a story's dateline (``dyadwatch.places.locate.dateline`` and the gazetteer, with no
story context) and counted right when its country is one of the story's tags. Tags that
name no current country (ussr, west-germany ...) are mapped to their successor; records
without tags or dateline are skipped. No spaCy parse is involved: this measures the
gazetteer and the disambiguation rules on names alone.

    .venv/bin/python benchmarks/places_datelines.py [--corpus FILE] [--limit N] [--errors N]

Reads ../shared/data/corpora/reuters21578/reuters21578.jsonl (or --corpus FILE); says so
and exits 0 when it is absent. Nothing from the corpus is written into the project.
"""

from __future__ import annotations

import argparse
import ast
import json
from collections import Counter
from pathlib import Path

import pycountry

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "corpora" / "reuters21578" / "reuters21578.jsonl"
# Reuters-21578 tags that are not a current country's name.
_TAGS = {"usa": "USA", "uk": "GBR", "ussr": "RUS", "west-germany": "DEU",
         "east-germany": "DEU", "south-korea": "KOR", "north-korea": "PRK", "taiwan": "TWN",
         "yugoslavia": "SRB", "czechoslovakia": "CZE", "iran": "IRN", "syria": "SYR",
         "bolivia": "BOL", "venezuela": "VEN", "tanzania": "TZA", "vietnam": "VNM",
         "ivory-coast": "CIV", "zaire": "COD", "burma": "MMR", "hong-kong": "HKG",
         "macau": "MAC", "brunei": "BRN", "laos": "LAO", "moldova": "MDA",
         "netherlands-antilles": "CUW", "uae": "ARE", "north-yemen": "YEM",
         "south-yemen": "YEM", "kampuchea": "KHM", "russia": "RUS"}


def _iso3(tag: str) -> str | None:
    if tag in _TAGS:
        return _TAGS[tag]
    try:
        return pycountry.countries.lookup(tag.replace("-", " ")).alpha_3
    except LookupError:
        return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--limit", type=int, default=0, help="records to read (0: all)")
    ap.add_argument("--errors", type=int, default=15, help="wrong datelines to print")
    args = ap.parse_args()
    if not args.corpus.exists():
        print(f"corpus not found: {args.corpus} (this benchmark needs ../shared/data)")
        return 0
    from dyadwatch.places.gazetteer import load_gazetteer
    from dyadwatch.places.locate import Context, Resolver, dateline

    resolver = Resolver(load_gazetteer())
    counts: Counter[str] = Counter()
    wrong: Counter[tuple[str, str | None, str]] = Counter()
    by_how: Counter[tuple[str, bool]] = Counter()
    with open(args.corpus, encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if args.limit and n >= args.limit:
                break
            record = json.loads(line)
            line_text = (record.get("dateline") or "").strip()
            raw = record.get("places") or []
            if isinstance(raw, str):
                raw = ast.literal_eval(raw)
            tags = {_iso3(t) for t in raw} - {None}
            if not line_text or not tags:
                counts["skipped"] += 1
                continue
            mention = dateline(line_text + " ")
            if mention is None:
                counts["no dateline pattern"] += 1
                continue
            loc = resolver.resolve(mention, Context())
            if loc is None:
                counts["not in gazetteer"] += 1
                continue
            right = loc.country in tags
            counts["right" if right else "wrong"] += 1
            by_how[(loc.how, right)] += 1
            if not right:
                wrong[(mention.text, loc.country, ",".join(sorted(t for t in tags if t)))] += 1
    placed = counts["right"] + counts["wrong"]
    print(f"datelines placed: {placed}, country right: {counts['right']} "
          f"({100 * counts['right'] / max(placed, 1):.1f}%); not in the gazetteer: "
          f"{counts['not in gazetteer']}; no dateline pattern: {counts['no dateline pattern']}; "
          f"skipped (no dateline or no country tag): {counts['skipped']}")
    for how in sorted({h for h, _ in by_how}):
        r, w = by_how[(how, True)], by_how[(how, False)]
        print(f"  rule {how:<11} {r + w:6d} placed, {100 * r / max(r + w, 1):5.1f}% right")
    if args.errors:
        print("most frequent wrong datelines (name, placed in, tagged):")
        for (name, got, tags_text), k in wrong.most_common(args.errors):
            print(f"  {k:4d}  {name} -> {got}  (tags {tags_text})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
