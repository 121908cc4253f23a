"""Draw the real-news gold sample: seeded, stratified sentence references into ../shared/data.

The sample the labels in this folder were made on (``real_dev.jsonl``, ``real_test.jsonl``)
is exactly what this script prints with its defaults:

- ConfliBERT (``conflibert/cameo_class_train.tsv``, 1,349 sentences of 2017-2019): 42
  sentences of each of the five penta classes, drawn at random (seed 4), dated
  2018-01-01 as the corpus gives no dates;
- FA-KES (``corpora/fakes_syria/fakes.jsonl``, 804 dated articles on the Syrian war):
  70 articles drawn at random, then 3 sentences of each (sentences split by the
  project's spaCy pipeline, 25-350 characters), dated with the article. Most of these
  sentences have no event between two actors; they stay in, with ``events: []``.

Every reference carries the corpus file, its location (TSV line, or story id and
character offsets) and the first 10 hex digits of the text's SHA-1; no text. A third
of each stratum (seeded) is the test split, measured once at the end; the rest is dev.

    .venv/bin/python benchmarks/gold/sample.py > /tmp/refs.jsonl
    .venv/bin/python benchmarks/gold/sample.py --with-text > /tmp/to_label.jsonl  # not in git
    .venv/bin/python benchmarks/gold/sample.py --check   # the committed files are this draw

Round 2 (``--round 2``, ``real_dev2.jsonl``, all dev) draws new sentences only, with the
same seed: 14 more ConfliBERT sentences per penta class from the lines round 1 left
(lines whose text equals a round-1 sentence are skipped), and 3 sentences of each of 24
FA-KES articles round 1 did not draw (an article that holds the text of a round-1
sentence, i.e. a copy of a drawn article, is skipped too, so that no test text comes
back in dev):

    .venv/bin/python benchmarks/gold/sample.py --round 2 --with-text > /tmp/to_label2.jsonl
    .venv/bin/python benchmarks/gold/sample.py --round 2 --check

Says so and stops when ../shared/data (or $DYADWATCH_DATA) is absent.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from dyadwatch.goldrefs import data_root, text_sha1

CONFLIBERT = "conflibert/cameo_class_train.tsv"
FAKES = "corpora/fakes_syria/fakes.jsonl"


def conflibert_refs(root: Path, per_class: int, seed: int,
                    exclude: frozenset[str] = frozenset(), tag: str = "") -> list[dict]:
    """``per_class`` lines of each class; ``exclude``: texts (and their lines) not to draw."""
    lines = (root / CONFLIBERT).read_text(encoding="utf-8").splitlines()
    by_class: dict[str, list[int]] = {}
    for number, line in enumerate(lines):
        text, _, label = line.partition("\t")
        if text.strip() and label.strip() and text not in exclude:
            by_class.setdefault(label.strip(), []).append(number)
    out = []
    for label in sorted(by_class):
        rng = random.Random(f"{seed}:{tag}conflibert:{label}")
        for number in sorted(rng.sample(by_class[label], per_class)):
            text = lines[number].partition("\t")[0]
            out.append({"id": f"conflibert:L{number}", "date": "2018-01-01",
                        "ref": {"file": CONFLIBERT, "line": number},
                        "sha1": text_sha1(text)[:10], "stratum": f"conflibert-{label}",
                        "_text": text})
    return out


def fakes_refs(root: Path, stories: int, per_story: int, seed: int,
               exclude: frozenset[str] = frozenset(), tag: str = "") -> list[dict]:
    """``per_story`` sentences of ``stories`` articles; ``exclude``: texts whose articles
    (any article that contains one of them) are not drawn."""
    from dyadwatch.nlp.load import load_nlp

    rows = [json.loads(x) for x in (root / FAKES).read_text(encoding="utf-8").splitlines()
            if x.strip()]
    rows.sort(key=lambda r: str(r["id"]))
    allowed = [i for i, row in enumerate(rows)
               if not any(t in str(row["text"]) for t in exclude)]
    rng = random.Random(f"{seed}:{tag}fakes")
    picked = sorted(rng.sample(allowed, stories))
    nlp = load_nlp()
    out = []
    for i in picked:
        row = rows[i]
        text = str(row["text"])
        spans = [(s.start_char, s.end_char) for s in nlp(text).sents]
        ok = [(k, a, b) for k, (a, b) in enumerate(spans) if 25 <= b - a <= 350]
        for k, a, b in sorted(random.Random(f"{seed}:fakes:{row['id']}").sample(
                ok, min(per_story, len(ok)))):
            out.append({"id": f"fakes:{row['id']}:s{k}", "date": str(row["date"])[:10],
                        "ref": {"file": FAKES, "story": str(row["id"]), "start": a, "end": b},
                        "sha1": text_sha1(text[a:b])[:10], "stratum": "fakes",
                        "_text": text[a:b]})
    return out


def split(refs: list[dict], seed: int) -> None:
    """Mark a seeded third of each stratum as test, the rest dev (in place)."""
    strata: dict[str, list[dict]] = {}
    for r in refs:
        strata.setdefault(r["stratum"], []).append(r)
    for name, members in sorted(strata.items()):
        order = list(range(len(members)))
        random.Random(f"{seed}:split:{name}").shuffle(order)
        test = set(order[: len(members) // 3])
        for k, r in enumerate(members):
            r["split"] = "test" if k in test else "dev"


def round2(root: Path, seed: int, per_class: int, stories: int, per_story: int,
           first: list[dict]) -> list[dict]:
    """The round-2 draw: new sentences only (none of ``first``, the round-1 draw), all dev."""
    used = frozenset(r["_text"] for r in first)
    used_fakes = frozenset(r["_text"] for r in first if r["stratum"] == "fakes")
    used_ids = {r["ref"]["story"] for r in first if r["stratum"] == "fakes"}
    refs = conflibert_refs(root, per_class, seed, exclude=used, tag="r2:")
    refs += fakes_refs(root, stories, per_story, seed, exclude=used_fakes, tag="r2:")
    assert not used_ids & {r["ref"].get("story") for r in refs}
    for r in refs:
        r["split"] = "dev"
    return refs


def check(refs: list[dict], files: dict[str, str]) -> int:
    """0 when the committed gold files hold exactly this draw (ids, refs, hashes, split);
    ``files``: split name -> gold file name."""
    here = Path(__file__).resolve().parent
    keys = ("id", "date", "ref", "sha1", "stratum")
    drawn = {(r["split"], json.dumps({k: r[k] for k in keys}, sort_keys=True)) for r in refs}
    stored = set()
    for split_name, name in files.items():
        for line in (here / name).read_text(encoding="utf-8").splitlines():
            obj = json.loads(line)
            stored.add((split_name, json.dumps({k: obj[k] for k in keys}, sort_keys=True)))
    print(f"drawn {len(drawn)}, stored {len(stored)}, only drawn {len(drawn - stored)}, "
          f"only stored {len(stored - drawn)}")
    return 0 if drawn == stored else 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--round", type=int, choices=(1, 2), default=1,
                    help="1: the real_dev/real_test draw; 2: the new real_dev2 draw")
    ap.add_argument("--per-class", type=int, default=42)
    ap.add_argument("--stories", type=int, default=70)
    ap.add_argument("--per-story", type=int, default=3)
    ap.add_argument("--per-class2", type=int, default=14, help="round 2")
    ap.add_argument("--stories2", type=int, default=24, help="round 2")
    ap.add_argument("--with-text", action="store_true",
                    help="add the text, for labelling (never commit that output)")
    ap.add_argument("--check", action="store_true",
                    help="compare the draw with the committed files (round 1: "
                         "real_dev/real_test; round 2: real_dev2)")
    args = ap.parse_args()
    root = data_root(Path(__file__))
    if root is None or not (root / CONFLIBERT).is_file() or not (root / FAKES).is_file():
        print("../shared/data (or $DYADWATCH_DATA) with the ConfliBERT and FA-KES files is "
              "not here; nothing sampled")
        return
    refs = conflibert_refs(root, args.per_class, args.seed)
    refs += fakes_refs(root, args.stories, args.per_story, args.seed)
    split(refs, args.seed)
    files = {"dev": "real_dev.jsonl", "test": "real_test.jsonl"}
    if args.round == 2:
        refs = round2(root, args.seed, args.per_class2, args.stories2, args.per_story, refs)
        files = {"dev": "real_dev2.jsonl"}
    if args.check:
        sys.exit(check(refs, files))
    for r in refs:
        text = r.pop("_text")
        if args.with_text:
            r["text"] = text
        sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
