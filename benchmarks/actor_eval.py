"""Hand-labelled actor and place evaluation on real stories (issue 3).

The labels in ``benchmarks/labels/actors.jsonl`` and ``places.jsonl`` give, for real
stories of ``../shared/data/corpora``, the character offsets of each mention and the
code a careful annotator expects; the texts are read from ``../shared/data`` when this
runs (nothing of them is in the repository). Each story is parsed with the real spaCy
pipeline and its mentions are resolved in text order with one story context
(:func:`dyadwatch.actors.lookup.resolve_mentions`), so pronouns and definite
descriptions resolve from what came before. Places are resolved span by span with
``dyadwatch.places.resolve_place_spans(text, date, spans)`` (each labelled span as a place
name, in its story's context); where only the event locator ``locate_text(text, date)``
exists, a label is scored against the located place that overlaps it most.

Printed per category: mentions, country accuracy (the first three letters of the code:
the country, or IGO/NGO/IMG for international bodies and groups), full-code accuracy
(the whole code, or one of the label's accepted alternatives).

    .venv/bin/python benchmarks/actor_eval.py [--data DIR] [--errors FILE] [--format table|json]
    .venv/bin/python benchmarks/actor_eval.py --actors benchmarks/labels/actors_heldout.jsonl

``--actors FILE`` scores another actor label file (the held-out set of
``actors_heldout.jsonl``: stories of a second seeded draw, never tuned on); places are
then scored only if ``--places FILE`` is given too.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date as Date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "benchmarks" / "labels"
DEFAULT_DATA = ROOT.parent / "shared" / "data"
CATEGORIES = ("country", "sector", "person", "igo", "group", "pronoun")
_ACTOR_KEYS = {"id", "corpus", "story", "start", "end", "category", "code"}
_PLACE_KEYS = {"id", "corpus", "story", "start", "end", "country"}
# Where the geolocation function may live (it is being built alongside this script).
PLACE_MODULES = ("dyadwatch.places", "dyadwatch.places.locate", "dyadwatch.actors.places")
PLACE_FUNCTION = "locate_text"
PLACE_SPANS_FUNCTION = "resolve_place_spans"


class LabelError(ValueError):
    """A label file that cannot be read: the message says the file, line and problem."""


@dataclass(frozen=True)
class Label:
    """One hand-labelled mention: an actor (``code``) or a place (``country``)."""

    id: str
    corpus: str
    story: str
    start: int
    end: int
    category: str
    code: str
    alt: tuple[str, ...] = ()
    sha1: str = ""

    def accepts(self, code: str | None) -> bool:
        return code is not None and (code == self.code or code in self.alt)


def load_labels(path: Path, kind: str = "actor") -> list[Label]:
    """Read a label file (JSON Lines); ``kind`` is ``actor`` or ``place``."""
    need = _ACTOR_KEYS if kind == "actor" else _PLACE_KEYS
    labels: list[Label] = []
    ids: set[str] = set()
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"{path}:{n}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise LabelError(f"{where}: not JSON ({exc.msg}); fix or remove the line") from None
            if not isinstance(row, dict):
                raise LabelError(f"{where}: expected a JSON object")
            missing = sorted(need - row.keys())
            if missing:
                raise LabelError(f"{where}: missing {', '.join(missing)}")
            start, end = row["start"], row["end"]
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end):
                raise LabelError(f"{where}: start and end must be offsets with start < end")
            if row["id"] in ids:
                raise LabelError(f"{where}: duplicate id {row['id']!r}")
            ids.add(row["id"])
            if kind == "actor":
                if row["category"] not in CATEGORIES:
                    raise LabelError(f"{where}: unknown category {row['category']!r} "
                                     f"(one of {', '.join(CATEGORIES)})")
                category, code = row["category"], row["code"]
            else:
                category, code = "place", row["country"]
            if not isinstance(code, str) or len(code) < 3:
                raise LabelError(f"{where}: the expected code must be at least 3 letters")
            labels.append(Label(str(row["id"]), row["corpus"], row["story"], start, end,
                                category, code, tuple(row.get("alt") or ()),
                                row.get("sha1", "")))
    return labels


def read_stories(data: Path, labels: Iterable[Label]) -> dict[str, dict]:
    """The corpus records the labels point to, by story id (a missing one is left out)."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for lab in labels:
        wanted[lab.corpus].add(lab.story)
    stories: dict[str, dict] = {}
    for corpus, ids in sorted(wanted.items()):
        path = data / corpus
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                # Cheap test before parsing: every wanted id appears verbatim in its line.
                if not any(f'"{i}"' in line for i in ids):
                    continue
                row = json.loads(line)
                if row.get("id") in ids:
                    stories[row["id"]] = row
    return stories


def mention_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


@dataclass
class Tally:
    """Mentions of one category, and how many had the right country and full code."""

    n: int = 0
    country: int = 0
    code: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n,
                "country_acc": round(self.country / self.n, 4) if self.n else None,
                "code_acc": round(self.code / self.n, 4) if self.n else None}


@dataclass
class Result:
    """Scores per category, the wrong mentions, and what could not be evaluated."""

    tallies: dict[str, Tally] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def add(self, lab: Label, got_code: str | None, *, place: bool = False,
            detail: dict | None = None) -> None:
        t = self.tallies.setdefault(lab.category, Tally())
        t.n += 1
        country_ok = got_code is not None and got_code[:3] == lab.code[:3]
        code_ok = country_ok if place else lab.accepts(got_code)
        t.country += country_ok
        t.code += code_ok
        if not code_ok:
            self.errors.append({"id": lab.id, "story": lab.story, "category": lab.category,
                                "expected": lab.code, "alt": list(lab.alt), "got": got_code,
                                "country_ok": country_ok, **(detail or {})})

    def overall(self, categories: Iterable[str]) -> Tally:
        total = Tally()
        for c in categories:
            t = self.tallies.get(c)
            if t:
                total.n, total.country, total.code = (total.n + t.n, total.country + t.country,
                                                      total.code + t.code)
        return total


def _text_and_shift(record: dict) -> tuple[str, int]:
    """The text the pipeline codes (stripped, as the story readers do) and its offset."""
    raw = record["text"]
    return raw.strip(), len(raw) - len(raw.lstrip())


def _story_date(record: dict) -> Date | None:
    try:
        return Date.fromisoformat(str(record.get("date", ""))[:10])
    except ValueError:
        return None


def _check_text(lab: Label, record: dict | None, result: Result) -> bool:
    if record is None:
        result.skipped.append(f"{lab.id}: story {lab.story} not found in {lab.corpus}")
        return False
    if lab.sha1 and mention_hash(record["text"][lab.start:lab.end]) != lab.sha1:
        result.skipped.append(f"{lab.id}: the text at {lab.start}-{lab.end} of {lab.story} "
                              "is not the labelled mention (corpus changed?)")
        return False
    return True


Resolve = Callable[[str, Date | None, list[tuple[int, int]]], list[tuple[Any, list]]]


def evaluate_actors(labels: list[Label], stories: dict[str, dict], resolve: Resolve,
                    result: Result) -> None:
    """Resolve every labelled mention, story by story, and score it into ``result``.

    ``resolve(text, date, spans)`` returns per span ``(actor or None, entries)``.
    """
    by_story: dict[str, list[Label]] = defaultdict(list)
    for lab in labels:
        if _check_text(lab, stories.get(lab.story), result):
            by_story[lab.story].append(lab)
    for story_id, labs in by_story.items():
        record = stories[story_id]
        text, shift = _text_and_shift(record)
        got = resolve(text, _story_date(record),
                      [(lab.start - shift, lab.end - shift) for lab in labs])
        for lab, (actor, entries) in zip(labs, got, strict=True):
            code = getattr(actor, "code", None)
            detail = {"text": record["text"][lab.start:lab.end],
                      "resolved_text": getattr(actor, "text", None),
                      "via": getattr(actor, "via", "") or None,
                      "entry": [_entry_dict(e) for e in entries]}
            result.add(lab, code, detail=detail)


def _entry_dict(e: Any) -> dict:
    if isinstance(e, dict):
        return e
    return {k: v for k in ("phrase", "kind", "country", "sector", "code")
            if (v := getattr(e, k, None))}


def _field(obj: Any, *names: str) -> Any:
    """The first of ``names`` that ``obj`` (a dict, an object, or its ``place``) has."""
    for holder in (obj, _field(obj, "place") if names != ("place",) else None):
        if holder is None:
            continue
        for name in names:
            v = holder.get(name) if isinstance(holder, dict) else getattr(holder, name, None)
            if v is not None:
                return v
    return None


# What an error record shows of the located place, and where each field may be found.
_LOCATED = {"name": ("name", "location"), "country": ("country", "location_country"),
            "geonames_id": ("geonames_id",)}


def evaluate_places(labels: list[Label], stories: dict[str, dict],
                    locate: Callable[[str, Date | None], Iterable[Any]], result: Result) -> None:
    """Score each labelled place against the located place whose span overlaps it most.

    ``locate(text, date)`` returns places with ``start``, ``end`` (character offsets in
    ``text``; or ``start_char``, ``end_char``) and ``country`` or ``location_country`` (ISO
    alpha-3), as objects
    or dicts, the country possibly on a nested ``place``.
    """
    by_story: dict[str, list[Label]] = defaultdict(list)
    for lab in labels:
        if _check_text(lab, stories.get(lab.story), result):
            by_story[lab.story].append(lab)
    for story_id, labs in by_story.items():
        record = stories[story_id]
        text, shift = _text_and_shift(record)
        found = list(locate(text, _story_date(record)) or [])
        for lab in labs:
            s, e = lab.start - shift, lab.end - shift
            best, overlap = None, 0
            for p in found:
                ps, pe = _field(p, "start", "start_char"), _field(p, "end", "end_char")
                if isinstance(ps, int) and isinstance(pe, int):
                    o = min(e, pe) - max(s, ps)
                    if o > overlap:
                        best, overlap = p, o
            country = (_field(best, "country", "location_country")
                       if best is not None else None)
            result.add(lab, country, place=True,
                       detail={"text": record["text"][lab.start:lab.end],
                               "located": None if best is None else {
                                   k: _field(best, *names) for k, names in _LOCATED.items()
                                   if _field(best, *names) is not None}})


def evaluate_place_spans(labels: list[Label], stories: dict[str, dict],
                         resolve: Callable[[str, Date | None, list[tuple[int, int]]],
                                           list[Any]],
                         result: Result) -> None:
    """Score each labelled place against its own span resolved as a place name.

    ``resolve(text, date, spans)`` returns, per ``(start, end)`` span of ``text``, the place
    (a dict or an object with ``country`` or ``location_country``) or None.
    """
    by_story: dict[str, list[Label]] = defaultdict(list)
    for lab in labels:
        if _check_text(lab, stories.get(lab.story), result):
            by_story[lab.story].append(lab)
    for story_id, labs in by_story.items():
        record = stories[story_id]
        text, shift = _text_and_shift(record)
        got = resolve(text, _story_date(record),
                      [(lab.start - shift, lab.end - shift) for lab in labs])
        for lab, place in zip(labs, got, strict=True):
            country = _field(place, "country", "location_country") if place else None
            located = None if place is None else {
                k: _field(place, *names) for k, names in _LOCATED.items()
                if _field(place, *names) is not None}
            if located is not None and _field(place, "location_rule"):
                located["rule"] = _field(place, "location_rule")
            result.add(lab, country, place=True,
                       detail={"text": record["text"][lab.start:lab.end], "located": located})


def find_locator() -> tuple[Callable | None, str]:
    """The geolocation function if it is installed, and where it was looked for."""
    for name in PLACE_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        fn = getattr(module, PLACE_FUNCTION, None)
        if callable(fn):
            return fn, f"{name}.{PLACE_FUNCTION}"
    return None, " or ".join(f"{m}.{PLACE_FUNCTION}" for m in PLACE_MODULES)


def find_span_resolver() -> Callable | None:
    """The place-span resolver (``resolve_place_spans``) if it is installed."""
    for name in PLACE_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        fn = getattr(module, PLACE_SPANS_FUNCTION, None)
        if callable(fn):
            return fn
    return None


def _real_resolver() -> Resolve:
    from dyadwatch.actors.dictionary import load_dictionary
    from dyadwatch.actors.lookup import resolve_mentions
    from dyadwatch.nlp.load import load_nlp

    nlp, dictionary = load_nlp(), load_dictionary()

    def resolve(text: str, day: Date | None, spans: list[tuple[int, int]]) -> list:
        return resolve_mentions(dictionary, nlp(text), spans, day)

    return resolve


def _fmt(x: int, n: int) -> str:
    return f"{x / n:.3f}" if n else "-"


def print_table(result: Result, place_note: str | None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="dyadwatch actor eval (hand-labelled mentions)", header_style="bold")
    table.add_column("category")
    for col in ("mentions", "country acc", "code acc"):
        table.add_column(col, justify="right", no_wrap=True)
    for cat in CATEGORIES:
        t = result.tallies.get(cat)
        if t:
            table.add_row(cat, str(t.n), _fmt(t.country, t.n), _fmt(t.code, t.n))
    total = result.overall(CATEGORIES)
    table.add_row("actors, all", str(total.n), _fmt(total.country, total.n),
                  _fmt(total.code, total.n), style="bold")
    place = result.tallies.get("place")
    if place:
        table.add_row("place", str(place.n), _fmt(place.country, place.n), "-")
    elif place_note:
        table.add_row("place", "-", "pending", "-")
    Console(soft_wrap=True).print(table)
    if place_note:
        print(place_note)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA,
                    help="the shared data folder (default ../shared/data)")
    ap.add_argument("--labels", type=Path, default=LABELS, help="folder of the label files")
    ap.add_argument("--actors", type=Path,
                    help="actor label file (default LABELS/actors.jsonl; places then only "
                         "with --places)")
    ap.add_argument("--places", type=Path, help="place label file (default LABELS/places.jsonl)")
    ap.add_argument("--errors", type=Path, help="write every wrong mention here (JSON Lines)")
    ap.add_argument("--format", choices=("table", "json"), default="table")
    args = ap.parse_args(argv)
    if not (args.data / "corpora").is_dir():
        print(f"no corpora under {args.data} (needs ../shared/data); nothing measured")
        return 0
    try:
        actors = load_labels(args.actors or args.labels / "actors.jsonl", "actor")
        places_path = args.places or (None if args.actors else args.labels / "places.jsonl")
        places = (load_labels(places_path, "place")
                  if places_path is not None and places_path.exists() else [])
    except (LabelError, OSError) as exc:
        print(f"actor_eval: {exc}", file=sys.stderr)
        return 2
    stories = read_stories(args.data, [*actors, *places])
    result = Result()
    evaluate_actors(actors, stories, _real_resolver(), result)
    place_note = None
    spans = find_span_resolver() if places else None
    if spans is not None:
        evaluate_place_spans(places, stories, spans, result)
    elif places:
        locate, where = find_locator()
        if locate is None:
            place_note = (f"places: {len(places)} labels, figures pending: {where} "
                          "does not exist yet")
        else:
            evaluate_places(places, stories, locate, result)
    if args.errors:
        with args.errors.open("w", encoding="utf-8") as fh:
            for err in result.errors:
                fh.write(json.dumps(err, ensure_ascii=False) + "\n")
    if args.format == "json":
        out = {cat: t.to_dict() for cat, t in result.tallies.items()}
        out["actors"] = result.overall(CATEGORIES).to_dict()
        print(json.dumps({"scores": out, "places_pending": place_note,
                          "skipped": result.skipped}, indent=1))
    else:
        print_table(result, place_note)
        for s in result.skipped:
            print(f"skipped {s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
