"""Select the stories of the hand-labelled actor and place evaluation (deterministic).

Reads the corpora under ../shared/data/corpora and prints the ids of the stories that
were labelled, in order: FA-KES (Syrian war, 2012-2017, many outlets) and Reuters-21578
(1987 wire, political and trade news). The order within each corpus is the SHA-1 of the
story id, so the choice depends on nothing but the data and the filters below.

    .venv/bin/python benchmarks/labels/select_stories.py [--data DIR] [--heldout]

``--heldout`` prints the held-out draw of ``actors_heldout.jsonl`` instead: the same
filters, a salted SHA-1 order, no story of the first draw.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
FAKES = "corpora/fakes_syria/fakes.jsonl"
REUTERS = "corpora/reuters21578/reuters21578.jsonl"
# FA-KES: this many stories per year, of 1,200-3,500 characters, at most one per outlet
# and year.
FAKES_PER_YEAR = {"2012": 1, "2013": 2, "2014": 2, "2015": 2, "2016": 3, "2017": 2}
# Reuters: political and trade stories (topics among these, or none) naming at least two
# countries, of 1,200-3,500 characters, with at least 4 of these words (government talk).
REUTERS_TOPICS = {"trade", "crude", "ship", "money-fx"}
REUTERS_WORDS = ("minister", "government", "president", "officials", "ministry",
                 "spokesman", "troops", "talks")
REUTERS_N = 8
# The held-out draw (actors_heldout.jsonl): the same filters, the order the SHA-1 of
# "heldout:" + the story id, none of the stories above; FA-KES one story a year
# 2013-2016 (outlets not yet drawn that year), Reuters three.
HELDOUT_SALT = "heldout:"
HELDOUT_FAKES_PER_YEAR = {"2013": 1, "2014": 1, "2015": 1, "2016": 1}
HELDOUT_REUTERS_N = 3


def _key(story_id: str, salt: str = "") -> str:
    return hashlib.sha1((salt + story_id).encode("utf-8")).hexdigest()


def _rows(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def _fakes(data: Path, per_year: dict[str, int], salt: str,
           exclude: set[str]) -> list[tuple[str, str]]:
    chosen: list[tuple[str, str]] = []
    fakes = sorted((r for r in _rows(data / FAKES) if 1200 <= len(r["text"]) <= 3500),
                   key=lambda r: _key(r["id"], salt))
    for year, n in per_year.items():
        outlets: set[str] = set()
        for r in fakes:
            if r["id"] in exclude and r["date"][:4] == year:
                outlets.add(r.get("source"))
        for r in fakes:
            if (r["date"][:4] == year and r.get("source") not in outlets and n > 0
                    and r["id"] not in exclude):
                chosen.append((FAKES, r["id"]))
                outlets.add(r.get("source"))
                n -= 1
    return chosen


def _reuters(data: Path, n: int, salt: str, exclude: set[str]) -> list[tuple[str, str]]:
    reuters = []
    for r in _rows(data / REUTERS):
        topics = set(r.get("topics") or [])
        text = r.get("text") or ""
        if topics and not topics <= REUTERS_TOPICS:
            continue
        if len(r.get("places") or []) < 2 or not 1200 <= len(text) <= 3500:
            continue
        lower = text.lower()
        if sum(w in lower for w in REUTERS_WORDS) >= 4 and r["id"] not in exclude:
            reuters.append(r)
    reuters.sort(key=lambda r: _key(r["id"], salt))
    return [(REUTERS, r["id"]) for r in reuters[:n]]


def select(data: Path) -> list[tuple[str, str]]:
    """(corpus file relative to ``data``, story id) of every selected story, in order."""
    return [*_fakes(data, FAKES_PER_YEAR, "", set()), *_reuters(data, REUTERS_N, "", set())]


def select_heldout(data: Path) -> list[tuple[str, str]]:
    """The held-out stories: a second seeded draw that shares no story with :func:`select`."""
    used = {story for _, story in select(data)}
    return [*_fakes(data, HELDOUT_FAKES_PER_YEAR, HELDOUT_SALT, used),
            *_reuters(data, HELDOUT_REUTERS_N, HELDOUT_SALT, used)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--heldout", action="store_true",
                    help="the held-out draw (actors_heldout.jsonl) instead")
    args = ap.parse_args()
    if not (args.data / FAKES).exists() or not (args.data / REUTERS).exists():
        print(f"corpora not found under {args.data} (needs ../shared/data); nothing selected")
        return
    for corpus, story_id in (select_heldout if args.heldout else select)(args.data):
        print(f"{corpus}\t{story_id}")


if __name__ == "__main__":
    main()
