"""Look up how a phrase resolves to an actor code, and which dictionary entries made it so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date as Date

from spacy.language import Language
from spacy.tokens import Token

from dyadwatch.actors.dictionary import ActorDictionary, Entry
from dyadwatch.actors.resolve import Resolver, StoryContext, sentence_matches


@dataclass(frozen=True)
class Lookup:
    """The result of resolving one phrase."""

    text: str
    code: str | None
    country: str | None
    sector: str | None
    entries: list[Entry]

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "code": self.code,
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
                  actor.sector if actor else None, used)
