"""Given character spans of a story -> places, in the story's context.

:func:`dyadwatch.places.locate_text` finds the places a story names *as places* (objects
of "in", "near", datelines) because those are where its events happened. A caller that
already knows where a place name is (an annotator's span, an entity linker's) wants that
name resolved wherever it stands: "Syria" as a subject, "the province of Latakia",
"Idlib's countryside". :func:`resolve_place_spans` resolves such spans with the locator's
machinery and story context (the countries the story names, "Homs, Syria" qualifiers,
transliteration-blind lookup, population), and one more rule for a name no gazetteer
holds.

A span that is also one of the locator's own mentions gets the locator's answer
(``location_rule`` ``prep:...``, ``object:...``, ``dateline:...``); another span gets
``span:<how>`` with the locator's rules (``span:country``, ``span:unique``, ...). A name
the gazetteer cannot place that the parse shows to be a place -- an entity the model
labels GPE, LOC or FAC, the object of "in", "near" or "from", a name after "the village
of" or before "neighbourhood", or one of a list of such -- takes, by the first rule that
applies:

* ``linked-country`` -- the one country of the placed names inside the phrase it heads
  ("the village of X in Idlib province", "X and Aleppo");
* ``story-country`` -- the country the story is clearly about: the country of at least
  one of its placed names, with half of the story's votes (a placed name counts 2, a
  country word such as "Syrian" 1) and twice those of any other country;
* ``sentence-country`` / ``nearby-country`` -- the one country of the other places its
  sentence names, else the sentences around it (two either side: a story's paragraph on
  Iraq places its unknown towns in Iraq); a country's name counts here only where the
  locator found it used as a place ("in Syria"), not as an actor ("Turkey-backed");
* ``same-name`` -- the country one of the rules above gave the same name elsewhere in
  the story;

with no coordinates (a Damascus neighbourhood the 15,000-people city list lacks is in
Syria, but its point is unknown). Placed names are those the gazetteer places: the
locator's mentions, the other given spans, and the entities labelled GPE, LOC or FAC
that it places in a city, region or area.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date as Date

from spacy.tokens import Doc, Token

from dyadwatch.actors.dictionary import ADJECTIVE, CAPITAL
from dyadwatch.places.gazetteer import AREA, fold, load_gazetteer
from dyadwatch.places.gazetteer import COUNTRY as COUNTRY_KIND
from dyadwatch.places.locate import (
    _GENERIC,
    _NOT_PLACES,
    _SUCCESSORS,
    DIRECTIONAL,
    LOCATIVE,
    NO_LOCATION,
    Location,
    Mention,
    StoryPlaces,
    _country_of,
    _qualifier,
    admin1_of,
    locate_doc,
)

_PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
# Words before a name that make it a place: "near X", "the village of X", "south of X".
_PLACE_PREPS = LOCATIVE | DIRECTIONAL
_PLACE_NOUNS = _GENERIC | frozenset({
    "base", "camp", "hilltop", "hill", "mountain", "valley", "airport", "quarter",
    "countryside", "outskirt", "neighbourhood", "neighborhood", "governorate", "settlement"})
_BEARINGS = frozenset({"north", "south", "east", "west", "northeast", "northwest", "southeast",
                       "southwest", "mile", "miles", "km", "kilometre", "kilometres",
                       "kilometer", "kilometers", "outskirts", "edge", "heart", "centre",
                       "center"})
# Words inside a list of names: "A, B and al-C".
_IN_LISTS = frozenset({"and", "or", ",", "-", "al", "el", "ad", "as", "ar", "an", "at", "ash",
                       "az", "bin", "ibn", "abu", "de", "del", "la"})
# A story is about one country when that country has at least one of the story's resolved
# places, and its votes (a resolved place 2, a country word 1) are at least this share of
# all votes and this many times the next country's.
STORY_SHARE = 0.5
_UNKNOWN_RULES = frozenset({"linked-country", "sentence-country", "nearby-country",
                            "same-name", "story-country"})
# How many sentences either side may place an unknown name ("nearby-country").
NEARBY = 2
STORY_LEAD = 2.0
PLACE_VOTE = 2


def _trim(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Without a leading "the" or punctuation, nor a trailing possessive or punctuation."""
    while start < end and (doc[start].lower_ == "the" or doc[start].is_punct):
        start += 1
    while end > start and (doc[end - 1].is_punct or doc[end - 1].tag_ == "POS"
                           or doc[end - 1].lower_ in ("'s", "\u2019s")):
        end -= 1
    return start, end


def _root(doc: Doc, start: int, end: int) -> Token:
    """The span's token whose head lies outside it."""
    for tok in doc[start:end]:
        if not start <= tok.head.i < end or tok.head.i == tok.i:
            return tok
    return doc[end - 1]


def _place_noun(tok: Token) -> bool:
    return tok.lower_ in _PLACE_NOUNS or tok.lemma_.lower() in _PLACE_NOUNS


def _parse_says_place(tok: Token) -> bool:
    """Whether the parse places the name whose head token is ``tok``."""
    # Up a name of several words and up a list: "Tal Minnis", "the towns of A, B and C".
    while tok.head.i != tok.i and (
            tok.dep_ == "conj" or tok.dep_ in ("compound", "flat") and tok.head.pos_ == "PROPN"):
        tok = tok.head
    head = tok.head
    if tok.dep_ == "pobj" and head.lower_ in _PLACE_PREPS:
        return True
    if tok.dep_ == "pobj" and head.lower_ == "of" and (
            _place_noun(head.head) or head.head.lower_ in _BEARINGS):
        return True
    if tok.dep_ in ("compound", "nmod", "appos", "poss") and _place_noun(head):
        return True  # "Jobar neighbourhood", "two villages, A and B", "Idlib's countryside"
    if tok.dep_ == "appos" and head.dep_ == "pobj" and head.head.lower_ in _PLACE_PREPS:
        return True
    return any(c.dep_ == "appos" and _place_noun(c) for c in tok.children)  # "X, a village"


def _words_say_place(doc: Doc, start: int) -> bool:
    """Whether the words before a name (or the list of names it ends) place it: a parse
    goes wrong on text without commas, "the towns of A B and C"."""
    sent_start = doc[start].sent.start
    i = start
    while i > sent_start and (doc[i - 1].pos_ == "PROPN" and doc[i - 1].text[:1].isupper()
                              or doc[i - 1].lower_ in _IN_LISTS):
        i -= 1
    before = [t.lower_ for t in doc[max(i - 2, sent_start):i]]
    if before and before[-1] == "the":  # "near the Rheindahlen base"
        before = [t.lower_ for t in doc[max(i - 3, sent_start):i - 1]]
    if before and before[-1] in _PLACE_PREPS:
        return True
    if len(before) == 2 and before[1] == "of":
        word = doc[i - 2]
        return _place_noun(word) or word.lower_ in _BEARINGS
    return False


def _looks_like_place(doc: Doc, start: int, end: int) -> bool:
    """Whether the parse shows the name as a place (see the module docstring)."""
    tokens = doc[start:end]
    if any(t.ent_type_ in _PLACE_LABELS for t in tokens):
        return True
    if not any(t.text[:1].isupper() for t in tokens) or any(
            t.ent_type_ in _NOT_PLACES and t.ent_type_ != "NORP" for t in tokens):
        return False  # a proper name, not a date or a number ("on Monday")
    return _parse_says_place(_root(doc, start, end)) or _words_say_place(doc, start)


class SpanPlaces:
    """Resolves given spans of one parsed story (see :func:`resolve_place_spans`)."""

    def __init__(self, places: StoryPlaces) -> None:
        self.places = places
        self.doc = places.doc
        self.sent_index = {s.start: i for i, s in enumerate(self.doc.sents)}
        located = places.all_mentions()
        self.by_chars = {(m.start_char, m.end_char): (m, loc) for m, loc in located}
        self.located = located
        self._entities: list[tuple[Mention, Location]] | None = None

    def mention(self, start_char: int, end_char: int) -> tuple[Mention, bool] | None:
        """The mention a span names: the locator's own when it placed it, else one built
        from the span; and whether the locator took the name for a place."""
        doc = self.doc
        span = doc.char_span(start_char, end_char, alignment_mode="expand")
        if span is None or len(span) == 0:
            return None
        start, end = _trim(doc, span.start, span.end)
        if start == end:
            return None
        first, last = doc[start], doc[end - 1]
        chars = (first.idx, last.idx + len(last.text))
        own = self.by_chars.get(chars) or self.by_chars.get((start_char, end_char))
        if own is not None and own[1] is not None:
            return own[0], True
        sent = first.sent
        index = self.sent_index[sent.start]
        matches = self.places.matches.get(index, {})
        text = doc[start:end].text
        country = _country_of(matches, start, end) or _country_of(
            matches, start, end, (ADJECTIVE,))  # "in Kuwaiti waters": the label is Kuwaiti
        seat = _country_of(matches, start, end, (CAPITAL,)) if country is None else None
        return Mention(text, fold(text), index, start, end, chars[0], chars[1], "span",
                       start, 0, qualifier=_qualifier(doc, end, sent.end), country=country,
                       seat=seat, label=first.ent_type_), own is not None

    def resolve(self, spans: Sequence[tuple[int, int]]) -> list[dict[str, object] | None]:
        """Each span's place (see :func:`resolve_place_spans`). The names the gazetteer
        places -- the locator's and the spans' own -- are the context of those it cannot."""
        found = [self.mention(s, e) for s, e in spans]
        locs = [self.places.resolve(f[0]) if f is not None else None for f in found]
        placed = {(m.start_char, m.end_char): (m, loc) for m, loc in self.located
                  if loc is not None and loc.country}
        for f, loc in zip(found, locs, strict=True):
            if f is not None and loc is not None and loc.country:
                placed[(f[0].start_char, f[0].end_char)] = (f[0], loc)
        for m, loc in self.entity_places():
            placed.setdefault((m.start_char, m.end_char), (m, loc))
        context = list(placed.values())
        # Names the gazetteer cannot place (see the module docstring for the order).
        unknown = [i for i, (f, loc) in enumerate(zip(found, locs, strict=True))
                   if f is not None and loc is None
                   and (f[1] or _looks_like_place(self.doc, f[0].start, f[0].end))]
        if not unknown:
            return [self._row(f[0], loc) if f is not None else None
                    for f, loc in zip(found, locs, strict=True)]
        story = self.story_country(context)
        named: dict[str, str] = {}
        for i in unknown:
            m = found[i][0]  # type: ignore[index]
            locs[i] = self._linked(m, context)
            if locs[i] is None and story is not None:
                locs[i] = Location(m.text, story, None, None, None, AREA, "story-country")
            if locs[i] is None:
                locs[i] = self._near(m, context)
            if locs[i] is not None:
                named.setdefault(m.key, locs[i].country)  # type: ignore[union-attr]
        for i in unknown:
            m = found[i][0]  # type: ignore[index]
            if locs[i] is None and m.key in named:
                locs[i] = Location(m.text, named[m.key], None, None, None, AREA, "same-name")
        return [self._row(f[0], loc) if f is not None else None
                for f, loc in zip(found, locs, strict=True)]

    def _linked(self, m: Mention, context: list[tuple[Mention, Location]]) -> Location | None:
        """An unknown place tied by the parse to placed names of one country: "the village
        of X in Idlib province", "X and Aleppo" (placed names inside the phrase it heads)."""
        if m.start < 0:
            return None
        top = _root(self.doc, m.start, m.end)
        while top.head.i != top.i:  # up "the village of X", "X neighbourhood"
            if top.dep_ == "pobj" and top.head.lower_ == "of" and _place_noun(top.head.head):
                top = top.head.head
            elif top.dep_ == "conj" or (  # "Aleppo and X", "X neighbourhood"
                    top.dep_ in ("compound", "nmod", "appos") and _place_noun(top.head)):
                top = top.head
            else:
                break
        phrase = {t.i for t in top.subtree}
        tied = {loc.country for other, loc in context
                if other.start >= 0 and other.start_char != m.start_char
                and other.start in phrase and not m.start <= other.start < m.end}
        if len(tied) == 1:
            return Location(m.text, tied.pop(), None, None, None, AREA, "linked-country")
        return None

    def entity_places(self) -> list[tuple[Mention, Location]]:
        """The story's other place names: entities the model labels GPE, LOC or FAC that
        the gazetteer places in a city, region or area -- not a country nor a seat of
        government, which name actors as often as places ("Moscow said")."""
        if self._entities is None:
            self._entities = []
            for ent in self.doc.ents:
                if ent.label_ not in _PLACE_LABELS:
                    continue
                found = self.mention(ent.start_char, ent.end_char)
                if found is None or found[0].country or found[0].seat:
                    continue
                loc = self.places.resolve(found[0])
                if loc is not None and loc.country and loc.kind != COUNTRY_KIND:
                    self._entities.append((found[0], loc))
        return self._entities

    def _row(self, m: Mention, loc: Location | None) -> dict[str, object]:
        row: dict[str, object] = {"text": m.text, "sentence_index": m.sentence,
                                  "start_char": m.start_char, "end_char": m.end_char,
                                  "role": m.role}
        row.update(loc.fields(m.role) if loc is not None else NO_LOCATION)
        if loc is not None and loc.geonames_id is None and loc.how in _UNKNOWN_RULES:
            row["location_rule"] = loc.how  # no role: the name itself was not placed
        row["admin1"] = (admin1_of(self.places.resolver.gaz, loc.kind, loc)
                         if loc is not None else None)
        return row

    @staticmethod
    def _near(m: Mention, context: list[tuple[Mention, Location]]) -> Location | None:
        """An unknown place in the one country of the other places its sentence names, else
        of those the sentences around it name (NEARBY sentences either side). A country's
        name counts only where the locator found it used as a place ("in Syria"), not as an
        actor ("Turkey-backed rebels")."""
        for reach in range(NEARBY + 1):
            near = {loc.country for other, loc in context
                    if abs(other.sentence - m.sentence) <= reach and other.role != "dateline"
                    and other.start_char != m.start_char
                    and not (loc.kind == COUNTRY_KIND and other.role == "span")}
            if len(near) > 1:
                return None
            if near:
                how = "sentence-country" if reach == 0 else "nearby-country"
                return Location(m.text, near.pop(), None, None, None, AREA, how)
        return None

    def story_country(self, context: list[tuple[Mention, Location]]) -> str | None:
        """The country the story is clearly about (see STORY_SHARE), if any: its placed
        names ``context`` and its country words."""
        places: Counter[str] = Counter(loc.country for _, loc in context if loc.country)
        votes: Counter[str] = Counter()
        for iso3, n in self.places.countries.items():
            votes[_SUCCESSORS.get(iso3, iso3)] += n
        for iso3, n in places.items():
            votes[iso3] += PLACE_VOTE * n
        if not votes:
            return None
        (top, n), *rest = votes.most_common(2)
        second = rest[0][1] if rest else 0
        if places[top] > 0 and n >= STORY_SHARE * sum(votes.values()) and n >= STORY_LEAD * second:
            return top
        return None


def resolve_place_spans(text: str, date: str | Date | None,
                        spans: Sequence[tuple[int, int]]) -> list[dict[str, object] | None]:
    """Each ``(start, end)`` character span of ``text`` resolved as a place name, in the
    context of the whole story: a dict with ``text``, ``sentence_index``, ``start_char``,
    ``end_char``, ``role``, ``admin1`` and the event record's location fields (null when
    nothing places it), or None for a span that covers no word."""
    from dyadwatch.actors.dictionary import load_dictionary
    from dyadwatch.nlp.load import load_nlp

    day = date if isinstance(date, Date) or date is None else Date.fromisoformat(date)
    places = locate_doc(load_nlp()(text), load_dictionary(), load_gazetteer(), day)
    return SpanPlaces(places).resolve(spans)

