"""Background mentions: does the text place an event clearly before the story's news?

"Back in December last year, Obama expelled 35 diplomats" in a July story, "Iran had
opened its borders in the 1980s", "since 2011 the regime has bombed ...": such events
are coded with the story's date, like every event, and flagged ``background`` so that
users can filter them out of time series.

The time of an event is looked for in its own clause first: a date (spaCy's DATE
entities: "in 2014", "in December", "two years ago", "last year", "the 1980s") or a
past adverb ("previously") attached to the predicate. A clause without one takes the
time of the clause it depends on ("Back in 2014, ties soured when Russia annexed ...")
unless it is in the present tense or reports speech. A past perfect main clause with
no date of its own ("Lavrov had warned Washington") is background too; past perfect in
reported speech is only the reporting tense ("said the regime had shelled the town").
An event is background when the latest day its time expression can mean lies more than
``window_days`` (``data/time.yaml``) before the story's date. Without a story date only
relative expressions ("two years ago", "back in", "previously") can flag an event.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date as Date
from datetime import timedelta
from functools import lru_cache
from importlib import resources

import yaml
from spacy.tokens import Span, Token

from dyadwatch.nlp.ents import sentence_ents

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS.pop("may", None)  # "may" is a modal far more often; "May" is checked by case
_YEAR = re.compile(r"^(1[6-9]\d\d|20\d\d)$")
_DECADE = re.compile(r"^(1[6-9]\d|20\d)0'?s$")
_DAY = re.compile(r"^(\d{1,2})(st|nd|rd|th)?$")
# Links across which a clause takes the time of the clause it depends on.
_INHERIT = {"advcl", "conj", "xcomp", "relcl", "acl", "pcomp", "prep", "pobj", "dobj",
            "nsubj", "nsubjpass", "attr", "appos", "oprd"}
_PRESENT = {"VBZ", "VBP"}
_REPORTING = {"say", "tell", "report", "state", "add", "claim", "announce", "confirm",
              "note", "warn", "allege", "insist", "write", "explain", "accuse"}


@dataclass(frozen=True)
class TimeWords:
    """The contents of ``data/time.yaml``."""

    window_days: int
    past_adverbs: frozenset[str]
    back_words: frozenset[str]
    since_words: frozenset[str]
    units: dict[str, int]
    numbers: dict[str, int]
    vague: frozenset[str]
    recent: frozenset[str]


@lru_cache(maxsize=1)
def load_time_words() -> TimeWords:
    text = resources.files("dyadwatch.coding").joinpath("data/time.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    return TimeWords(
        window_days=int(data["window_days"]),
        past_adverbs=frozenset(data["past_adverbs"]),
        back_words=frozenset(data["back_words"]),
        since_words=frozenset(data["since_words"]),
        units={str(k): int(v) for k, v in data["units"].items()},
        numbers={str(k): int(v) for k, v in data["numbers"].items()},
        vague=frozenset(data["vague"]),
        recent=frozenset(data["recent"]),
    )


# -- what a time expression means ------------------------------------------------------------

# The verdict on one time expression: True (old), False (news), None (too vague to say).
Verdict = bool | None


def _unit(word: str, units: dict[str, int]) -> int | None:
    w = word.lower()
    if w in units:
        return units[w]
    if w.endswith("s") and w[:-1] in units:
        return units[w[:-1]]
    return None


def _latest_day(tokens: list[Token], day: Date) -> Date | None:
    """The latest day an absolute date expression can mean, on or before ``day`` where the
    year is not given ("in December" in a July story is last December)."""
    year = month = dom = None
    decade = None
    for t in tokens:
        w = t.text.lower().strip(".,")
        if _YEAR.match(w):
            year = int(w)
        elif _DECADE.match(w):
            decade = int(w[:3]) * 10
        elif w in _MONTHS or (w == "may" and t.text == "May"):
            month = _MONTHS.get(w, 5)
        elif _DAY.match(w) and month is not None and dom is None:
            dom = int(_DAY.match(w).group(1))  # type: ignore[union-attr]
    if decade is not None and year is None:
        return Date(decade + 9, 12, 31)
    if year is None and month is None:
        return None
    if year is None:
        year = day.year if month <= day.month else day.year - 1  # type: ignore[operator]
    if month is None:
        return Date(year, 12, 31)
    last = calendar.monthrange(year, month)[1]
    return Date(year, month, min(dom, last) if dom else last)


def _verdict(tokens: list[Token], day: Date | None, words: TimeWords) -> Verdict:
    """Is this time expression (a DATE entity, with the words that govern it) old?"""
    lower = [t.lower_ for t in tokens]
    window = timedelta(days=words.window_days)
    if any(w in words.recent for w in lower):
        return False
    if "ago" in lower:
        i = lower.index("ago")
        unit = next((u for w in reversed(lower[:i]) if (u := _unit(w, words.units))), None)
        if unit is None:
            return None
        count = 1
        for w in lower[:i]:
            if w.isdigit():
                count = int(w)
            elif w in words.numbers:
                count = words.numbers[w]
        return count * unit > words.window_days
    if "last" in lower or "past" in lower:
        i = lower.index("last") if "last" in lower else lower.index("past")
        unit = next((u for w in lower[i + 1:] if (u := _unit(w, words.units))), None)
        if unit is not None and not any(_YEAR.match(w) or w in _MONTHS for w in lower):
            return unit > words.window_days
    if "this" in lower:
        # "earlier this week" is news; "earlier this month" too vague to say.
        unit = next((u for w in lower[lower.index("this") + 1:]
                     if (u := _unit(w, words.units))), None)
        if unit is not None and unit <= words.window_days:
            return False
    if any(w in words.vague for w in lower):
        return None
    if day is None:
        return None
    latest = _latest_day(tokens, day)
    if latest is None:
        return None
    return latest < day - window


# -- which clause a time expression belongs to -----------------------------------------------


def _clause_head(tok: Token, pred: Token) -> Token:
    """The nearest predicate above ``tok`` (a verb, or the event noun ``pred`` itself)."""
    node = tok
    while node.head.i != node.i:
        node = node.head
        if node.i == pred.i or node.pos_ in ("VERB", "AUX"):
            return node
    return node


def _expressions(sent: Span, pred: Token, words: TimeWords) -> dict[int, list[list[Token]]]:
    """Time expressions of the sentence, by the token index of the clause they belong to.
    Each expression is a DATE entity plus the preposition or adverb that governs it
    ("since", "back in")."""
    out: dict[int, list[list[Token]]] = {}
    for ent in sentence_ents(sent):
        if ent.label_ != "DATE":
            continue
        toks = list(ent)
        node = ent.root
        # The words above the date up to its clause: "back in", "since", "until".
        while node.head.i != node.i and node.head.pos_ not in ("VERB", "AUX") \
                and node.head.i != pred.i:
            node = node.head
            if node.pos_ in ("ADP", "ADV", "SCONJ"):
                toks.append(node)
        out.setdefault(_clause_head(node, pred).i, []).append(toks)
    for tok in sent:
        if tok.lower_ in words.past_adverbs and tok.dep_ == "advmod":
            out.setdefault(_clause_head(tok, pred).i, []).append([tok])
    return out


def _clause_verdict(found: list[list[Token]], day: Date | None, words: TimeWords) -> Verdict:
    verdicts = []
    for toks in found:
        lower = {t.lower_ for t in toks}
        if lower & words.past_adverbs:
            verdicts.append(True)
            continue
        v = _verdict(toks, day, words)
        if v is None and lower & (words.back_words | words.since_words) and day is None:
            v = True  # "back in December": history even without a story date
        verdicts.append(v)
    if any(v is False for v in verdicts):
        return False  # a recent date anywhere in the clause: it is news
    if any(v is True for v in verdicts):
        return True
    return None


def _past_perfect(verb: Token) -> bool:
    return verb.tag_ == "VBN" and any(
        c.dep_ in ("aux", "auxpass") and c.lower_ in ("had", "'d") for c in verb.children)


def _reported(verb: Token) -> bool:
    return verb.dep_ == "ccomp" and verb.head.lemma_.lower() in _REPORTING


def time_verdict(pred: Token, day: Date | None) -> Verdict:
    """Whether the clause of ``pred`` is told as history (True), as the story's news
    (False: a recent date, the present or future tense, reported speech), or gives no
    sign either way (None). See the module docstring for the rules."""
    words = load_time_words()
    found = _expressions(pred.sent, pred, words)
    node = pred
    for _ in range(8):
        # A base-form verb ("plans to meet in December", "will meet in May") may be
        # dated in the future: its own date is not read, its governing clause decides.
        if node.i in found and node.tag_ != "VB":
            verdict = _clause_verdict(found[node.i], day, words)
            if verdict is not None:
                return verdict
            break  # a vague time of its own: the governing clause's does not apply
        if node.pos_ in ("VERB", "AUX"):
            if node.tag_ in _PRESENT or any(c.tag_ in _PRESENT or c.tag_ == "MD"
                                            for c in node.children if c.dep_ == "aux"):
                return False
            if _reported(node):
                return False
        if node.dep_ not in _INHERIT or node.head.i == node.i:
            break
        node = node.head
    # No date: a past perfect main clause is history ("Lavrov had warned Washington").
    verb = pred if pred.pos_ in ("VERB", "AUX") else _clause_head(pred, pred.sent.root)
    if _past_perfect(verb) and not _reported(verb):
        return True
    return None


def is_background(pred: Token, day: Date | None) -> bool:
    """Whether the event whose predicate is ``pred`` is told as history, judged on its
    sentence alone."""
    return time_verdict(pred, day) is True


class Narrative:
    """Background carried from sentence to sentence: after "Back in December, Obama
    expelled 35 diplomats.", a following sentence in the simple past with no time of its
    own ("He also closed two compounds.") goes on telling the same history. Feed the
    sentences in order with :meth:`next_sentence`, then ask :meth:`background`."""

    def __init__(self, day: Date | None) -> None:
        self.day = day
        self._state = False  # the previous sentence's main clause was history
        self._carried = False  # this sentence goes on with it

    def next_sentence(self, sent: Span) -> None:
        root = sent.root
        verdict = time_verdict(root, self.day)
        simple_past = root.tag_ == "VBD" and not any(
            c.dep_ == "aux" for c in root.children)
        self._carried = verdict is None and simple_past and self._state
        self._state = verdict is True or self._carried

    def background(self, pred: Token) -> bool:
        verdict = time_verdict(pred, self.day)
        return verdict is True or (verdict is None and self._carried)
