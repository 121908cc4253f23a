"""Actor resolution: a noun phrase in a parsed sentence -> a CAMEO actor code.

The phrase around a head token (its compounds, adjectives, possessives, appositions
and ``of`` complements) is matched against the actor dictionary: a country (name,
demonym, capital as metonym), a sector (titles and institutions) and international
organisations combine into a code such as ``RUSGOV`` or ``IGOUNO``. Within a story,
people introduced with a title are remembered by name ("Lavrov"), and pronouns and
definite descriptions ("it", "the ministry") point back to recent actors.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date as Date
from functools import lru_cache
from importlib import resources

from spacy.tokens import Doc, Span, Token

from dyadwatch.actors.dictionary import (
    ADJECTIVE,
    CAPITAL,
    COUNTRY,
    INSTITUTION,
    LEGISLATURE,
    METONYMS,
    MILITARY,
    ORG,
    PERSON,
    PREFIX,
    REGION,
    SECTOR,
    WEAK,
    ActorDictionary,
    Entry,
    Match,
    read_table,
)

# The gazetteer is a data module (offline GeoNames, no project imports) below actors.
from dyadwatch.nlp.ents import sentence_ents
from dyadwatch.places.gazetteer import fold, load_gazetteer

# Dependents that belong to the noun phrase of an actor.
_NP_DEPS = {"compound", "amod", "poss", "det", "nummod", "nmod", "flat", "appos", "case",
            "quantmod", "npadvmod", "prep", "pobj", "cc", "conj"}
# Punctuation inside a name ("al-Shabaab", "U.S.-backed"); commas and brackets end it.
_INNER_PUNCT = {"-", "\u2013", ".", "'", "\u2019", "&", "/"}
_PERSON_PRONOUNS = {"he", "she", "him", "her", "his", "hers"}
_THING_PRONOUNS = {"it", "its"}
_PLURAL_PRONOUNS = {"they", "them", "their"}
_FORMER = {"former", "ex", "ex-", "then", "late", "retired", "outgoing"}
_PERSON_SECTORS_HINT = {"GOV", "MIL", "LEG", "JUD", "ELI"}
# Sectors of armed non-state actors: a description with one of them ("the extremist
# group", "the jihadists") points back only to a named group of one of them.
_ARMED_NONSTATE = {"INS", "REB", "RAD", "UAF"}
# ... and "the jihadists", "the extremist group" only to insurgents or radicals (the
# Islamic State, not the Kurdish militia fighting it).
_RADICAL = {"INS", "RAD"}
# State sectors: a phrase of one with no country in a story about several countries
# takes the country named most around it ("Parliament", "the Korean government").
_STATE_SECTORS = {"GOV", "LEG", "MIL", "JUD", "COP"}


@dataclass(frozen=True)
class Actor:
    """A resolved actor mention."""

    code: str
    country: str | None
    sector: str | None
    text: str
    start: int
    end: int
    person: bool = False
    via: str = ""  # "", "memory" (a name seen before), "coref" (pronoun or description)
    group: bool = False  # a named organisation or group, or a "<country>-led" coalition
    # The same sector of other countries named with it ("Russian and Chinese troops":
    # RUSMIL, with CHNMIL here).
    others: tuple[Actor, ...] = ()

    @property
    def label(self) -> str:
        """The phrase as written, with what it was resolved through."""
        return f"{self.text} [{self.via}]" if self.via else self.text


@dataclass
class StoryContext:
    """What the resolver remembers while it reads one story."""

    date: Date | None = None
    names: dict[str, Actor] = field(default_factory=dict)
    subjects: list[Actor] = field(default_factory=list)
    mentions: list[Actor] = field(default_factory=list)
    # The country the story is about (see :func:`story_country`), worked out once per doc.
    story_country: str | None = None
    story_doc: Doc | None = field(default=None, repr=False)
    # Per sentence of ``story_doc``: its start token and how often it names each country.
    sentence_counts: list[tuple[int, dict[str, int]]] = field(default_factory=list, repr=False)


# Sectors that never take the story's country: international and non-governmental bodies.
_NO_STORY = {"IGO", "NGO", "HRI"}
# Kinds of dictionary entry that name a country, for the story's country.
_COUNTRY_KINDS = {COUNTRY, ADJECTIVE, CAPITAL, MILITARY, LEGISLATURE, INSTITUTION}
# ... in the order :func:`_nearest` tries them within one match.
_COUNTRY_ORDER = (COUNTRY, ADJECTIVE, CAPITAL, MILITARY, LEGISLATURE, INSTITUTION)


def story_country(dictionary: ActorDictionary, doc: Doc, day: Date | None,
                  sentence_counts: list[tuple[int, dict[str, int]]] | None = None,
                  ) -> str | None:
    """The one country a story is clearly about, or None.

    Every country name, demonym or seat of power, and every national group or body of
    the dictionary ("Nusra Front" is Syrian), counts for its country; the most counted
    country is the story's when it is counted at least twice and at least twice as often
    as any other; else the country of its dateline ("DAMASCUS -"), if it names no other.
    """
    counts: dict[str, int] = {}
    if sentence_counts is None:
        sentence_counts = sentence_country_counts(dictionary, doc, day)
    for _, sent_counts in sentence_counts:
        for c, n in sent_counts.items():
            counts[c] = counts.get(c, 0) + n
    clear = _clear_winner(counts)
    if clear is None and counts:
        # Several countries as actors ("Russia" and "Syria" alike): the towns and regions
        # the story names decide ("Aleppo", "Idlib" are in Syria).
        named = set(counts)
        places = _place_countries(doc, dictionary, day)
        for c, n in places.items():
            counts[c] = counts.get(c, 0) + n
        clear = _clear_winner(counts)
        if clear is None and len(places) == 1:
            # Every place named is in one country, itself named as an actor and now
            # counted at least as often as any other: that one (not a venue: "met in
            # Geneva").
            (only,) = places
            if only in named and counts[only] >= 2 and counts[only] == max(counts.values()):
                clear = only
    if clear is None:
        # A story from a dateline ("DAMASCUS -") that names no other country.
        home = _dateline_country(dictionary, doc, day)
        if home is not None and set(counts) <= {home}:
            clear = home
    return clear


def _dateline_country(dictionary: ActorDictionary, doc: Doc, day: Date | None) -> str | None:
    """The country of the story's dateline: its qualifier ("PARIS, Texas"), else the
    place as a country or capital of the dictionary, else a city of 100,000 people or
    more of one country in the gazetteer."""
    from dyadwatch.places.locate import dateline

    line = dateline(doc.text)
    if line is None:
        return None
    # The qualifier is folded ("texas"): title case finds it as a country name.
    for name, kinds in ((line.qualifier and line.qualifier.title(), (COUNTRY,)),
                        (line.text, (COUNTRY, CAPITAL))):
        words = name.split() if name else []
        for m in dictionary.find(words, words, day):
            e = m.entries[0]
            if m.start == 0 and m.end == len(words) and e.kind in kinds and e.country:
                return e.country
        if name and line.qualifier:
            return None  # "PARIS, Texas": not the capital
    cities = [p for p, main in load_gazetteer().city_candidates(line.key)
              if main and p.population >= 100_000]
    countries = {p.country for p in cities}
    return countries.pop() if len(countries) == 1 else None


def _town_country(tokens: list[Token], head: Token, matches: dict[int, Match]) -> str | None:
    """The country of a city the gazetteer knows well (its GeoNames name, 100,000 people
    or more), written as a proper-noun modifier before the head and unknown to the actor
    dictionary."""
    words = [t for t in tokens if t.i < head.i and t.pos_ == "PROPN" and t.i not in matches
             and t.dep_ in ("compound", "nmod", "amod") and t.text[:1].isupper()]
    if len(words) != 1:
        return None
    cities = [p for p, main in load_gazetteer().city_candidates(fold(words[0].text))
              if main and p.population >= 100_000]
    countries = {p.country for p in cities}
    return countries.pop() if len(countries) == 1 else None


def _clear_winner(counts: dict[str, int]) -> str | None:
    ranked = sorted(counts.values(), reverse=True)
    if not ranked or ranked[0] < 2 or (len(ranked) > 1 and ranked[0] < 2 * ranked[1]):
        return None
    return max(counts, key=lambda c: counts[c])


def _place_countries(doc: Doc, dictionary: ActorDictionary, day: Date | None) -> dict[str, int]:
    """How often the story names towns and regions of each country (GPE and LOC names the
    actor dictionary does not know, through the offline gazetteer; none without it)."""
    gazetteer = load_gazetteer()
    counts: dict[str, int] = {}
    for sent in doc.sents:
        matched = sentence_matches(dictionary, sent, day)
        for ent in sentence_ents(sent):
            if ent.label_ not in ("GPE", "LOC") or any(t.i in matched for t in ent):
                continue
            key = fold(ent.text)
            cities = gazetteer.city_candidates(key) or gazetteer.loose_candidates(key)
            best = max(cities, key=lambda c: (c[1], c[0].population), default=None)
            country = best[0].country if best else None
            if country is None:
                regions = gazetteer.admin1_candidates(key)
                country = regions[0].country if len(regions) == 1 else None
            if country:
                counts[country] = counts.get(country, 0) + 1
    return counts


def sentence_country_counts(dictionary: ActorDictionary, doc: Doc,
                            day: Date | None) -> list[tuple[int, dict[str, int]]]:
    """Per sentence: its first token and how often it names each country (names,
    demonyms, seats of power, national bodies; not news agencies or companies)."""
    out: list[tuple[int, dict[str, int]]] = []
    for sent in doc.sents:
        counts: dict[str, int] = {}
        seen: set[int] = set()
        for m in sentence_matches(dictionary, sent, day).values():
            if id(m) in seen:
                continue
            seen.add(id(m))
            e = m.entries[0]
            # A news agency quoted ("told Reuters") or a company says nothing of the
            # story's country.
            if e.country and (e.kind in _COUNTRY_KINDS
                              or e.kind == ORG and e.sector not in ("MED", "BUS")):
                counts[e.country] = counts.get(e.country, 0) + 1
        out.append((sent.start, counts))
    return out


def local_country(sentence_counts: list[tuple[int, dict[str, int]]], at: int) -> str | None:
    """The country the text names most around token ``at`` when the story names several:
    its sentence counts twice, the one before it once; where neither names a country,
    the nearest earlier sentence that does; None on a tie."""
    idx = max((k for k, (start, _) in enumerate(sentence_counts) if start <= at), default=None)
    if idx is None:
        return None
    counts: dict[str, int] = {}
    for k in range(max(0, idx - 1), idx + 1):
        weight = 2 if k == idx else 1
        for c, n in sentence_counts[k][1].items():
            counts[c] = counts.get(c, 0) + weight * n
    if not counts:
        earlier = [c for _, c in sentence_counts[: max(0, idx - 1)] if c]
        counts = dict(earlier[-1]) if earlier else {}
    ranked = sorted(counts.values(), reverse=True)
    if not ranked or (len(ranked) > 1 and ranked[0] == ranked[1]):
        return None
    return max(counts, key=lambda c: counts[c])


def sentence_matches(dictionary: ActorDictionary, sent: Span, day: Date | None) -> dict[int, Match]:
    """Dictionary matches in a sentence, indexed by every doc token index they cover."""
    # Line breaks and other white space inside a name ("Organization of Petroleum
    # Exporting\nCountries") are skipped.
    toks = [t for t in sent if not t.is_space]
    texts = [t.text.replace("\u2019", "'") for t in toks]
    lemmas = [_plural_lemma(t) for t in toks]
    finals = [_bare_possessive(t) for t in toks]
    index: dict[int, Match] = {}
    for m in dictionary.find(texts, lemmas, day, finals):
        shifted = Match(toks[m.start].i, toks[m.end - 1].i + 1, m.entries)
        for i in range(shifted.start, shifted.end):
            index[i] = shifted
    return index


def _plural_lemma(tok: Token) -> str:
    """The lemma, with capitalised plurals made singular ("Aerospace Forces", "U.S.
    Manufacturers"), which the lemmatizer leaves alone as proper nouns."""
    text = tok.text
    if tok.tag_ == "NNPS" and tok.lemma_ == text and len(text) > 3:
        if text.endswith("ies"):
            return text[:-3] + "y"
        if text.endswith("s") and not text.endswith("ss"):
            return text[:-1]
    return tok.lemma_


def _bare_possessive(tok: Token) -> str | None:
    """A capitalised name with a possessive "s" but no apostrophe ("Russias", "FSAs"), as
    texts stripped of apostrophes write it: the name without the "s"."""
    text = tok.text
    if (len(text) > 3 and text[0].isupper() and text.endswith("s") and not text.endswith("ss")
            and tok.pos_ == "PROPN"):
        return text[:-1]
    return None


def _phrase_tokens(head: Token, matched: dict[int, Match]) -> list[Token]:
    """The head's noun phrase: modifiers, possessives, appositions, and ``of`` / ``from``
    complements that name an actor ("the Ministry of Defence", "soldiers from Gondor"; not
    "accused the regime of torture")."""
    out = [head]
    stack = [head]
    while stack:
        tok = stack.pop()
        for child in tok.children:
            dep = child.dep_
            if dep not in _NP_DEPS and not (dep == "punct" and child.text in _INNER_PUNCT):
                continue
            # A preposition inside a dictionary name ("Observatory for Human Rights") is
            # part of it, whatever the preposition.
            inside = child.i in matched and matched[child.i] is matched.get(tok.i)
            if dep == "prep" and not inside and (child.lower_ not in ("of", "from") or not any(
                    t.i in matched for t in child.subtree)):
                continue
            if dep in ("cc", "conj") and tok.i == head.i:
                # "the Foreign and Defence ministries" keeps its coordinated modifiers,
                # but a coordinated head ("Russia and China") is a second actor.
                continue
            out.append(child)
            stack.append(child)
    return sorted(out, key=lambda t: t.i)


class Resolver:
    """Resolves argument heads to actors, for one story at a time (see :class:`StoryContext`)."""

    def __init__(self, dictionary: ActorDictionary) -> None:
        self.dictionary = dictionary

    def resolve(
        self, head: Token, matches: dict[int, Match], ctx: StoryContext, *, subject: bool = False
    ) -> Actor | None:
        actor = self._resolve(head, matches, ctx)
        if actor is not None:
            ctx.mentions.append(actor)
            if subject:
                ctx.subjects.append(actor)
        return actor

    # -- internals -------------------------------------------------------------------------

    def _resolve(self, head: Token, matches: dict[int, Match], ctx: StoryContext) -> Actor | None:
        if head.pos_ == "PRON":
            return self._pronoun(head, ctx)
        doc = head.doc
        # "Vice-president" split into siblings ("Vice", "-", "president"): the last word.
        while head.i + 2 < len(doc) and doc[head.i + 1].text == "-" \
                and doc[head.i + 2].head.i == head.head.i and doc[head.i + 2].dep_ == head.dep_ \
                and doc[head.i + 2].head.i != head.i + 2:
            head = doc[head.i + 2]
        tokens = _phrase_tokens(head, matches)
        own = matches.get(head.i)
        if own is not None:
            # A dictionary name is one unit however the parser split it ("al - Nusra"
            # with "al" as the head and "Nusra" hung elsewhere).
            have = {t.i for t in tokens}
            tokens = sorted(tokens + [head.doc[k] for k in range(own.start, own.end)
                                      if k not in have], key=lambda t: t.i)
        idx = {t.i for t in tokens}
        found: list[Match] = []
        for t in tokens:
            m = matches.get(t.i)
            if m is not None and m not in found and all(
                    i in idx or head.doc[i].is_space for i in range(m.start, m.end)) \
                    and not _based(head.doc, m):
                found.append(m)
        doc = head.doc
        # An organisation's acronym the parser took for a verb right before the phrase
        # ("IS fighters began ...", IS read as "is") belongs to it.
        before = matches.get(tokens[0].i - 1) if tokens[0].i > 0 else None
        if before is not None and before not in found and before.end == tokens[0].i \
                and any(e.kind == ORG for e in before.entries) \
                and all(doc[k].pos_ in ("AUX", "VERB") for k in range(before.start, before.end)):
            found.insert(0, before)
            tokens = [doc[k] for k in range(before.start, before.end)] + tokens
        head_match = matches.get(head.i) if matches.get(head.i) in found else None
        after = matches.get(head.i + 1) if head.i + 1 < len(doc) else None
        if head_match is None and head.lemma_.lower() in _group_nouns() and after is not None \
                and after not in found and after.start == head.i + 1 \
                and any(e.kind == ORG for e in after.entries):
            # "the Lebanese Shiite paramilitary group Hezbollah", the name hung elsewhere.
            found.append(after)
            tokens = sorted(tokens + [doc[k] for k in range(after.start, after.end)],
                            key=lambda t: t.i)
            head, head_match = doc[after.end - 1], after
        span = doc[tokens[0].i : tokens[-1].i + 1]
        text = _trim(span)
        if head_match is None and head.pos_ == "PROPN" and not any(
                e.kind in (ORG, PERSON) for m in found for e in m.entries):
            # "the Sawaiq al-Rahman Brigade", "McDonnell Douglas Corp", "the French daily
            # Depeche du Midi": an unknown name whose own words say what it is.
            named = self._named_organisation(head, tokens, found, matches, ctx)
            if named is not None:
                return named
        noun = head.lemma_.lower()
        if _group_nouns().get(noun) == "armed" and not any(
                e.kind != SECTOR for m in found for e in m.entries):
            # "the jihadists", "the extremists": the latest named armed group of the story.
            described = self._group_description(head, ctx, text, span, armed=_armed_kind(found))
            if described is not None:
                return described
        is_person = head.ent_type_ == "PERSON" or (
            head.pos_ == "PROPN" and head_match is None and head.ent_type_ not in ("GPE", "ORG")
        )
        if head_match is None and not is_person and head.pos_ in ("NOUN", "PROPN"):
            # A head the dictionary does not know takes the meaning of a known word it is
            # compounded with ("Syrian army units", "NATO Northern Army Group") ...
            sectors = {e.sector for m in found for e in m.entries}
            if sectors & _ARMED_NONSTATE and head.lemma_.lower() in _group_nouns() and all(
                    e.kind == SECTOR for m in found for e in m.entries):
                # ... but "the extremist group" is the latest named armed group, if any.
                described = self._group_description(head, ctx, text, span,
                                                    armed=_armed_kind(found))
                if described is not None:
                    return described
            head_match = _modifier_match(head, found)
            if head_match is None:
                # ... and "<country>-led <anything>" is that country ("Saudi-led coalition").
                led = (_led_by(tokens, found) or self._led_token(tokens, ctx.date)
                       or self._led_before(head, matches, ctx.date))
                if led is not None:
                    return Actor(led, led, None, text, span.start, span.end, group=True)
                # "the group", "the monitor": the latest named group of the story.
                if not found and head.lemma_.lower() in _group_nouns():
                    return self._group_description(head, ctx, text, span)
        if head_match is None and not is_person:
            if head.pos_ == "PROPN" and not found:
                return self._remembered(head, ctx, text)
            return None
        # People in the dictionary: their role on the story's date ("Obama" in 2015 is
        # USAGOV, in 2017 a former president, USAELI), unless the phrase says otherwise.
        role = _person_role(head_match.entries if head_match else [], ctx.date)
        other_person = False
        if role is not None and head_match is not None and _other_given_name(
                doc, head_match, matches):
            # "Ammar al-Assad" is not the Bashar al-Assad of the dictionary.
            found = [m for m in found if m is not head_match]
            role = head_match = None
            is_person = other_person = True
        if role is not None:
            is_person = True
            if role.code:  # an organisation's official (UN Secretary-General)
                return self._remember(Actor(role.code, None, None, text, span.start, span.end,
                                            person=True), head, ctx)
        # Regions: "Latin American leaders" -> LAM; seas and oceans are never actors.
        regions = [e for m in found for e in m.entries if e.kind == REGION]
        head_kinds = {e.kind for e in head_match.entries} if head_match else set()
        has_org = any(e.kind == ORG for m in found for e in m.entries)
        if regions and head_kinds & {REGION, SECTOR} and not has_org:
            if not regions[0].code:
                return None
            return Actor(regions[0].code, None, None, text, span.start, span.end)
        # Organisations: the head itself, or a generic head noun ("UN officials").
        orgs = [e for m in found for e in m.entries if e.kind == ORG]
        if orgs and (ORG in head_kinds or SECTOR in head_kinds or is_person):
            e = _nearest(found, head, ORG)
            branch = _nearest(found, head, COUNTRY, ADJECTIVE)
            if e is not None and branch is not None and branch.country and not is_person \
                    and (e.code or "").startswith("IMG") and _group_nouns().get(
                        head.lemma_.lower()) == "branch":
                # "al-Qaeda's Syrian branch": the national branch, country + INS + group.
                return Actor(branch.country + "INS" + (e.code or "")[-3:], branch.country, "INS",
                             text, span.start, span.end, group=True)
            official = _official_name(found, tokens, head, matches)
            if e is not None and official and not is_person and SECTOR in head_kinds:
                # "president of the Syrian Coalition Ahmad Haddad": the official, by name.
                is_person = True
            if e is not None:
                actor = Actor(e.code or "IGO", e.country, e.sector, text, span.start, span.end,
                              person=is_person, group=not is_person)
                if is_person and official:
                    name = " ".join(t.text for t in official).lower()
                    ctx.names[name] = actor
                    ctx.names[official[-1].text.lower()] = actor
                    return actor
                if ORG in head_kinds and not is_person and head_match is not None \
                        and head_match.end - head_match.start > 1 and head.text[:1].isupper():
                    # "the Observatory" later in the story is the Syrian Observatory.
                    ctx.names.setdefault(head.text.lower(), actor)
                return self._remember(actor, head, ctx)
        country_entry = _nearest(found, head, *_COUNTRY_ORDER)
        country = country_entry.country if country_entry else None
        if country is None and role is not None:
            country = role.country
        if country is None and not is_person:
            # "the Assad regime", "the Bush administration": the leader's country.
            leader = _person_role([e for m in found if m is not head_match
                                   for e in m.entries], ctx.date)
            if leader is not None and not leader.code:
                country = leader.country
        # Prefix agents of PETRARCH dictionaries ("MSF Arnor" -> NGOARN) go before the country.
        prefix = next((e.sector for m in found for e in m.entries
                       if e.kind == SECTOR and e.code == PREFIX and e.sector), "")
        found = [m for m in found if not all(e.kind == SECTOR and e.code == PREFIX
                                             for e in m.entries)]
        sector = None
        weak = False
        if head_match is not None:
            for e in head_match.entries:
                if e.kind == SECTOR and e.sector and e.code != PREFIX:
                    sector, weak = e.sector, e.role == WEAK
                elif e.kind in METONYMS:
                    sector = e.sector
        if weak:
            # "Defence Ministry spokesman", "army officer", "Pentagon official": a generic
            # head speaks for the institution among its modifiers.
            modifiers = [m for m in found if m is not head_match
                         and not _in_apposition(head, m)]
            inner = _nearest(modifiers, head, SECTOR)
            if inner is not None and inner.sector and inner.role != WEAK:
                sector = inner.sector
            elif country_entry is not None and country_entry.kind in METONYMS:
                sector = country_entry.sector
        if sector is None:
            # A named actor keeps its own sector: "Osgiliath, the state's fiercest foe" is
            # not the state's government.
            pool = found
            if head_match is not None:
                described = {t.i for c in head.children if c.dep_ == "appos" for t in c.subtree}
                pool = [m for m in found if m.start not in described]
            sector_entry = _nearest(pool, head, SECTOR)
            if sector_entry is not None and sector_entry.role == WEAK:
                # "Defence Ministry spokesman Ivan Petrov": the spokesman's institution.
                inner = _nearest([m for m in pool if sector_entry not in m.entries], head, SECTOR)
                if inner is not None and inner.sector and inner.role != WEAK:
                    sector_entry = inner
            if sector_entry is not None and sector_entry.sector:
                sector = sector_entry.sector
            elif country_entry is not None and country_entry.kind in METONYMS:
                sector = country_entry.sector
            elif role is not None:
                sector = role.sector
        if sector in ("MIL", "UAF") and any(t.lower_ in _peoples() for t in tokens) and not (
                country_entry is not None and country_entry.kind in METONYMS
                and country_entry.sector == "MIL"):
            # "Kurdish forces", "Kurdish militia": a stateless people's armed men are rebels.
            sector = "REB"
        if sector in ("GOV", "MIL", "LEG") and any(t.lower_.rstrip("-") in _FORMER for t in tokens):
            sector = "ELI"
        if is_person and role is None and not orgs:
            # "Fadi Haddad of the Zeitoun Brigade", "John Smith of Acme Corp": a person
            # speaks for the organisation named after "of".
            member = self._member_of(head, matches, ctx, text, span)
            if member is not None:
                return member
        if is_person and role is None:
            if country is None and sector is None:
                return self._remembered(head, ctx, text, whole=other_person)
            if country is None:
                # "President Putin" with no country: remembered name, else the story's
                # country, else unknown.
                remembered = self._remembered(head, ctx, text, whole=other_person)
                if remembered is not None:
                    return remembered
                country = self._story_country(head, tokens, sector, matches, ctx)
                if country is None:
                    return None
        if country is None and sector is not None and sector not in _NO_STORY:
            # "the Idlib Media Center", "Homs police": a town's body is its country's.
            country = _town_country(tokens, head, matches)
        if country is None:
            if sector is None:
                return None
            described = self._description(head, sector, ctx, text, span)
            if described is not None:
                return described
            # "rebels", "the regime", "activists" in a story about one country are that
            # country's; else those of the latest actor of that sector ("Syrian rebels
            # ... rebels said").
            country = (self._story_country(head, tokens, sector, matches, ctx)
                       or self._sector_country(sector, tokens, matches, ctx))
            if country is None:
                return None
        person = is_person or sector in _PERSON_SECTORS_HINT and (
            head.pos_ == "PROPN" or head.tag_ == "NN" and head.lower_ in _person_nouns())
        countries = _coordinated_countries(found, head) if sector and role is None else []
        if country in countries:
            country = countries[0]
        actor = Actor(prefix + country + (sector or ""), country, sector, text, span.start,
                      span.end, person=person)
        if country in countries:
            actor = replace(actor, others=tuple(
                replace(actor, code=prefix + c + (sector or ""), country=c)
                for c in countries[1:]))
        return self._remember(actor, head, ctx)

    def _led_token(self, tokens: list[Token], day: Date | None) -> str | None:
        """The country of a one-token "U.S.-led" among the phrase's modifiers."""
        for t in tokens:
            if t.lower_.endswith("-led") and len(t.text) > 4:
                name = t.text[:-4]
                for m in self.dictionary.find([name], [name], day):
                    e = m.entries[0]
                    if e.kind in _COUNTRY_KINDS and e.country:
                        return e.country
        return None

    def _led_before(self, head: Token, matches: dict[int, Match], day: Date | None) -> str | None:
        """The country of "<country>-led" right before the head, when the parser hung
        "led" elsewhere ("the US-led coalition fighting IS", "led" under "fighting")."""
        doc = head.doc
        j = head.i - 1
        if j < 0:
            return None
        if doc[j].lower_.endswith("-led"):
            return self._led_token([doc[j]], day)
        if doc[j].lower_ != "led":
            return None
        k = j - 2 if j >= 2 and doc[j - 1].text in ("-", "\u2013") else j - 1
        m = matches.get(k) if k >= 0 else None
        if m is None:
            return None
        e = m.entries[0]
        return e.country if e.kind in _COUNTRY_KINDS and e.country else None

    def _member_of(self, head: Token, matches: dict[int, Match], ctx: StoryContext,
                   text: str, span: Span) -> Actor | None:
        for prep in head.children:
            if prep.dep_ != "prep" or prep.lower_ != "of":
                continue
            for obj in prep.children:
                if obj.dep_ != "pobj" or obj.pos_ != "PROPN":
                    continue
                obj_tokens = _phrase_tokens(obj, matches)
                obj_found: list[Match] = []
                for t in obj_tokens:
                    m = matches.get(t.i)
                    if m is not None and m not in obj_found:
                        obj_found.append(m)
                if any(e.kind in (ORG, PERSON) for m in obj_found for e in m.entries):
                    continue
                org = self._named_organisation(obj, obj_tokens, obj_found, matches, ctx)
                if org is not None:
                    person = Actor(org.code, org.country, org.sector, text, span.start,
                                   span.end, person=True)
                    return self._remember(person, head, ctx)
        return None

    def _named_organisation(self, head: Token, tokens: list[Token], found: list[Match],
                            matches: dict[int, Match], ctx: StoryContext) -> Actor | None:
        """An unknown name ending in an organisation word (``data/name_heads.tsv``), or
        with a descriptor before it, as an organisation of that word's sector: the country
        named in its phrase, else the story's."""
        heads = _name_heads()
        # "Cable and Wireless Plc": the parser may hang the last word as a conjunct.
        last = head
        for c in head.children:
            if c.dep_ == "conj" and c.pos_ == "PROPN" and c.i > last.i and all(
                    t.pos_ in ("PROPN", "CCONJ") or t.is_space for t in head.doc[head.i:c.i]):
                last = c
        sector = None
        entry = heads.get(last.text.rstrip("."))
        if entry is not None and not entry[1]:
            sector = entry[0]
        else:
            # The descriptor among the name's modifiers, or right before the name when the
            # parser made the two siblings ("told the daily / El Correo").
            before = [head.doc[tokens[0].i - 1]] if tokens[0].i > 0 else []
            for t in [*before, *tokens]:
                e = heads.get(t.text)
                if t.i < head.i and e is not None and e[1] and t.text.islower():
                    sector = e[0]
                    if t.i < tokens[0].i:
                        # ... with its own modifiers ("the Spanish daily").
                        extra = sorted([t, *(c for c in t.children if c.i < t.i
                                             and c.dep_ in ("amod", "compound"))],
                                       key=lambda x: x.i)
                        tokens = [*extra, *tokens]
                        found = [*found, *(m for c in extra if (m := matches.get(c.i))
                                           is not None and m not in found)]
        if sector is None:
            return None
        doc = head.doc
        start, end = tokens[0].i, max(tokens[-1].i, last.i) + 1
        span = doc[start:end]
        country_entry = _nearest(found, head, *_COUNTRY_ORDER)
        country = country_entry.country if country_entry else None
        if country is None:
            country = self.story_country_of(doc, ctx)
        if country is None:
            return None
        actor = Actor(country + sector, country, sector, _trim(span), span.start, span.end,
                      group=True)
        ctx.names.setdefault(_trim(span).lower(), actor)
        return actor

    @staticmethod
    def _sector_country(sector: str, tokens: list[Token], matches: dict[int, Match],
                        ctx: StoryContext) -> str | None:
        """The country of the latest actor of ``sector`` named with its country, for a
        phrase with no modifier the dictionary does not know."""
        if sector in _NO_STORY or any(t.pos_ in ("PROPN", "ADJ") and t.i not in matches
                                      and t.text[:1].isupper() for t in tokens):
            return None
        for prior in reversed(ctx.mentions):
            if prior.sector == sector and prior.country and not prior.via and not prior.group:
                return prior.country
        return None

    def _story_country(self, head: Token, tokens: list[Token], sector: str,
                       matches: dict[int, Match], ctx: StoryContext) -> str | None:
        """The story's country for a phrase that names none, unless the phrase is an
        international body's or names something the dictionary does not know ("CBP
        officials")."""
        if sector in _NO_STORY or any(
                t.i < head.i and t.i not in matches and (
                    t.ent_type_ == "ORG" or t.ent_type_ == "PERSON" != head.ent_type_)
                for t in tokens):
            return None
        self.story_country_of(head.doc, ctx)
        if ctx.story_country is None and sector in _STATE_SECTORS and not any(
                t.ent_type_ in ("NORP", "GPE") and t.i not in matches for t in tokens):
            # (Not with a nationality the dictionary does not know: "the Korean government".)
            # A story about several countries: the one named most around the phrase.
            return local_country(ctx.sentence_counts, head.i)
        return ctx.story_country

    def story_country_of(self, doc: Doc, ctx: StoryContext) -> str | None:
        """The one country ``doc`` is clearly about (:func:`story_country`), or None."""
        if ctx.story_doc is not doc:
            # The per-sentence counts serve the story's country and a local one alike.
            ctx.story_doc = doc
            ctx.sentence_counts = sentence_country_counts(self.dictionary, doc, ctx.date)
            ctx.story_country = story_country(self.dictionary, doc, ctx.date,
                                              ctx.sentence_counts)
        return ctx.story_country

    def _remember(self, actor: Actor, head: Token, ctx: StoryContext) -> Actor:
        name = [t for t in head.doc[actor.start : actor.end]
                if t.ent_type_ == "PERSON" and not t.is_space]
        # A name right before a misparsed head ("Trade Minister Rha\nWoong-bae", "bae"
        # the head) is remembered too.
        near = bool(name) and 0 < head.i - name[-1].i <= 2 and head.ent_type_ != "PERSON" \
            and all(t.text in ("-", "\u2010") for t in head.doc[name[-1].i + 1 : head.i])
        if (actor.person or head.ent_type_ == "PERSON" or near) and name:
            ctx.names[" ".join(t.text for t in name).lower()] = actor
            ctx.names[name[-1].text.lower()] = actor
            # Family names may come first ("Tran Van-Thinh", later "Tran").
            if len(name) > 1 and len(name[0].text) > 2:
                ctx.names.setdefault(name[0].text.lower(), actor)
        return actor

    def _remembered(self, head: Token, ctx: StoryContext, text: str,
                    whole: bool = False) -> Actor | None:
        # ``whole``: only the whole phrase, not the family name someone else shares.
        for key in (text.lower(),) if whole else (text.lower(), head.text.lower()):
            known = ctx.names.get(key)
            if known is not None:
                return replace(known, text=text, start=head.i, end=head.i + 1, via="memory")
        word = head.text.lower()
        if not whole and head.pos_ == "PROPN" and len(word) >= 6:
            # A long family name misspelt by one letter ("Douffiagus" for "Douffiagues").
            close = [a for k, a in ctx.names.items() if a.person and " " not in k
                     and k[:1] == word[:1] and _one_edit(k, word)]
            if len(close) == 1:
                return replace(close[0], text=text, start=head.i, end=head.i + 1,
                               via="memory")
        return None

    def _pronoun(self, head: Token, ctx: StoryContext) -> Actor | None:
        # The nearest fitting actor earlier in the same sentence ("warned the White House
        # that it ..."), else the latest fitting subject of the story so far.
        lower = head.lower_
        if lower in _PERSON_PRONOUNS:
            fits = lambda a: a.person  # noqa: E731
        elif lower in _THING_PRONOUNS:
            fits = lambda a: not a.person  # noqa: E731
        elif lower in _PLURAL_PRONOUNS:
            fits = lambda a: True  # noqa: E731
        else:
            return None
        sent_start = head.sent.start
        # "17 armed factions announced that they ...": when the latest subject before the
        # pronoun could be its antecedent but is no known actor, do not guess further back.
        prior = [t for t in head.sent if t.i < head.i and t.dep_ in ("nsubj", "nsubjpass")
                 and t.pos_ != "PRON"]
        before = [a for a in ctx.mentions
                  if sent_start <= a.start < head.i and not a.via and fits(a)]
        # ... unless a known actor comes between that subject and the pronoun ("the
        # operation answered al-Nusra's attack, when it ...").
        if prior and _could_refer(lower, prior[-1]) and not any(
                a.start <= prior[-1].i < a.end for a in ctx.mentions) and not any(
                a.start > prior[-1].i for a in before):
            return None
        # Within the sentence a subject comes first ("Reagan will assure Chirac that he
        # ..."), else the nearest actor before the pronoun.
        subjects = {(a.start, a.end) for a in ctx.subjects}
        pool = (sorted([a for a in before if (a.start, a.end) in subjects], key=lambda a: a.start)
                or sorted(before, key=lambda a: a.start)
                or [a for a in ctx.subjects if a.start < sent_start and fits(a)])
        if not pool:
            return None
        return replace(pool[-1], text=head.text, start=head.i, end=head.i + 1, via="coref")

    def _group_description(
        self, head: Token, ctx: StoryContext, text: str, span: Span,
        *, armed: frozenset[str] | set[str] = frozenset()
    ) -> Actor | None:
        dets = {c.lower_ for c in head.children if c.dep_ in ("det", "poss")}
        noun = head.lemma_.lower()
        kind = _group_nouns()[noun]
        # A plural armed noun points back without an article ("jihadists attacked ...").
        if not dets & {"the", "this", "that"} and not (kind == "armed" and head.tag_ == "NNS"):
            return None
        for prior in reversed(ctx.mentions):
            if armed or kind == "armed":
                if prior.group and prior.sector in (armed or _ARMED_NONSTATE) and not prior.via:
                    return replace(prior, text=text, start=span.start, end=span.end,
                                   via="coref")
                continue
            if kind == "ngo":
                if prior.group and not prior.via and (
                        prior.code[:3] in ("NGO", "IGO") or prior.sector in _NO_STORY):
                    return replace(prior, text=text, start=span.start, end=span.end,
                                   via="coref")
                continue
            if prior.group and (kind == "yes" or noun in prior.text.lower()):
                return replace(prior, text=text, start=span.start, end=span.end, via="coref")
        return None

    def _description(
        self, head: Token, sector: str, ctx: StoryContext, text: str, span: Span
    ) -> Actor | None:
        # "the ministry", "the senior diplomat": a definite description points back to the
        # latest actor of the same sector in the story.
        dets = {c.lower_ for c in head.children if c.dep_ in ("det", "poss")}
        if not dets & {"the", "its", "his", "her", "their", "this", "that"}:
            return None
        # "the Korean government" names a nationality the dictionary does not know: it is
        # not the last government mentioned.
        if any(t.ent_type_ in ("NORP", "GPE") and t.i != head.i for t in span):
            return None
        # "the minister", "the general": first the latest person named with that title.
        word = head.lower_
        for prior in reversed(ctx.mentions):
            if prior.person and not prior.via and prior.country and word in {
                    w.strip(".,").lower() for w in prior.text.split()}:
                return replace(prior, text=text, start=span.start, end=span.end, via="coref")
        for prior in reversed(ctx.mentions):
            if prior.sector == sector and prior.country:
                # "the government" after "Trade Minister Rha" is the government, no person
                # a later "he" could point to.
                return replace(prior, text=text, start=span.start, end=span.end, via="coref",
                               person=False)
        return None


@lru_cache(maxsize=1)
def _group_nouns() -> dict[str, str]:
    """Generic group nouns, each with what it may point back to: "yes" any named group,
    "armed" a named armed non-state group, "ngo" a non-governmental or international
    body, "branch" (a national branch), "" a group whose name has the noun."""
    text = resources.files("dyadwatch.actors").joinpath("data/group_nouns.tsv").read_text("utf-8")
    return {row["noun"].lower(): row.get("any", "").lower() for row in read_table(text)}


@lru_cache(maxsize=1)
def _peoples() -> frozenset[str]:
    """Words of stateless peoples whose armed men are rebels (``data/peoples.tsv``)."""
    text = resources.files("dyadwatch.actors").joinpath("data/peoples.tsv").read_text("utf-8")
    return frozenset(row["word"].lower() for row in read_table(text))


@lru_cache(maxsize=1)
def _name_heads() -> dict[str, tuple[str, bool]]:
    """Organisation words of unknown names: word -> (sector, descriptor before the name)."""
    text = resources.files("dyadwatch.actors").joinpath("data/name_heads.tsv").read_text("utf-8")
    return {row["word"]: (row["sector"], row.get("modifier", "").lower() == "yes")
            for row in read_table(text)}


def _official_name(found: list[Match], tokens: list[Token], head: Token,
                   matches: dict[int, Match]) -> list[Token]:
    """The capitalised words right after an organisation's name at the end of the phrase
    ("the Syrian Coalition Ahmad Haddad": "Ahmad Haddad"), the name of its official."""
    orgs = [m for m in found if any(e.kind == ORG for e in m.entries)]
    if not orgs:
        return []
    end = max(m.end for m in orgs)
    after = [t for t in tokens if t.i >= end]
    if not 1 <= len(after) <= 4 or not all(
            t.pos_ == "PROPN" and t.text[:1].isupper() and t.i not in matches for t in after):
        return []
    if [t.i for t in after] != list(range(end, end + len(after))):
        return []
    return after


def _one_edit(a: str, b: str) -> bool:
    """Whether two different words differ by one inserted, deleted or changed letter."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)):] == b[i + 1:]


def _based(doc: Doc, m: Match) -> bool:
    """Whether a match is the place of a "<place>-based" modifier ("the Britain-based
    monitor" is no British actor)."""
    if m.end < len(doc) and doc[m.end].lower_ == "based":
        return True
    if m.end + 1 < len(doc) and doc[m.end].text in ("-", "\u2013") \
            and doc[m.end + 1].lower_ == "based":
        return True
    return doc[m.end - 1].lower_.endswith("-based")


def _other_given_name(doc: Doc, m: Match, matches: dict[int, Match]) -> bool:
    """Whether a capitalised given name the dictionary does not know comes right before
    a person matched by name (not an honorific: "Dr", "Mr")."""
    if not any(e.kind == PERSON for e in m.entries) or m.start == 0:
        return False
    t = doc[m.start - 1]
    return (t.pos_ == "PROPN" and t.ent_type_ == "PERSON" and t.text[:1].isupper()
            and t.i not in matches and t.lower_.rstrip(".") not in _honorifics())


@lru_cache(maxsize=1)
def _person_nouns() -> frozenset[str]:
    """Nouns that name one person by office ("minister", "spokesman")."""
    text = resources.files("dyadwatch.actors").joinpath("data/person_nouns.tsv").read_text(
        "utf-8")
    return frozenset(row["word"].lower() for row in read_table(text))


@lru_cache(maxsize=1)
def _honorifics() -> frozenset[str]:
    text = resources.files("dyadwatch.actors").joinpath("data/honorifics.tsv").read_text("utf-8")
    return frozenset(row["word"].lower() for row in read_table(text))


def _armed_kind(found: list[Match]) -> set[str]:
    """The sectors of named groups an armed description may point back to."""
    sectors = {e.sector for m in found for e in m.entries}
    return _RADICAL if sectors & _RADICAL else _ARMED_NONSTATE


def _in_apposition(head: Token, m: Match) -> bool:
    return any(c.dep_ == "appos" and m.start <= c.i < m.end
               or c.dep_ == "appos" and any(m.start <= t.i < m.end for t in c.subtree)
               for c in head.children)


def _modifier_match(head: Token, found: list[Match]) -> Match | None:
    """The match of the known word nearest an unknown head among its modifiers: a
    sector, an organisation or an institution ("army" in "army units", "military
    units", "units of the armed forces")."""
    words = [c for c in sorted(head.children, key=lambda c: -c.i)
             if c.dep_ in ("compound", "amod", "nmod", "poss") and c.i < head.i]
    words += [g for c in head.children if c.dep_ == "prep" and c.lower_ == "of"
              for g in c.children if g.dep_ == "pobj"]
    # An organisation among them, or among their own modifiers, owns the phrase ("the
    # FSA's special forces division", "FSA" under "forces").
    inner = [g for w in words if w.i < head.i for g in w.subtree
             if g.i < w.i and g.dep_ in ("compound", "amod", "nmod", "poss")]
    for kinds, pool in (((ORG,), words + inner),
                        ((SECTOR, MILITARY, LEGISLATURE, INSTITUTION), words)):
        for word in pool:
            for m in found:
                if m.start <= word.i < m.end and any(e.kind in kinds for e in m.entries):
                    return m
    return None


def _coordinated_countries(found: list[Match], head: Token) -> list[str]:
    """The countries of coordinated national modifiers before the head ("Russian and
    Chinese troops", "Iranian, Iraqi and Syrian officials"), in text order; [] unless
    two or more."""
    doc = head.doc
    named = sorted((m for m in found if m.end <= head.i and m.entries[0].kind in (
        COUNTRY, ADJECTIVE) and m.entries[0].country), key=lambda m: m.start)
    best: list[Match] = []
    run: list[Match] = []
    for m in named:
        between = [t.lower_ for t in doc[run[-1].end:m.start]] if run else []
        if run and between and set(between) <= {",", "and", "&"}:
            run.append(m)
        else:
            run = [m]
        words = {t.lower_ for a, b in zip(run, run[1:], strict=False)
                 for t in doc[a.end:b.start]}
        if len(run) > len(best) and words & {"and", "&"}:
            best = list(run)
    countries = list(dict.fromkeys(m.entries[0].country or "" for m in best))
    return countries if len(countries) > 1 else []


def _led_by(tokens: list[Token], found: list[Match]) -> str | None:
    """The country in "<country>-led" among the phrase's modifiers, else None."""
    for t in tokens:
        if t.lower_ != "led":
            continue
        for m in found:
            if any(m.start <= c.i < m.end for c in t.children) and m.end <= t.i:
                e = m.entries[0]
                if e.kind in _COUNTRY_KINDS and e.country:
                    return e.country
    return None


def _could_refer(pronoun: str, tok: Token) -> bool:
    """Whether an unresolved subject could be what a pronoun points back to."""
    if pronoun in _PLURAL_PRONOUNS:
        return tok.tag_ in ("NNS", "NNPS")
    if pronoun in _PERSON_PRONOUNS:
        return tok.ent_type_ == "PERSON"
    return tok.tag_ in ("NN", "NNP") and tok.ent_type_ != "PERSON"


def _person_role(entries: list[Entry], day: Date | None) -> Entry | None:
    """The dictionary person's role on ``day``: the term in force; after the last term a
    former official (sector ELI); before the first, the country alone."""
    terms = [e for e in entries if e.kind == PERSON]
    if not terms:
        return None
    if day is None:
        return max(terms, key=lambda e: e.valid_from or Date.min)
    current = [e for e in terms if e.valid_on(day)]
    if current:
        return current[0]
    past = [e for e in terms if e.valid_to and e.valid_to < day]
    if past:
        last = max(past, key=lambda e: e.valid_to or Date.min)
        return replace(last, sector="ELI" if last.sector in ("GOV", "MIL", "LEG") else last.sector)
    return replace(terms[0], sector=None)


def _nearest(found: list[Match], head: Token, *kinds: str) -> Entry | None:
    best: tuple[int, Entry] | None = None
    for m in found:
        for e in m.entries:
            if e.kind in kinds:
                dist = 0 if m.start <= head.i < m.end else min(abs(head.i - m.start),
                                                               abs(head.i - (m.end - 1)))
                if best is None or dist < best[0]:
                    best = (dist, e)
                break
    return best[1] if best else None


def _trim(span: Span) -> str:
    tokens = list(span)
    while tokens and (tokens[0].dep_ in ("det", "punct", "cc") or tokens[0].is_punct):
        tokens = tokens[1:]
    while tokens and (tokens[-1].is_punct or tokens[-1].pos_ == "ADP"
                      or tokens[-1].dep_ == "case"):
        tokens = tokens[:-1]
    if not tokens:
        return span.text
    doc: Doc = span.doc
    return doc[tokens[0].i : tokens[-1].i + 1].text
