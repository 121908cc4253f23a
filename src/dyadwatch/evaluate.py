"""Scoring the coder against gold files: precision, recall, F1, quad-class accuracy, confusions.

A gold file is JSON Lines, one sentence or story per line::

    {"id": "g1", "date": "2017-07-28", "text": "Russia criticized Ukraine.",
     "events": [{"source": "RUS", "target": "UKR", "code": "111"}],
     "construction": "active"}

``events: []`` means "no event". Actor codes may be full (``RUSGOV``) or country-only
(``RUS``); a country-only gold actor matches any predicted actor of that country.
``construction`` (optional) groups lines for ``--by construction``.

Events are matched as multisets per line on three keys: (source country, target
country, CAMEO root), the same with the full code, and the same with the full actor
codes. The report gives precision, recall and F1 for each, per file and overall; the
quad-class accuracy over gold events whose dyad was found; and a confusion table of
gold root against coded root over those dyads.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date as Date
from pathlib import Path

import pycountry

from dyadwatch.coding.events import Event
from dyadwatch.coding.pipeline import Coded, CodingOptions, code_stories
from dyadwatch.goldrefs import join_text
from dyadwatch.ontology.cameo import load_ontology
from dyadwatch.stories import Reject, Story

KEYS = ("root", "code", "actor")
_EXTRA_COUNTRIES = {"USR", "YUG", "CSK", "DDR", "XKX", "SCG"}


@dataclass(frozen=True)
class GoldLine:
    """One gold sentence or story and its expected events."""

    id: str
    date: Date
    text: str
    events: tuple[dict, ...]
    construction: str = ""
    origin: str = ""


def read_gold(path: Path) -> Iterator[GoldLine | Reject]:
    """Gold lines of a JSON Lines file (or PETRARCH validation XML: :mod:`dyadwatch.goldxml`);
    malformed lines become rejects."""
    if path.suffix.lower() == ".xml":
        from dyadwatch.goldxml import read_petrarch_gold

        yield from read_petrarch_gold(path)
        return
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            origin = f"{path}:{number}"
            try:
                obj = join_text(json.loads(line), path)  # ref -> text (goldrefs)
                events = tuple(
                    {"source": str(e["source"]).upper(), "target": str(e["target"]).upper(),
                     "code": str(e["code"])}
                    for e in obj["events"]
                )
                yield GoldLine(str(obj["id"]), Date.fromisoformat(str(obj["date"])[:10]),
                               str(obj["text"]), events, str(obj.get("construction", "")),
                               origin)
            except (ValueError, KeyError, TypeError) as exc:
                yield Reject(origin, "bad-gold", f"not a gold line ({exc})",
                             'expected {"id", "date", "text", "events": [{source, target, '
                             "code}]}")


def country_of(code: str | None) -> str | None:
    """The country part of an actor code (``RUSGOV`` -> ``RUS``); organisations keep theirs."""
    if not code:
        return None
    head = code[:3]
    if head in _EXTRA_COUNTRIES or pycountry.countries.get(alpha_3=head) is not None:
        return head
    return code


def _gold_keys(e: dict, key: str) -> tuple:
    src, tgt, code = e["source"], e["target"], e["code"]
    if key == "root":
        return country_of(src), country_of(tgt), code[:2]
    if key == "code":
        return country_of(src), country_of(tgt), code
    return src, tgt, code[:2]


def _pred_keys(e: Event, gold_actors: set[str], key: str) -> tuple:
    # The country as the gold side reads it (a code outside ISO 3166, such as a user
    # dictionary's "ARNGOV", is compared whole on both sides).
    src = country_of(e.source) if e.source_country else e.source
    tgt = country_of(e.target) if e.target_country else e.target
    if key == "root":
        return src, tgt, e.root
    if key == "code":
        return src, tgt, e.code
    # Full actor codes; a country-only gold actor asks for the country alone.
    s = src if e.source_country in gold_actors else e.source
    t = tgt if e.target_country in gold_actors else e.target
    return s, t, e.root


@dataclass
class Tally:
    """Matched, coded and expected counts for one key."""

    tp: int = 0
    predicted: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        return self.tp / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict:
        return {"tp": self.tp, "predicted": self.predicted, "gold": self.gold,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4)}


@dataclass
class Report:
    """Scores for one group of gold lines (a file, a construction, or everything)."""

    lines: int = 0
    tallies: dict[str, Tally] = field(default_factory=lambda: {k: Tally() for k in KEYS})
    quad_right: int = 0
    quad_total: int = 0
    confusion: Counter = field(default_factory=Counter)

    def to_dict(self) -> dict:
        return {
            "lines": self.lines,
            **{k: t.to_dict() for k, t in self.tallies.items()},
            "quad_accuracy": round(self.quad_right / self.quad_total, 4)
            if self.quad_total else None,
            "quad_pairs": self.quad_total,
        }


@dataclass
class Evaluation:
    """The whole evaluation: per-file and per-group reports, and the errors."""

    overall: Report = field(default_factory=Report)
    files: dict[str, Report] = field(default_factory=dict)
    groups: dict[str, Report] = field(default_factory=lambda: defaultdict(Report))
    errors: list[dict] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


def _score(report: Report, gold: tuple[dict, ...], events: list[Event]) -> None:
    onto = load_ontology()
    report.lines += 1
    gold_actors = {g[k] for g in gold for k in ("source", "target")}
    for key in KEYS:
        g = Counter(_gold_keys(e, key) for e in gold)
        p = Counter(_pred_keys(e, gold_actors, key) for e in events)
        t = report.tallies[key]
        t.tp += sum((g & p).values())
        t.predicted += sum(p.values())
        t.gold += sum(g.values())
    # Quad class and root confusion over gold events whose dyad was coded.
    by_dyad: dict[tuple, list[Event]] = defaultdict(list)
    for e in events:
        by_dyad[(e.source_country or e.source, e.target_country or e.target)].append(e)
    for ge in gold:
        dyad = (country_of(ge["source"]), country_of(ge["target"]))
        gold_root = ge["code"][:2]
        candidates = by_dyad.get(dyad, [])
        if not candidates:
            report.confusion[(gold_root, "none")] += 1
            continue
        best = next((e for e in candidates if e.root == gold_root), candidates[0])
        report.confusion[(gold_root, best.root)] += 1
        gold_quad = onto[ge["code"]].quad_class if ge["code"] in onto else None
        report.quad_total += 1
        report.quad_right += best.quad_class == gold_quad
    gold_dyads = {(country_of(g["source"]), country_of(g["target"])) for g in gold}
    for e in events:
        if (e.source_country or e.source, e.target_country or e.target) not in gold_dyads:
            report.confusion[("none", e.root)] += 1


def _errors(line: GoldLine, events: list[Event], key: str) -> list[dict]:
    gold_actors = {g[k] for g in line.events for k in ("source", "target")}
    g = Counter(_gold_keys(e, key) for e in line.events)
    p = Counter(_pred_keys(e, gold_actors, key) for e in events)
    out = []
    for miss in (g - p).elements():
        out.append({"kind": "miss", "id": line.id, "origin": line.origin, "text": line.text,
                    "expected": dict(zip(("source", "target", key), miss, strict=True))})
    extra = p - g
    for e in events:
        k = _pred_keys(e, gold_actors, key)
        if extra[k] > 0:
            extra[k] -= 1
            out.append({"kind": "extra", "id": line.id, "origin": line.origin,
                        "sentence": e.sentence, "event": {
                            "source": e.source, "target": e.target, "code": e.code,
                            "source_text": e.source_text, "target_text": e.target_text,
                            "rule": e.rule}})
    return out


def evaluate(paths: Iterable[Path], *, level: str = "root", by: str | None = None,
             workers: int = 1, options: CodingOptions | None = None) -> Evaluation:
    """Code every gold line and score it; ``by`` groups by root, quad or construction."""
    result = Evaluation()
    onto = load_ontology()
    for path in paths:
        lines: dict[str, GoldLine] = {}
        stories: list[Story | Reject] = []
        for item in read_gold(path):
            if isinstance(item, Reject):
                result.rejects.append(item)
                continue
            key = f"{item.origin}#{item.id}"
            lines[key] = item
            stories.append(Story(id=key, date=item.date, text=item.text, origin=item.origin))
        report = result.files.setdefault(str(path), Report())
        for coded in code_stories(stories, workers=workers, options=options or CodingOptions()):
            if isinstance(coded, Reject):
                result.rejects.append(coded)
                continue
            assert isinstance(coded, Coded)
            line = lines[coded.story.id]
            for target in (report, result.overall):
                _score(target, line.events, coded.events)
            if by == "construction":
                _score(result.groups[line.construction or "(none)"], line.events, coded.events)
            elif by in ("root", "quad"):
                # Each line falls in the group(s) of its gold events ("none" for no event).
                labels = {ge["code"][:2] if by == "root" else
                          str(onto[ge["code"]].quad_class if ge["code"] in onto else "?")
                          for ge in line.events} or {"none"}
                for label in labels:
                    _score(result.groups[label], line.events, coded.events)
            result.errors.extend(_errors(line, coded.events, level))
    return result
