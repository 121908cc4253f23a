"""Look up how a phrase resolves to an actor code, and which dictionary entries made it so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date as Date

from spacy.language import Language
from spacy.tokens import Doc, Token

from dyadwatch.actors.dictionary import ActorDictionary, Entry, Match
from dyadwatch.actors.resolve import Actor, Resolver, StoryContext, sentence_matches
from dyadwatch.nlp.ents import sentence_ents


@dataclass(frozen=True)
class Lookup:
    """The result of resolving one phrase."""

    text: str
    code: str | None
    country: str | None
    sector: str | None
    entries: list[Entry]
    # The codes of other countries named with the same sector ("Russian and Chinese troops").
    also: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "code": self.code,
            "also": list(self.also),
            "country": self.country,
            "sector": self.sector,
            "entry": [
                {k: v for k, v in (("phrase", e.phrase), ("kind", e.kind),
                                   ("country", e.country), ("sector", e.sector),
                                   ("code", e.code)) if v}
                for e in self.entries
            ],
        }


def _head(tokens: list[Token], matched: set[int]) -> Token | None:
    # A lone name may be tagged oddly out of context ("Zelensky" as INTJ): a token the
    # dictionary knows counts as nominal too.
    nominal = ([t for t in tokens if t.pos_ in ("NOUN", "PROPN", "PRON")]
               or [t for t in tokens if t.i in matched])
    if not nominal:
        return None
    roots = [t for t in nominal if t.head.i == t.i or t.head.pos_ not in ("NOUN", "PROPN")]
    return roots[0] if roots else nominal[-1]


def lookup(nlp: Language, dictionary: ActorDictionary, text: str,
           day: Date | None = None) -> Lookup:
    """Resolve ``text`` as one noun phrase ("Russian Foreign Minister Sergei Lavrov")."""
    doc = nlp(text)
    sent = doc[:]
    matches = sentence_matches(dictionary, sent, day)
    head = _head(list(doc), set(matches))
    actor = None
    if head is not None:
        actor = Resolver(dictionary).resolve(head, matches, StoryContext(date=day))
    used = []
    if actor is not None:
        for i in range(actor.start, actor.end):
            m = matches.get(i)
            if m is not None:
                used.extend(e for e in m.entries if e not in used)
    return Lookup(text, actor.code if actor else None, actor.country if actor else None,
                  actor.sector if actor else None, used,
                  tuple(a.code for a in actor.others) if actor else ())


def _entries(start: int, end: int, matches: dict[int, Match]) -> list[Entry]:
    used: list[Entry] = []
    for i in range(start, end):
        m = matches.get(i)
        if m is not None:
            used.extend(e for e in m.entries if e not in used)
    return used


def resolve_mentions(dictionary: ActorDictionary, doc: Doc, spans: list[tuple[int, int]],
                     day: Date | None = None) -> list[tuple[Actor | None, list[Entry]]]:
    """Resolve character spans ``(start, end)`` of a parsed story, reading it in order.

    Each sentence is read as the coder reads it: the people it names and its subjects
    are resolved first (so they are remembered for pronouns and later sentences), then
    every span that starts in the sentence, from its syntactic head, in text order.
    Returns, per span in the order given, the actor (None when unresolved or when the
    span covers no token) and the dictionary entries that matched inside the actor's
    phrase (inside the span when unresolved).
    """
    resolver = Resolver(dictionary)
    ctx = StoryContext(date=day)
    order = sorted(range(len(spans)), key=lambda i: spans[i])
    out: list[tuple[Actor | None, list[Entry]]] = [(None, [])] * len(spans)
    k = 0
    for sent in doc.sents:
        matches = sentence_matches(dictionary, sent, day)
        seen: dict[int, Actor | None] = {}
        for ent in sentence_ents(sent):
            if ent.label_ == "PERSON":
                seen[ent.root.i] = resolver.resolve(ent.root, matches, ctx)
        for tok in sent:
            # Passive subjects too ("Reagan was expected to assure Chirac that he ...").
            if tok.dep_ in ("nsubj", "csubj", "nsubjpass") and tok.pos_ != "PRON":
                seen[tok.i] = resolver.resolve(tok, matches, ctx, subject=True)
        while k < len(order) and spans[order[k]][0] < sent.end_char:
            i = order[k]
            k += 1
            span = doc.char_span(*spans[i], alignment_mode="expand")
            if span is None or len(span) == 0:
                continue
            head = span.root
            if head.pos_ not in ("NOUN", "PROPN", "PRON"):
                # A misparsed phrase ("US-led coalition" under "led"): its last noun.
                nouns = [t for t in span if t.pos_ in ("NOUN", "PROPN")]
                head = nouns[-1] if nouns else head
            if head.i not in seen:
                seen[head.i] = resolver.resolve(head, matches, ctx, subject=head.dep_ in (
                    "nsubj", "nsubjpass", "csubj"))
            actor = seen[head.i]
            where = (actor.start, actor.end) if actor is not None else (span.start, span.end)
            out[i] = (actor, _entries(*where, matches))
    return out
