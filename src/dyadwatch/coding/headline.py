"""Headlines: a story's title, made parseable and coded like a sentence of its own.

Titles are often written in Title Case or in capitals ("Russia Expels 35 US Diplomats",
"RUSSIA EXPELS 35 U.S. DIPLOMATS"), which spaCy's small model parses as one long proper
name. :func:`sentence_case` writes such a title as a sentence: names the actor dictionary
knows keep the case of their dictionary entry ("RUSSIA" -> "Russia"), common English
words are lower-cased (stop words, and the verbs, adjectives, adverbs and nouns of
spaCy's lemmatizer tables, except nouns that name a place of the gazetteer, "Aleppo",
and month and day names), acronyms ("U.S.", "UN") and unknown words (most likely
names) keep their case, and the first word is capitalised.
The result has the same characters' positions as the title.

:func:`headline_events` keeps the events coded from a title (read as written, which
the coder reads in word order when the parse fails, and re-cased) that the story's text does
not already give (the lead sentence usually says the same): same countries and root, or
same actors and root, is the same event. Headline events have ``sentence_index`` -1 and
the title as their sentence.
"""

from __future__ import annotations

import calendar
import hashlib
from collections.abc import Callable
from dataclasses import replace

from spacy.language import Language

from dyadwatch.actors.dictionary import ActorDictionary
from dyadwatch.coding.events import Event

HEADLINE_INDEX = -1
# The share of words written in capitals (or of capitalised content words) from which a
# title is taken as written in capitals (or in Title Case).
_CASED_SHARE = 0.7


def _common_words(nlp: Language) -> dict[str, frozenset[str]]:
    """Lemmas of spaCy's English lemmatizer tables (WordNet's nouns, verbs, adjectives and
    adverbs), lower case, with their parts of speech."""
    cached = getattr(nlp, "_dyadwatch_common_words", None)
    if cached is not None:
        return cached
    words: dict[str, set[str]] = {}
    try:
        lookups = nlp.get_pipe("lemmatizer").lookups  # type: ignore[attr-defined]
    except KeyError:
        lookups = None
    for table_name in ("lemma_index", "lemma_exc"):
        if lookups is None or not lookups.has_table(table_name):
            continue
        table = lookups.get_table(table_name)
        for pos in ("noun", "verb", "adj", "adv"):
            entries = table.get(pos) or ()
            if isinstance(entries, dict):  # lemma_exc: form -> lemmas
                entries = list(entries)
            for w in entries:
                words.setdefault(w.lower(), set()).add(pos)
    frozen = {w: frozenset(p) for w, p in words.items()}
    nlp._dyadwatch_common_words = frozen  # type: ignore[attr-defined]
    return frozen


def word_forms(word: str) -> list[str]:
    """Lemma guesses for a word, lower case ("Condemns" -> condemn, "Killed" -> kill)."""
    w = word.lower()
    forms = [w]
    if w.endswith("ies"):
        forms.append(w[:-3] + "y")
    if w.endswith("es"):
        forms.append(w[:-2])
    if w.endswith("s"):
        forms.append(w[:-1])
    if w.endswith("ed"):
        forms += [w[:-2], w[:-1]]
    if w.endswith("ing"):
        forms += [w[:-3], w[:-3] + "e"]
    return [f for f in forms if f]


_CALENDAR = {n.lower() for n in (*calendar.month_name, *calendar.month_abbr,
                                 *calendar.day_name, *calendar.day_abbr) if n}


def _is_common(word: str, common: dict[str, frozenset[str]], place: Callable[[str], bool],
               stop_words: set[str]) -> bool:
    """Whether a capitalised headline word is a common English word (to lower-case): a
    stop word, a verb, adjective or adverb, or a noun that is not a known place; month
    and day names never are."""
    w = word.lower()
    if w in _CALENDAR:
        return False
    if w in stop_words:
        return True
    kinds: set[str] = set()
    for f in word_forms(word):
        kinds |= common.get(f, frozenset())
    if kinds & {"verb", "adj", "adv"}:
        return True
    return "noun" in kinds and not place(w)


def headline_case(title: str) -> str | None:
    """``"caps"``, ``"title"`` or None (written as a sentence)."""
    words = [w for w in title.split() if any(c.isalpha() for c in w)]
    if len(words) < 2:
        return None
    letters = [c for c in title if c.isalpha()]
    if sum(c.isupper() for c in letters) >= _CASED_SHARE * len(letters):
        return "caps"
    content = [w for w in words if len(w.strip("\"'‘’“”()")) > 3]
    if len(content) >= 2 and sum(w.strip("\"'‘’“”(")[:1].isupper() for w in content) \
            >= _CASED_SHARE * len(content):
        return "title"
    return None


def sentence_case(title: str, nlp: Language, dictionary: ActorDictionary,
                  place: Callable[[str], bool] = lambda name: False) -> str:
    """The title written as a sentence (see the module docstring); unchanged when it
    already is one."""
    case = headline_case(title)
    if case is None:
        return title
    tokens = nlp.tokenizer(title)
    texts = [t.text for t in tokens]
    out = list(texts)
    kept: set[int] = set()
    for m in dictionary.find(texts, texts):
        names = [e.phrase for e in m.entries if e.phrase[:1].isupper()]
        if not names:
            continue  # a sector noun ("diplomats") is a common word
        phrase_words = [w for w in names[0].split() if w.lower() != "the"]
        for k, i in enumerate(range(m.start, m.end)):
            if k < len(phrase_words) and phrase_words[k].lower() == texts[i].lower():
                out[i] = phrase_words[k]
            elif case == "caps" and texts[i].isalpha():
                out[i] = texts[i].capitalize()
            kept.add(i)
    common = _common_words(nlp)
    first = True
    for i, tok in enumerate(tokens):
        word = tok.text
        if not any(c.isalpha() for c in word):
            continue
        if i not in kept:
            acronym = "." in word or (case == "title" and word.isupper() and len(word) <= 4)
            if not acronym and (case == "caps"
                                or _is_common(word, common, place, nlp.Defaults.stop_words)):
                out[i] = word.lower()
        if first:
            out[i] = out[i][:1].upper() + out[i][1:]
            first = False
    return "".join(o + t.whitespace_ for o, t in zip(out, tokens, strict=True))


def headline_event_id(event_id: str) -> str:
    """A stable id for an event coded from the title (apart from the text's ids)."""
    return hashlib.sha1(f"headline|{event_id}".encode()).hexdigest()[:20]


def headline_events(title: str, coded: list[Event], body: list[Event]) -> list[Event]:
    """The title's events (from one or more readings of it) that the body does not give,
    each once, as headline events."""
    seen_countries = {(e.source_country, e.target_country, e.root) for e in body
                      if e.source_country and e.target_country}
    seen_actors = {(e.source, e.target, e.root) for e in body}
    out = []
    for e in coded:
        countries = (e.source_country, e.target_country, e.root)
        if (e.source, e.target, e.root) in seen_actors or (
                e.source_country and e.target_country and countries in seen_countries):
            continue
        # The title may be read two ways: each event once.
        seen_actors.add((e.source, e.target, e.root))
        if e.source_country and e.target_country:
            seen_countries.add(countries)
        out.append(replace(e, sentence_index=HEADLINE_INDEX, sentence=title,
                           event_id=headline_event_id(e.event_id)))
    return out

