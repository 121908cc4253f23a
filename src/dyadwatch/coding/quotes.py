"""Quotations and reported speech: who speaks, and whom their first person means.

In ``"We will retaliate against Israel," the Iranian foreign minister said`` the quoted
"we" is the speaker, the subject of the speech verb outside the quotation marks. A
quotation is a stretch between double quotation marks (straight or curly); an opening
mark with no closing one runs to the end of the sentence, a closing mark with no
opening one from its start (news text often splits a quotation into sentences). The
speaker of a quotation is the subject of the nearest speech verb outside all
quotations (before or after it, with or without a colon, or between its two halves);
a sentence without quotation marks has the speaker of the clause a speech verb
reports ("Lavrov said we will respond"). Word lists are in ``data/speech.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml
from spacy.tokens import Span, Token

_OPENING = {"\u201c", "\u201e", "\u00ab"}
_CLOSING = {"\u201d", "\u00bb"}
_STRAIGHT = {'"', "''", "``"}
_SUBJ = ("nsubj", "csubj")


@dataclass(frozen=True)
class SpeechWords:
    """The word lists of ``data/speech.yaml``."""

    verbs: frozenset[str]
    first_person: frozenset[str]
    own_country: frozenset[str]
    modals: dict[str, str]  # modal auxiliary -> the verb whose patterns code the clause


@lru_cache(maxsize=1)
def load_speech() -> SpeechWords:
    """Speech verbs, first-person pronouns and the modals of appeals and demands."""
    text = resources.files("dyadwatch.coding").joinpath("data/speech.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    return SpeechWords(frozenset(str(w).lower() for w in data["verbs"]),
                       frozenset(str(w).lower() for w in data["first_person"]),
                       frozenset(str(w).lower() for w in data["own_country"]),
                       {str(k).lower(): str(v).lower() for k, v in data["modals"].items()})


def quotations(sent: Span, inside: bool = False) -> list[range]:
    """The token index ranges inside quotation marks (the marks excluded); ``inside``: the
    sentence begins inside a quotation that an earlier one opened."""
    spans: list[range] = []
    start: int | None = sent.start if inside else None
    for tok in sent:
        mark = _mark(tok, sent, inside=start is not None)
        if mark == "open" and start is None:
            start = tok.i + 1
        elif mark == "close":
            if start is not None:
                spans.append(range(start, tok.i))
                start = None
            elif not spans:
                spans.append(range(sent.start, tok.i))  # closes a quotation begun earlier
    if start is not None:
        spans.append(range(start, sent.end))
    return [s for s in spans if len(s)]


def _mark(tok: Token, sent: Span, inside: bool) -> str | None:
    """"open", "close" or None. A straight mark closes inside a quotation, and outside
    one when it is glued to the word before it only ('Israel,"' closes, '"We' opens)."""
    if tok.text in _OPENING:
        return "open"
    if tok.text in _CLOSING:
        return "close"
    if tok.text not in _STRAIGHT:
        return None
    if inside:
        return "close"
    glued_before = tok.i > sent.start and not tok.doc[tok.i - 1].whitespace_
    glued_after = not tok.whitespace_ and tok.i + 1 < sent.end
    return "close" if glued_before and not glued_after else "open"


@dataclass(frozen=True)
class Quoting:
    """Who speaks in a sentence: ``speakers`` maps each first-person pronoun (by token
    index) to the head of its speaker's phrase, or to None in a quotation that opens the
    sentence with no speaker named in it (the speaker of the sentence before speaks on);
    ``quoted``: the sentence has a quotation, ``last`` the speaker of its last one (None
    when not named here), ``runs_on``: it ends inside that quotation."""

    speakers: dict[int, Token | None]
    quoted: bool
    last: Token | None
    runs_on: bool


def first_person_speakers(sent: Span, words: SpeechWords | None = None,
                          inside: bool = False) -> Quoting:
    """The speakers of a sentence's first person: inside a quotation, the subject of the
    nearest speech verb outside quotations; in a sentence without quotations, the
    subject of the speech verb whose reported clause holds the pronoun. ``inside``: the
    sentence begins inside a quotation opened before."""
    words = words or load_speech()
    spans = quotations(sent, inside)
    quoted = {i for s in spans for i in s}
    speeches = [(v, s) for v in sent if v.lemma_.lower() in words.verbs and v.i not in quoted
                for s in _speaker(v, words) if s.i not in quoted]

    def speaker_of(span: range) -> Token | None:
        if not speeches:
            return None
        return min(speeches, key=lambda vs: _distance(vs[0], span))[1]

    out: dict[int, Token | None] = {}
    for pron in sent:
        if pron.lower_ not in words.first_person or pron.pos_ != "PRON":
            continue
        span = next((s for s in spans if pron.i in s), None)
        if span is not None:
            speaker = speaker_of(span)
            if speaker is not None or span.start <= sent.start + 1:
                out[pron.i] = speaker
        elif not spans:
            speaker = _reporter(pron, words)
            if speaker is not None:
                out[pron.i] = speaker
    last = speaker_of(spans[-1]) if spans else None
    return Quoting(out, bool(spans), last, bool(spans) and spans[-1].stop == sent.end)


def _speaker(verb: Token, words: SpeechWords) -> list[Token]:
    """The subject of a speech verb, unless it is itself in the first person."""
    return [c for c in verb.children if c.dep_ in _SUBJ and c.lower_ not in words.first_person]


def _distance(verb: Token, span: range) -> int:
    return min(abs(verb.i - span.start), abs(verb.i - (span.stop - 1)))


def _reporter(pron: Token, words: SpeechWords) -> Token | None:
    """The speaker of the clause that holds ``pron``: up through heads to a clause that
    a speech verb reports (its complement), that verb's subject."""
    tok = pron
    while tok.head.i != tok.i:
        head = tok.head
        if tok.dep_ == "ccomp" and head.lemma_.lower() in words.verbs:
            subjects = _speaker(head, words)
            return subjects[0] if subjects else None
        tok = head
    return None


def reported_demand(verb: Token, words: SpeechWords | None = None) -> str | None:
    """The verb whose patterns code a speech verb that reports an appeal or demand
    ("said Russia must withdraw" -> "demand"), else None: a complement clause with a
    modal of ``modals`` and a subject of its own that is not the speaker's first person.
    A copula is no demanded act ("said the EU must be ready to mediate" judges)."""
    words = words or load_speech()
    if verb.lemma_.lower() not in words.verbs:
        return None
    for clause in verb.children:
        if clause.dep_ != "ccomp" or clause.pos_ != "VERB":
            continue
        modal = next((words.modals[c.lower_] for c in clause.children
                      if c.dep_ == "aux" and c.lower_ in words.modals), None)
        subjects = [c for c in clause.children if c.dep_ in _SUBJ]
        if modal and subjects and subjects[0].lower_ not in words.first_person:
            return modal
    return None
