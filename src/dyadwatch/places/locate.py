"""Where an event happened: place mentions in a parsed story -> GeoNames places -> one
location per event.

This package sits between ``actors`` and ``coding`` in the data flow: it reads the spaCy
parse and the actor dictionary's matches (country names, demonyms, seats of government)
and the coder asks it for each event's location. Only places used *as places* are
mentions: the object of a locative preposition ("in Aleppo", "near Kharkiv", "from
Moscow"), the direct object of the event's verb when it is a city ("shelled Kharkiv"),
and the story's dateline ("MOSCOW (Reuters) -"). "Moscow said" is an actor (RUSGOV), not
a place, because a subject is never a mention.

A name is resolved by the first rule that applies; the rule is reported:

* ``qualifier`` -- "Paris, Texas", "Homs, Syria": a city in that state or country;
* ``country`` -- a country name alone ("in Syria", "on Russian soil"): the country,
  located at its capital;
* ``capital`` -- a seat of government ("at the Kremlin", "in the Syrian capital");
* ``area`` -- a region or sea of ``data/areas.tsv`` (Crimea, the Black Sea);
* ``unique`` -- the only city of that name;
* ``actors`` / ``story`` -- the city in a country of the event's actors, or of the
  story, when that outweighs a bigger namesake elsewhere ("Tripoli" in a story about
  Lebanon);
* ``population`` -- else the biggest city of that name: its population, and how many
  alternate names GeoNames knows it by (the languages that name it), so that Geneva,
  Illinois does not win in a story about the United States;
* ``region`` -- a state or province alone ("in Texas"; spelt alike: "Anbar" for Al Anbār).

:mod:`dyadwatch.places.spans` resolves names anywhere in a story (given as character
spans) with these rules, and places a name no gazetteer holds by its neighbours.

An event takes the place of its own clause first (a mention inside the predicate's
subtree: ``clause``), else one elsewhere in its sentence (``sentence``), else the story's
dateline (``dateline``), else the story's most mentioned place (``story``); the
event's ``location_rule`` is ``<where>:<how>`` ("clause:qualifier", "dateline:population").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date as Date

from spacy.tokens import Doc, Span, Token

from dyadwatch.actors.dictionary import (
    ADJECTIVE,
    CAPITAL,
    COUNTRY,
    LEGISLATURE,
    MILITARY,
    ActorDictionary,
    Match,
)
from dyadwatch.nlp.ents import sentence_ents
from dyadwatch.places.gazetteer import ADMIN1, AREA, CITY, Gazetteer, Place, fold, load_gazetteer

# Prepositions that place what follows them; the second tier (motion, contact) counts
# when nothing of the first does.
LOCATIVE = frozenset({"in", "at", "near", "outside", "inside", "around", "across",
                      "throughout", "within", "off", "along", "nearby", "beyond"})
# These also take actors ("sanctions on Russia", "a note to Washington"): only places
# that are no country and no seat of government count after them.
DIRECTIONAL = frozenset({"from", "to", "into", "toward", "towards", "on", "onto", "over",
                         "through", "via"})
# Nouns that stand for a place named by a modifier or an "of" phrase ("the city of
# Aleppo", "Idlib province", "the Syrian capital", "on Russian soil").
_GENERIC = frozenset({"city", "town", "village", "province", "region", "district", "capital",
                      "area", "state", "county", "governorate", "port", "outskirts", "suburb",
                      "suburbs", "oblast", "enclave", "territory", "island", "coast", "soil",
                      "border", "neighbourhood", "neighborhood", "municipality", "prefecture",
                      "waters", "airspace", "heartland", "countryside", "mainland",
                      "stronghold", "hometown"})
_COUNTRY_NOUNS = frozenset({"soil", "territory", "waters", "airspace", "mainland",
                            "countryside", "heartland", "border"})
_NOT_PLACES = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL",
                         "NORP", "LANGUAGE", "EVENT", "WORK_OF_ART", "LAW", "PRODUCT"})
# Historical states of the actor dictionary -> the ISO country that holds their capital.
_SUCCESSORS = {"USR": "RUS", "YUG": "SRB", "SCG": "SRB", "CSK": "CZE", "DDR": "DEU"}
_TRAILING = frozenset({"province", "region", "county", "city", "state", "district",
                       "governorate", "oblast", "prefecture", "municipality"})
_MONTHS_3 = frozenset({"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                       "nov", "dec"})
_COUNTRY_KINDS = (COUNTRY, ADJECTIVE, CAPITAL, MILITARY, LEGISLATURE)
_STORY_KINDS = (COUNTRY, ADJECTIVE, MILITARY, LEGISLATURE)
_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
# "MOSCOW (Reuters) -", "BEIRUT, Lebanon, July 28 (AP) —", "WASHINGTON —"
_DATELINE = re.compile(
    r"\s*(?:date\s+\d{4}-\d{2}-\d{2}\s+)?"
    r"(?P<place>[A-Z][A-Za-z\u00c0-\u024f'.\- ]{1,40}?)"
    r"(?:\s*,\s*(?P<qual>[A-Z][A-Za-z\u00c0-\u024f.\- ]{1,30}?))?"
    rf"(?:\s*,?\s*{_MONTHS}\s*\d{{1,2}}(?:,\s*\d{{4}})?)?"
    r"\s*(?P<agency>\([A-Za-z .&'-]{2,40}\))?\s*(?:-{1,2}|\u2014|\u2013)\s")
# A city's size is log10(population) + 2 log10(alternate names): Geneva, Switzerland 8.9,
# Geneva, Illinois 6.5. A namesake in a country of the event's actors (or the story's)
# gets a bonus: Tripoli, Lebanon 8.8 + 1.5 beats Tripoli, Libya 9.8 in a Lebanese story,
# but Moscow, Idaho (7.1) never beats Moscow (11.0) on context alone.
_ACTOR_BONUS = 2.0
_STORY_BONUS = 1.5
_ALTERNATE_PENALTY = 2.0  # matched by an alternate name, not GeoNames' own


@dataclass(frozen=True)
class Location:
    """A resolved place and the rule that chose it."""

    name: str
    country: str | None
    geonames_id: int | None
    latitude: float | None
    longitude: float | None
    kind: str  # city, country, admin1 or area
    how: str
    admin1: str | None = None

    def fields(self, where: str) -> dict[str, object]:
        """The event record's location fields."""
        return {"location": self.name, "geonames_id": self.geonames_id,
                "latitude": self.latitude, "longitude": self.longitude,
                "location_country": self.country, "location_rule": f"{where}:{self.how}"}


NO_LOCATION: dict[str, object] = {"location": None, "geonames_id": None, "latitude": None,
                                  "longitude": None, "location_country": None,
                                  "location_rule": None}


@dataclass(frozen=True)
class Mention:
    """A place named as a place in a story."""

    text: str
    key: str  # folded name
    sentence: int
    start: int  # doc token indices; -1 for a dateline outside the parse
    end: int
    start_char: int
    end_char: int
    role: str  # "prep", "object" or "dateline"
    anchor: int = -1  # the token the preposition or verb governs
    tier: int = 0  # 0: locative preposition; 1: directional; 2: object
    qualifier: str | None = None  # folded "Texas" of "Paris, Texas"
    country: str | None = None  # the actor dictionary's country, when the name is one
    seat: str | None = None  # a seat of government's country ("Kremlin", "Syrian capital")
    label: str = ""  # spaCy's entity label of the name


def _entity_span(tok: Token) -> Span | None:
    if not tok.ent_type_:
        return None
    for ent in sentence_ents(tok.sent):
        if ent.start <= tok.i < ent.end:
            return ent
    return None


def _name_span(tok: Token) -> tuple[int, int] | None:
    """The proper-name tokens around ``tok``: its entity, else its run of proper nouns."""
    if tok.ent_type_ in _NOT_PLACES and not (tok.ent_type_ == "NORP" and tok.pos_ == "PROPN"):
        return None  # a proper noun tagged NORP after "in" is a place the model missed
    ent = _entity_span(tok)
    if ent is not None:
        start, end = ent.start, ent.end
        doc = tok.doc
        while start < end and (doc[start].lower_ == "the" or doc[start].is_punct):
            start += 1
        while end > start and (doc[end - 1].is_punct or doc[end - 1].tag_ == "POS"):
            end -= 1
        return (start, end) if end > start else None
    if tok.pos_ != "PROPN":
        return None
    start = end = tok.i
    doc = tok.doc
    while start > tok.sent.start and doc[start - 1].pos_ == "PROPN" and doc[start - 1].head.i in (
            tok.i, doc[start].i) and doc[start - 1].dep_ in ("compound", "flat", "nmod"):
        start -= 1
    while end + 1 < tok.sent.end and doc[end + 1].pos_ == "PROPN" and doc[end + 1].dep_ in (
            "flat", "appos") and doc[end + 1].head.i == tok.i:
        end += 1
    return start, end + 1


def _qualifier(doc: Doc, end: int, limit: int) -> str | None:
    """The name after a comma that qualifies a place: "Paris, Texas", "Homs, Syria"."""
    if end + 1 >= limit or doc[end].text != ",":
        return None
    first = doc[end + 1]
    if not first.text[:1].isupper():
        return None
    stop = end + 1
    while stop < limit and doc[stop].text not in (",", ";", "(", ")") and (
            doc[stop].text[:1].isupper() or doc[stop].text == "."):
        stop += 1
    if stop - (end + 1) > 4:
        return None
    return fold(doc[end + 1:stop].text)


def _country_of(matches: dict[int, Match], start: int, end: int,
                kinds: tuple[str, ...] = (COUNTRY,)) -> str | None:
    """The country of an actor-dictionary match that spans exactly these tokens."""
    m = matches.get(start)
    if m is None or m.start != start or m.end != end:
        return None
    for e in m.entries:
        if e.kind in kinds and e.country:
            return e.country
    return None


def _mention(tok: Token, sentence: int, matches: dict[int, Match], role: str, tier: int,
             anchor: int | None = None) -> Mention | None:
    doc = tok.doc
    if anchor is None:
        anchor = tok.i
    seat = None
    if tok.pos_ == "NOUN" and tok.lower_ in _GENERIC:
        # "the city of Aleppo", "the Syrian capital, Damascus", "Idlib province"
        for child in tok.children:
            if child.dep_ == "prep" and child.lower_ == "of":
                named = [g for g in child.children if g.dep_ == "pobj"]
                if named and named[0].pos_ == "PROPN":
                    return _mention(named[0], sentence, matches, role, tier, anchor)
            if child.dep_ == "appos" and child.pos_ == "PROPN":
                return _mention(child, sentence, matches, role, tier, anchor)
        for child in tok.children:
            if child.dep_ in ("compound", "nmod") and child.pos_ == "PROPN":
                return _mention(child, sentence, matches, role, tier, anchor)
            if child.dep_ in ("amod", "compound", "nmod", "poss"):
                country = _country_of(matches, child.i, child.i + 1, _COUNTRY_KINDS)
                if country is None and child.i in matches:
                    m = matches[child.i]
                    country = _country_of(matches, m.start, m.end, _COUNTRY_KINDS)
                if country is not None and tok.lower_ == "capital":
                    seat = country
                elif country is not None and tok.lower_ in _COUNTRY_NOUNS:
                    return Mention(doc[child.i:tok.i + 1].text, "", sentence, child.i,
                                   tok.i + 1, doc[child.i].idx, tok.idx + len(tok.text),
                                   role, anchor, tier, country=country)
        if seat is None:
            return None
        return Mention(tok.text, "", sentence, tok.i, tok.i + 1, tok.idx,
                       tok.idx + len(tok.text), role, anchor, tier, seat=seat)
    span = _name_span(tok)
    if span is None:
        return None
    start, end = span
    first = doc[start]
    if not first.text[:1].isupper():
        return None
    text = doc[start:end].text
    country = _country_of(matches, start, end)
    if country is None:
        seat = _country_of(matches, start, end, (CAPITAL,))
    return Mention(text, fold(text), sentence, start, end, first.idx,
                   doc[end - 1].idx + len(doc[end - 1].text), role, anchor, tier,
                   qualifier=_qualifier(doc, end, tok.sent.end), country=country, seat=seat,
                   label=first.ent_type_)


def sentence_mentions(sent: Span, index: int, matches: dict[int, Match]) -> list[Mention]:
    """Places named as places in one sentence: objects of prepositions such as "in",
    "near" or "from", and direct objects (kept only for the verb that governs them)."""
    out: list[Mention] = []
    seen: set[int] = set()
    for tok in sent:
        dep = tok.dep_
        if dep == "pobj":
            prep = tok.head.lower_
            if prep in LOCATIVE:
                tier = 0
            elif prep in DIRECTIONAL:
                tier = 1
            else:
                continue
            role = "prep"
        elif dep == "dobj" and (tok.pos_ == "PROPN" or tok.lower_ in _GENERIC):
            role, tier = "object", 2
        else:
            continue
        for t in (tok, *tok.conjuncts):
            if t.i in seen:
                continue
            m = _mention(t, index, matches, role, tier)
            if m is None or tier > 0 and (m.seat or m.country and m.key):
                continue
            if m.start not in seen:
                seen.update(range(m.start, m.end))
                seen.add(t.i)
                out.append(m)
    return out


def dateline(text: str) -> Mention | None:
    """The dateline at the start of a story: "MOSCOW (Reuters) -", "PARIS, Texas (AP) —"."""
    m = _DATELINE.match(text[:160])
    if m is None:
        return None
    place = m.group("place").strip()
    if not (place.isupper() or m.group("agency")):
        return None
    qual = m.group("qual")
    return Mention(place, fold(place), 0, -1, -1, m.start("place"), m.start("place") + len(place),
                   "dateline", qualifier=fold(qual) if qual else None)


@dataclass
class Context:
    """Countries that make a city likelier: the event's actors', and the story's (counted)."""

    actors: frozenset[str] = frozenset()
    story: Counter[str] = field(default_factory=Counter)


class Resolver:
    """Resolves mentions against the gazetteer (see the module docstring for the rules)."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gaz = gazetteer

    def country(self, iso3: str, how: str = "country", name: str | None = None) -> Location | None:
        place = self.gaz.countries.get(iso3)
        if place is None:
            return None
        return _location(place, how, name)

    def resolve(self, m: Mention, ctx: Context) -> Location | None:
        loc = self._resolve(m, ctx)
        if loc is None and " " in m.key:
            # "New York Sept", "Idlib Province": without the trailing month or place noun.
            words = m.key.split()
            while len(words) > 1 and (words[-1] in _TRAILING or words[-1][:3] in _MONTHS_3):
                words.pop()
            if len(words) < len(m.key.split()):
                loc = self._resolve(replace(m, key=" ".join(words)), ctx)
        return loc

    def _resolve(self, m: Mention, ctx: Context) -> Location | None:
        gaz = self.gaz
        if m.qualifier and m.country is None:  # "in Australia, Canada ..." is a list
            loc = self._qualified(m, ctx)
            if loc is not None:
                return loc
        area = gaz.areas.get(m.key) if m.key else None
        if area is not None:
            return _location(area, "area")
        if m.country is not None:
            region = self._admin1_in_context(m.key, ctx, exclude=m.country)
            if region is not None:
                return region
            if m.country in _SUCCESSORS:  # "the Soviet Union" in 1987: Russia's location
                return self.country(_SUCCESSORS[m.country], name=m.text)
            return self.country(m.country)
        cities = (gaz.city_candidates(m.key) or gaz.loose_candidates(m.key)) if m.key else []
        if m.role != "dateline" and m.text.isupper() and len(m.key) <= 4:
            cities = []  # "UN", "SANA": acronyms, not Un (India) or Sanaa
        if m.label in ("ORG", "PERSON"):
            # A name the model took for an organisation or a person must be a city's own
            # name, or one in a country of the story ("in Hama" in a story about Syria).
            cities = [c for c in cities if c[1] or _bonus(c[0].country, ctx) > 0]
        if m.label not in ("GPE", "LOC", "FAC") and m.role not in ("dateline", "span"):
            # Nor a place name the model did not see: "the Union" is no town of Union, NJ.
            cities = [c for c in cities if c[0].names >= 10]
        if ctx.actors or ctx.story:
            # A story about Syria that names Madaya means the Syrian town, which the
            # gazetteer lacks, not Madaya in Myanmar: a city outside the story's countries
            # must be big and known abroad.
            cities = [c for c in cities if _plausible(c, ctx)]
        if cities:
            return self._city(cities, ctx)
        if m.seat is not None:
            # "at the Kremlin", "in the Syrian capital": the capital city.
            capital = gaz.capitals.get(m.seat)
            return _location(capital, "capital") if capital is not None else None
        named = [p for p in gaz.countries.values() if fold(p.name) == m.key]
        if named:
            return _location(named[0], "country")
        regions = gaz.admin1_candidates(m.key) or gaz.admin1_loose_candidates(m.key)
        if regions:
            best = max(regions, key=lambda p: _bonus(p.country, ctx))
            return _location(best, "region", admin1=best.name)
        return None

    def _admin1_in_context(self, key: str, ctx: Context, exclude: str) -> Location | None:
        """"Georgia" in a story about the United States alone is the state."""
        for p in self.gaz.admin1_candidates(key):
            if (p.country in ctx.actors or p.country in ctx.story) and not (
                    exclude in ctx.actors or exclude in ctx.story):
                return _location(p, "region", admin1=p.name)
        return None

    def _qualified(self, m: Mention, ctx: Context) -> Location | None:
        gaz = self.gaz
        q = m.qualifier or ""
        regions = gaz.admin1_candidates(q, qualifier=True)
        countries = [p.country for p in gaz.countries.values() if fold(p.name) == q]
        if not countries and not regions:
            return None
        cities = [p for p, _ in gaz.city_candidates(m.key)] or (
            [gaz.capitals[m.seat]] if m.seat and m.seat in gaz.capitals else [])
        for region in regions:
            inside = [p for p in cities if p.country == region.country
                      and (region.admin1 is None or p.admin1 == region.admin1)]
            if inside:
                best = max(inside, key=lambda p: p.population)
                return _location(best, "qualifier", admin1=region.name)
        inside = [p for p in cities if p.country in countries]
        if inside:
            return _location(max(inside, key=lambda p: p.population), "qualifier")
        # A town the gazetteer does not hold ("Crawford, Texas"): the state or country.
        if regions:
            best = max(regions, key=lambda p: _bonus(p.country, ctx))
            return _location(best, "qualifier", admin1=best.name)
        return self.country(countries[0], "qualifier")

    def _city(self, cities: list[tuple[Place, bool]], ctx: Context) -> Location:
        if len(cities) == 1:
            return _location(cities[0][0], "unique")

        def size(c: tuple[Place, bool]) -> float:
            place, primary = c
            return (math.log10(place.population + 1) + 2 * math.log10(place.names + 1)
                    - (0.0 if primary else _ALTERNATE_PENALTY))

        biggest = max(cities, key=size)
        best = max(cities, key=lambda c: size(c) + _bonus(c[0].country, ctx))
        if best is biggest:
            return _location(best[0], "population")
        how = "actors" if best[0].country in ctx.actors else "story"
        return _location(best[0], how)


def _plausible(city: tuple[Place, bool], ctx: Context) -> bool:
    """Whether a city outside the story's countries may be meant (see Resolver.resolve)."""
    place, primary = city
    if _bonus(place.country, ctx) > 0:
        return True
    if place.population < 100_000 or place.names < 20:
        return False
    return primary or place.names >= 80  # "Kiev" (Kyiv) yes, "Ariha" (Jericho) no


def _bonus(country: str | None, ctx: Context) -> float:
    if country is None:
        return 0.0
    if country in ctx.actors:
        return _ACTOR_BONUS
    return _STORY_BONUS if country in ctx.story else 0.0


def _location(place: Place, how: str, name: str | None = None,
              admin1: str | None = None) -> Location:
    return Location(name or place.name, place.country, place.geonames_id, place.latitude,
                    place.longitude, place.kind, how, admin1)


def _ancestors(tok: Token) -> set[int]:
    out = set()
    while tok.head.i != tok.i:
        tok = tok.head
        out.add(tok.i)
    return out


def _depth_below(tok: Token, ancestor: int) -> int | None:
    """Steps from ``tok`` up to the token ``ancestor``; None when it is not above."""
    steps = 0
    while tok.i != ancestor:
        if tok.head.i == tok.i:
            return None
        tok = tok.head
        steps += 1
    return steps


# Clauses of their own: a place inside one does not place an event outside it.
_CLAUSES = frozenset({"relcl", "acl", "advcl", "ccomp", "xcomp", "conj", "parataxis"})


def _in_other_clause(anchor: Token, pred: Token, inside: bool) -> bool:
    """A mention in a clause that does not hold the predicate: "Russia, which has troops in
    Syria, expelled ..." (a relative clause inside the predicate's subtree), or another
    clause of the sentence ("... and Ukraine shelled Belgorod")."""
    stop = {pred.i} if inside else _ancestors(pred) | {pred.i}
    tok = anchor
    while tok.head.i != tok.i and tok.i not in stop:
        if tok.pos_ in ("VERB", "AUX") and (
                tok.dep_ in ("relcl", "acl") if inside else tok.dep_ in _CLAUSES):
            return True
        tok = tok.head
    return False


class StoryPlaces:
    """The places of one story, gathered sentence by sentence, then each event's location.

    Use: :meth:`add_sentence` for every sentence (with the actor dictionary's matches),
    then :meth:`locate` for each event.
    """

    def __init__(self, gazetteer: Gazetteer, doc: Doc) -> None:
        self.resolver = Resolver(gazetteer)
        self.doc = doc
        self.mentions: dict[int, list[Mention]] = {}
        self.matches: dict[int, dict[int, Match]] = {}  # the actor dictionary's, by sentence
        self.countries: Counter[str] = Counter()
        self.dateline = dateline(doc.text)
        self._story_place: tuple[Location, str] | None | bool = False
        self._cache: dict[tuple[Mention, frozenset[str]], Location | None] = {}

    def add_sentence(self, index: int, sent: Span, matches: dict[int, Match]) -> list[Mention]:
        """Record the sentence's place mentions and the countries its words name (a capital's
        name does not count: "Tripoli" must not vote for Libya over Lebanon)."""
        for m in {id(m): m for m in matches.values()}.values():
            for e in m.entries:
                if e.kind in _STORY_KINDS and e.country:
                    self.countries[e.country] += 1
                    break
        found = sentence_mentions(sent, index, matches)
        self.mentions[index] = found
        self.matches[index] = matches
        return found

    def add_countries(self, countries: Iterable[str | None]) -> None:
        """Countries of resolved actors (people, organisations) make their cities likelier."""
        self.countries.update(c for c in countries if c)

    def resolve(self, m: Mention, actors: frozenset[str] = frozenset()) -> Location | None:
        key = (m, actors)
        if key not in self._cache:
            self._cache[key] = self.resolver.resolve(m, Context(actors, self.countries))
        return self._cache[key]

    def locate(self, sentence: int, predicate: int | None,
               actors: Iterable[str | None] = ()) -> dict[str, object]:
        """The location fields for an event of ``sentence`` whose predicate is the doc token
        ``predicate``, with the countries of its actors."""
        countries = frozenset(c for c in actors if c)
        candidates = []
        pred = self.doc[predicate] if predicate is not None else None
        for m in self.mentions.get(sentence, ()):
            anchor = self.doc[m.anchor]
            if m.role == "object" and (pred is None or anchor.head.i != pred.i):
                continue
            depth = _depth_below(anchor, pred.i) if pred is not None else None
            if pred is not None and _in_other_clause(anchor, pred, depth is not None):
                continue
            loc = self.resolve(m, countries)
            if loc is None or m.role == "object" and loc.kind != CITY:
                continue
            inside = depth is not None
            rank = (0 if inside else 1, m.tier,
                    depth if inside else abs(m.start - (pred.i if pred is not None else 0)))
            candidates.append((rank, loc))
        if candidates:
            candidates.sort(key=lambda c: c[0])
            rank, best = candidates[0]
            if best.kind != CITY and best.country:
                # "near Kharkiv in Ukraine": the city, which says more.
                finer = [loc for r, loc in candidates
                         if loc.kind == CITY and loc.country == best.country and r[0] == rank[0]]
                if finer:
                    best = finer[0]
            return best.fields("clause" if rank[0] == 0 else "sentence")
        if self.dateline is not None:
            loc = self.resolve(self.dateline, countries)
            if loc is not None:
                return loc.fields("dateline")
        story = self.story_place()
        return story[0].fields("story") if story is not None else dict(NO_LOCATION)

    def story_place(self) -> tuple[Location, str] | None:
        """The place the story names most often (ties: the first named)."""
        if self._story_place is False:
            counts: Counter[tuple] = Counter()
            first: dict[tuple, tuple[int, Location]] = {}
            order = 0
            for index in sorted(self.mentions):
                for m in self.mentions[index]:
                    loc = self.resolve(m)
                    if loc is None:
                        continue
                    key = (loc.geonames_id, loc.name, loc.country)
                    counts[key] += 1
                    first.setdefault(key, (order, loc))
                    order += 1
            if counts:
                key = min(counts, key=lambda k: (-counts[k], first[k][0]))
                self._story_place = (first[key][1], "story")
            else:
                self._story_place = None
        return self._story_place or None  # type: ignore[return-value]

    def all_mentions(self) -> list[tuple[Mention, Location | None]]:
        """Every mention of the story (dateline first) with its place in the story's context."""
        out: list[tuple[Mention, Location | None]] = []
        if self.dateline is not None:
            out.append((self.dateline, self.resolve(self.dateline)))
        for index in sorted(self.mentions):
            out += [(m, self.resolve(m)) for m in self.mentions[index]]
        return out


def admin1_of(gazetteer: Gazetteer, place_kind: str, location: Location) -> str | None:
    """The state or province of a location, when known."""
    if location.admin1:
        return location.admin1
    if place_kind == ADMIN1:
        return location.name
    if place_kind == AREA:
        return None
    if location.geonames_id is not None:
        place = gazetteer.by_id.get(location.geonames_id)
        if place is not None:
            return gazetteer.admin1_name(place)
    return None


def locate_doc(doc: Doc, dictionary: ActorDictionary, gazetteer: Gazetteer,
               day: Date | None = None) -> StoryPlaces:
    """The places of a parsed story, without coding it (for :func:`locate_text`)."""
    from dyadwatch.actors.resolve import sentence_matches

    places = StoryPlaces(gazetteer, doc)
    for index, sent in enumerate(doc.sents):
        places.add_sentence(index, sent, sentence_matches(dictionary, sent, day))
    return places


def locate_text(text: str, date: str | Date | None = None) -> list[dict[str, object]]:
    """Every place mention of a story, in order (the dateline first), each resolved in the
    context of the whole story: ``text``, ``sentence_index``, ``start_char``, ``end_char``
    (offsets in ``text``), ``role`` (prep, object or dateline), ``admin1`` and the event
    record's location fields, whose ``location_rule`` is ``<role>:<how>``; a mention the
    gazetteer cannot place has null location fields."""
    from dyadwatch.actors.dictionary import load_dictionary
    from dyadwatch.nlp.load import load_nlp

    day = date if isinstance(date, Date) or date is None else Date.fromisoformat(date)
    gazetteer = load_gazetteer()
    places = locate_doc(load_nlp()(text), load_dictionary(), gazetteer, day)
    out: list[dict[str, object]] = []
    for m, loc in places.all_mentions():
        row: dict[str, object] = {"text": m.text, "sentence_index": m.sentence,
                                  "start_char": m.start_char, "end_char": m.end_char,
                                  "role": m.role}
        row.update(loc.fields(m.role) if loc is not None else NO_LOCATION)
        row["admin1"] = admin1_of(gazetteer, loc.kind, loc) if loc is not None else None
        out.append(row)
    return out
