"""The coder: a parsed story -> CAMEO events, from the dependency parse.

For every predicate of a sentence (a verb, or an event noun such as "expulsion")
whose lemma has patterns, the coder finds

- the source: the grammatical subject, followed up through infinitives, coordinated
  verbs and clauses ("Putin vowed to take ..."), or the agent of a passive ("were
  expelled by X"), or, for an event noun, its possessor or national modifier ("the US
  expulsion of ...") or the subject of the verb that governs it ("Obama ordered the
  expulsion of ...");
- the target: the direct object, or the object of the preposition the pattern names,
  attached to the predicate or to its object ("take measures against X");
- the modal frame around it ("vowed to", "plans to", "refused to"), which turns the
  event into a threat, an intention or a rejection (``modality.yaml``), and negation.

Actors are resolved by :mod:`dyadwatch.actors.resolve`; the most specific pattern that
yields both a source and a target wins, and its id is the event's ``rule``. Each event's
location comes from :mod:`dyadwatch.places` once the whole story has been read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date as Date

from spacy.tokens import Doc, Span, Token

from dyadwatch.actors.dictionary import SECTOR, ActorDictionary, Match, load_dictionary
from dyadwatch.actors.resolve import Actor, Resolver, StoryContext, sentence_matches
from dyadwatch.coding import petrarch_verbs
from dyadwatch.coding.background import Narrative
from dyadwatch.coding.events import Event, event_id_for
from dyadwatch.coding.headline import word_forms
from dyadwatch.coding.patterns import (
    Frame,
    Pattern,
    PatternSet,
    load_arguments,
    load_frames,
    load_patterns,
)
from dyadwatch.coding.quotes import first_person_speakers, load_speech, reported_demand
from dyadwatch.nlp.ents import sentence_ents
from dyadwatch.ontology.cameo import Ontology, load_ontology
from dyadwatch.places.gazetteer import Gazetteer, fold, load_gazetteer
from dyadwatch.places.locate import Mention, StoryPlaces

_SUBJ = ("nsubj", "csubj")
_PASSIVE_SUBJ = ("nsubjpass", "csubjpass")
# Links a predicate inherits its subject through.
_UP_LINKS = {"xcomp", "conj", "acl", "advcl", "ccomp", "relcl", "pcomp", "dobj", "pobj",
             "prep", "attr", "appos", "nsubj", "nsubjpass", "oprd", "acomp", "amod"}
# Verbs whose object is the subject of their infinitive ("urged Iran to stop").
_OBJECT_CONTROL = {"urge", "ask", "order", "call", "force", "tell", "persuade", "encourage",
                   "invite", "allow", "press", "pressure", "request", "instruct", "demand"}
_RELATIVE = {"that", "which", "who", "whom"}
_CONDITIONAL = {"if", "unless", "whether"}
# Appeals and demands made of the subject of a "that" clause.
_CLAUSE_TARGET_ROOTS = {"02", "10"}
# Links through which a governing word frames an event: "vowed to attack" (xcomp),
# "warned that it would attack" (ccomp), "readiness to cooperate" (acl).
_FRAME_LINKS = {"xcomp", "ccomp", "acl", "pcomp", "prep"}
_MAX_HOPS = 6
# Prepositions of an agentless passive that name an instrument ("killed in shelling").
_INSTRUMENT_PREPS = {"in", "during", "amid", "by", "with"}
# Prepositions that set an event noun in the circumstances of another event.
_CIRCUMSTANCE = {"after", "following", "before", "amid", "despite", "since", "during",
                 "ahead", "prior"}
# Roots whose object's owner is the target of a bare verb ("shelled Libyan positions");
# elsewhere the owner is not ("defended Germany's decision").
_FORCE_ROOTS = {"15", "16", "17", "18", "19", "20"}
# Measures a government imposes on its own country when no place is named.
_EMERGENCY = frozenset({"curfew", "emergency", "martial"})
# Verbs whose object receives what their "with" phrase names ("supplied Kyiv with arms").
_PROVIDE_WITH = {"provide", "supply", "furnish", "equip", "arm"}


@dataclass
class _Link:
    """What lies between a predicate and the subject it inherits."""

    subject: Token | None
    passive: bool
    frames: list[Token]
    negated: bool  # "did not attack", and hypotheticals ("if it attacked", questions)
    hops: int
    verb: Token | None  # the verb that carries the subject


class Coder:
    """Codes parsed stories. Build once (it loads the dictionaries), reuse for many docs."""

    def __init__(
        self,
        dictionary: ActorDictionary | None = None,
        patterns: PatternSet | None = None,
        frames: list[Frame] | None = None,
        ontology: Ontology | None = None,
        gazetteer: Gazetteer | None = None,
    ) -> None:
        self.dictionary = dictionary or load_dictionary()
        self.patterns = patterns or load_patterns()
        self.frames = frames if frames is not None else load_frames()
        self.ontology = ontology or load_ontology()
        self.resolver = Resolver(self.dictionary)
        self.gazetteer = gazetteer or load_gazetteer()
        self._frame_triggers = {t for f in self.frames for t in f.triggers}
        self.speech = load_speech()
        # Modal auxiliaries that frame the clause they are in ("Russia must withdraw").
        self._modals = frozenset(self.speech.modals)
        # A speaker's own future act ("'We will retaliate,' the minister said").
        self._pledge = [f for f in self.frames if f.name == "pledge"]
        # The sentence's first-person pronouns that point to a speaker, by token index.
        self._speakers: dict[int, Actor] = {}
        # The speaker of the latest sentence's quotation, who may speak on in the next
        # one; and whether that quotation runs on.
        self._carried: Actor | None = None
        self._inside = False
        # A user's PETRARCH verb dictionary has no "demand" and "urge" patterns to read
        # a reported "must" with.
        self._own_patterns = not any(p.petrarch is not None
                                     for ps in self.patterns.verbs.values() for p in ps)
        self.arguments = load_arguments()
        # Verbs that judge, stop or permit an event they govern as an object ("avenged
        # the killing of", "halted the incursion").
        self._judges = {t for f in self.frames if f.name in ("judge", "prevent")
                        for t in f.triggers}
        # The sentence being coded: its places, by the doc token indices they cover.
        self._places: StoryPlaces | None = None
        self._place_at: dict[int, Mention] = {}
        self._sentence_places: list[Mention] = []

    # -- public ----------------------------------------------------------------------------

    def code_doc(
        self, doc: Doc, story_id: str, day: Date | None, *, include_negated: bool = False
    ) -> list[Event]:
        """All events of one parsed story, in sentence order."""
        ctx = StoryContext(date=day)
        places = StoryPlaces(self.gazetteer, doc)
        narrative = Narrative(day)
        found: list[tuple[Event, int]] = []
        self._carried, self._inside = None, False
        for index, sent in enumerate(doc.sents):
            coded = self._code_sentence(sent, index, story_id, day, ctx, include_negated,
                                        places)
            narrative.next_sentence(sent)
            found.extend((replace(e, background=narrative.background(doc[pred])), pred)
                         for e, pred in coded)
        if not found:
            return []
        places.add_countries(a.country for a in ctx.mentions)
        return [replace(e, **places.locate(e.sentence_index, pred,
                                           (e.source_country, e.target_country)))
                for e, pred in found]

    # -- sentences -------------------------------------------------------------------------

    def _code_sentence(
        self, sent: Span, index: int, story_id: str, day: Date | None, ctx: StoryContext,
        include_negated: bool, places: StoryPlaces,
    ) -> list[tuple[Event, int]]:
        matches = sentence_matches(self.dictionary, sent, day)
        mentions = places.add_sentence(index, sent, matches)
        self._places = places
        self._sentence_places = mentions
        self._place_at = {i: m for m in mentions for i in (*range(m.start, m.end), m.anchor)}
        # Resolve subjects first so pronouns in this sentence see earlier sentences only
        # plus the subjects before them.
        found: list[tuple[Pattern, Actor, Actor, str, Token, bool, float]] = []
        consumed: set[int] = set()
        # People named with a title ("US President Barack Obama") are remembered by name
        # wherever they appear, so a later "Obama" resolves.
        for ent in sentence_ents(sent):
            if ent.label_ == "PERSON":
                self.resolver.resolve(ent.root, matches, ctx)
        # Subjects are remembered first, so that pronouns can point back to them ("Iran
        # promised that it would ...") and later sentences can too ("It condemned ...").
        subjects: dict[int, Actor | None] = {}
        for tok in sent:
            if tok.dep_ in _SUBJ and tok.pos_ != "PRON":
                subjects[tok.i] = self.resolver.resolve(tok, matches, ctx, subject=True)
        self._speakers = self._first_person(sent, matches, ctx, subjects)
        for tok in sent:
            if tok.pos_ not in ("VERB", "AUX"):
                continue
            reading = reported_demand(tok, self.speech) if self._own_patterns else None
            if reading or tok.lemma_.lower() in self.patterns.verbs \
                    or tok.lower_ in self.patterns.verbs:
                found.extend(self._code_verb(tok, matches, ctx, consumed, reading))
        for tok in sent:
            if (tok.pos_ in ("NOUN", "PROPN") and tok.i not in consumed
                    and tok.lemma_.lower() in self.patterns.nouns):
                found.extend(self._code_noun(tok, matches, ctx))
        if not found and _title_case(sent):
            found.extend(self._code_headline(sent, matches, ctx))

        events: list[tuple[Event, int]] = []  # with the predicate's token index
        seen: set[tuple[str, str, str]] = set()
        sources_with_events = {s.code for p, s, *_ in found if not p.fallback}
        if sent.text.rstrip(" \"'\u201d\u2019)").endswith("?"):
            # A question reports nothing ("Will Russia attack Ukraine?"): hypothetical.
            found = [(*f[:5], True, *f[6:]) for f in found]
        if not include_negated:
            found = [f for f in found if not f[5]]
        for pattern, source, target, code, pred, negated, confidence in _prune(found):
            if pattern.fallback and source.code in sources_with_events:
                continue
            if source.code == target.code and target.start in self._place_at \
                    and target.country and target.code != target.country:
                # "the Thai government declared an emergency in Bangkok": the capital is
                # a place here, not the government that sits in it.
                target = replace(target, code=target.country, sector=None, via="place")  # noqa: PLW2901
            key = (source.code, target.code, code)
            if key in seen or source.code == target.code:
                continue
            if target.sector == "MED" and (code[:2] == "01" or source.sector == "MED"):
                continue  # "the monitor told AFP that ...", "the TV released ..., AFP reports"
            seen.add(key)
            events.append((self._event(story_id, day, index, sent, pred, source, target, code,
                                       pattern, negated, confidence), pred.i))
        return events

    def _first_person(
        self, sent: Span, matches: dict[int, Match], ctx: StoryContext,
        subjects: dict[int, Actor | None],
    ) -> dict[int, Actor]:
        """The actor each first-person pronoun of a quotation or reported clause stands
        for: its speaker's (:mod:`dyadwatch.coding.quotes`), or in a quotation that
        opens the sentence with no speaker, the speaker of the sentence before's.
        Notes who may speak on in the next sentence."""
        def actor(speaker: Token | None) -> Actor | None:
            if speaker is None:
                return self._carried
            if speaker.i not in subjects:  # a pronoun ("he said"), not resolved yet
                subjects[speaker.i] = self.resolver.resolve(speaker, matches, ctx,
                                                            subject=True)
            return subjects[speaker.i]

        quoting = first_person_speakers(sent, self.speech, inside=self._inside)
        out: dict[int, Actor] = {}
        for i, speaker in quoting.speakers.items():
            found = actor(speaker)
            if found is not None:
                tok = sent.doc[i]
                out[i] = replace(found, text=tok.text, start=i, end=i + 1, via="speaker")
        self._carried = actor(quoting.last) if quoting.quoted or self._inside else None
        self._inside = quoting.runs_on
        return out

    def _event(
        self, story_id: str, day: Date | None, index: int, sent: Span, pred: Token,
        source: Actor, target: Actor, code: str, pattern: Pattern, negated: bool,
        confidence: float,
    ) -> Event:
        c = self.ontology[code]
        rule = pattern.rule_id if code == pattern.code else f"{pattern.rule_id}@{code}"
        return Event(
            event_id=event_id_for(story_id, index, pred.i - sent.start, source.code,
                                  target.code, code),
            story_id=story_id,
            date=day.isoformat() if day else "",
            sentence_index=index,
            sentence=sent.text.strip(),
            source_text=source.label,
            source=source.code,
            source_country=source.country,
            target_text=target.label,
            target=target.code,
            target_country=target.country,
            code=code,
            root=c.root,
            name=c.name,
            quad_class=c.quad_class,
            goldstein=c.goldstein,
            plover=c.plover,
            rule=rule,
            negated=negated,
            confidence=round(confidence, 2),
        )

    # -- verbs -----------------------------------------------------------------------------

    def _code_verb(
        self, verb: Token, matches: dict[int, Match], ctx: StoryContext, consumed: set[int],
        reading: str | None = None,
    ) -> list[tuple]:
        """The events of a verb, coded with the patterns of its lemma, or of ``reading``
        ("said Russia must withdraw" read as "demanded that Russia withdraw")."""
        objects = [c for c in verb.children if c.dep_ == "dobj"] if reading is None else []
        # "sanctions were imposed on Russia by the EU": the passive subject is the object.
        objects = objects or [c for c in verb.children if c.dep_ == "nsubjpass"]
        obj = objects[-1] if objects else None
        if obj is not None and obj.lemma_.lower() in self.arguments.quantities:
            # "dropped a total of three bombs on X": the object is the noun after "of".
            of = [g for c in obj.children if c.dep_ == "prep" and c.lower_ == "of"
                  for g in c.children if g.dep_ == "pobj"]
            obj = of[0] if of else obj
        recipient = None
        if obj is not None and verb.lemma_.lower() in _PROVIDE_WITH:
            # "provided Egypt with $50 billion in assistance": the object is the recipient
            # and the "with" phrase what is given.
            given = _with_object(verb)
            if given is not None:
                recipient, obj = obj, given
        prts = {c.lower_ for c in verb.children if c.dep_ == "prt"}
        # "urged Iran to withdraw" (xcomp) or "demanded that Russia withdraw" (ccomp)
        xcomps = {c.lemma_.lower() for c in verb.children
                  if c.dep_ in ("xcomp", "ccomp") or _infinitival_advcl(c)}
        link = _link(verb, self._frame_triggers, self._modals)
        verbs = self.patterns.verbs
        main_obj = obj
        others = [o for o in objects[:-1] if recipient is None]
        lemma = reading or verb.lemma_.lower()
        for pattern in verbs.get(lemma) or verbs.get(verb.lower_, []):
            if pattern.petrarch is not None:  # a verb from a user's PETRARCH dictionary
                return petrarch_verbs.code_verb(self, verb, pattern, matches, ctx)
            obj = main_obj
            if pattern.obj and (obj is None or not _lemma_in(obj, pattern.obj)):
                # "launch war games near Iran waters": another object may be the one.
                obj = next((o for o in others if _lemma_in(o, pattern.obj)), None)
                if obj is None:
                    continue
            if pattern.prt and not prts & pattern.prt:
                continue
            if pattern.xcomp and not xcomps & pattern.xcomp:
                continue
            if not pattern.obj and any(c.dep_ == "oprd" for c in verb.children):
                continue  # "called Russia a terrorist state" names, it does not call
            if pattern.code[:2] == "02" and verb.lemma_.lower() == "call" and obj is not None \
                    and not any(c.dep_ == "prep" and c.lower_ in ("on", "upon")
                                and any(g.ent_type_ not in ("DATE", "TIME")
                                        for g in c.children if g.dep_ == "pobj")
                                for c in verb.children):
                continue  # "called Lavrov to discuss Syria" is a phone call, no appeal
            if pattern.mod and (obj is None or not _modifiers(obj) & pattern.mod):
                continue  # "used chemical weapons": the object's modifier
            sources, targets = self._arguments(verb, obj, pattern, link, matches, ctx,
                                               recipient)
            if reading is not None:
                # "the Iranian minister said Iran must defend itself" demands nothing.
                targets = [t for t in targets if all(t.code != s.country for s in sources)]
            if not sources or not targets and not _mutual(pattern, sources):
                continue
            if pattern.obj and obj is not None:
                consumed.add(obj.i)
            weapon = _weapon_code(verb, link)
            if pattern.code == "190" and weapon is not None:
                # "killed in regime airstrikes", "Russian air strikes hit": the weapon says
                # how (195 aerial, 194 artillery).
                pattern = replace(pattern, code=weapon,  # noqa: PLW2901
                                  rule_id=f"{pattern.rule_id}@{weapon}")
            if pattern.code == "183" and all(s.sector == "MIL" for s in sources):
                # 183 is non-military bombing: jets or an air force that "bombed a market
                # in X" bombed from the air.
                pattern = replace(pattern, code="195",  # noqa: PLW2901
                                  rule_id=f"{pattern.rule_id}@195")
            return self._combine(pattern, sources, targets, verb, link)
        return []

    def _arguments(
        self, pred: Token, obj: Token | None, pattern: Pattern, link: _Link,
        matches: dict[int, Match], ctx: StoryContext, recipient: Token | None = None,
    ) -> tuple[list[Actor], list[Actor]]:
        # Source
        if link.passive:
            agents = [g for c in pred.children if c.dep_ == "agent"
                      for g in c.children if g.dep_ == "pobj"]
            source_heads = agents
            if not agents:
                # "were killed in regime shelling", "attacked with shells fired by X": the
                # instrument's actor is the agent; passives coordinated with the verb share
                # it ("were killed and others were wounded in airstrikes").
                holders = [pred, *(c for c in pred.children
                                   if c.dep_ == "conj" and c.tag_ == "VBN")]
                source_heads = [g for h in holders for c in h.children
                                if c.dep_ == "prep" and c.lower_ in _INSTRUMENT_PREPS
                                for g in c.children if g.dep_ == "pobj"
                                and g.lemma_.lower() in self.arguments.instruments]
        else:
            source_heads = [link.subject] if link.subject is not None else []
            if link.subject is not None and link.verb is not None:
                # "US, Western allies launch ...": a headline's list without its "and".
                source_heads += [c for c in link.verb.children if c.dep_ == "dep"
                                 and c.pos_ == "PROPN" and c.i < link.subject.i
                                 and c.right_edge.i + 2 == link.subject.left_edge.i
                                 and c.doc[c.right_edge.i + 1].text == ","]
        instruments = [h for h in source_heads if h.lemma_.lower() in self.arguments.instruments]
        sources = self._actors(source_heads, matches, ctx, subject=True)
        if not sources:
            return [], []
        # Target
        target_heads: list[Token] = []
        if pattern.prep:
            # "restore ties with X", and through the object's "of" chain: "welcomed the
            # resumption of ties with X".
            # "lifted sanctions imposed on China": the object's participle.
            participles = [a for a in obj.children if a.dep_ == "acl" and a.tag_ == "VBN"
                           ] if obj is not None else []
            for holder in (pred, obj, *_of_chain(obj), *participles):
                if holder is None:
                    continue
                for c in holder.children:
                    if c.dep_ in ("prep", "agent", "dative") and c.lower_ in pattern.prep \
                            and not (c.dep_ == "agent" and link.passive):  # the source
                        target_heads += [g for g in c.children if g.dep_ == "pobj"]
        else:
            if link.passive and link.verb is not None and link.verb.i == pred.i:
                target_heads = [c for c in pred.children if c.dep_ in _PASSIVE_SUBJ]
                if _reduced_passive(pred):
                    target_heads = [pred.head]
            if obj is not None and not pattern.obj:
                target_heads.append(obj)
            target_heads += [c for c in pred.children if c.dep_ == "dative"
                             and c.pos_ in ("NOUN", "PROPN", "PRON")]
            if obj is None and pattern.code[:2] == "02":
                # "called on Russia to withdraw"
                target_heads += [g for c in pred.children
                                 if c.dep_ == "prep" and c.lower_ in ("on", "upon")
                                 for g in c.children if g.dep_ == "pobj"]
            if obj is None and pattern.code[:2] in _CLAUSE_TARGET_ROOTS:
                # "demanded that Russia withdraw": the demand is made of the clause's subject.
                target_heads += [s for c in pred.children if c.dep_ == "ccomp"
                                 for s in c.children if s.dep_ in _SUBJ]
        if pattern.obj and obj is not None:
            # "approved new anti-Russia sanctions": the target is in the object's modifier.
            target_heads += _anti_modifiers(obj)
        if recipient is not None:
            target_heads.append(recipient)
        targets = self._actors(target_heads, matches, ctx, place=True)
        if not targets and pattern.prep and target_heads:
            # "lifted a ban on UNICEF operations": the operations belong to the target.
            targets = self._actors(_owners(target_heads), matches, ctx)
        if not targets and obj is not None and (
                pattern.obj or obj in target_heads and pattern.code[:2] in _FORCE_ROOTS):
            # "expelled 45 Russian diplomats": the object is the target; "hijacked a British
            # tanker", "forgave Iraq's debt", "shelled Libyan positions": the object belongs
            # to the target.
            targets = self._actors([obj], matches, ctx) or self._actors(
                [c for c in obj.children if c.dep_ in ("poss", "compound", "amod", "nmod")
                 and c.pos_ != "PRON"], matches, ctx)
        measure_obj = obj is not None and _lemma_in(obj, _EMERGENCY)
        emergency = pattern.code[:3] == "172" and (bool(pattern.obj & _EMERGENCY) or measure_obj)
        if emergency and measure_obj:
            # "declared a state of emergency": the object is the measure, never an actor.
            targets = [t for t in targets if not obj.left_edge.i <= t.start <= obj.right_edge.i]
        if not targets and emergency:
            # "the government will extend the curfew": imposed on its own country.
            targets = [Actor(code=s.country, country=s.country, sector=None, text=s.text,
                             start=s.start, end=s.end, via="own country")
                       for s in sources if s.country and s.sector]
        if not targets and link.passive and instruments and not pattern.prep:
            # "three civilians were killed in Russian airstrikes on Idlib": the
            # instrument's target.
            aimed = [g for i in instruments for c in i.children
                     if c.dep_ == "prep" and c.lower_ in ("on", "against")
                     for g in c.children if g.dep_ == "pobj"]
            targets = self._actors(aimed, matches, ctx, place=True) or self._actors(
                _owners(aimed), matches, ctx, place=True)
        return sources, targets

    # -- nouns -----------------------------------------------------------------------------

    def _code_noun(self, noun: Token, matches: dict[int, Match], ctx: StoryContext) -> list[tuple]:
        if noun.dep_ == "dobj" and noun.head.lemma_.lower() in self._judges:
            return []  # "avenging the killing of X": the killing is not the avenger's
        if any(c.lower_ == "such" for c in noun.children):
            return []  # "the first such exercise in Europe" describes, it reports nothing
        mods = _modifiers(noun)
        # "a suspension of aid to Egypt": the "of" noun modifies, and holds the target.
        of = _of_chain(noun, 1)
        of_mods = {o.lemma_.lower() for o in of}
        link = _link(noun, self._frame_triggers, self._modals)
        for pattern in self.patterns.nouns[noun.lemma_.lower()]:
            if pattern.mod and not (mods | of_mods) & pattern.mod:
                continue
            # Source: "Lavrov's conversation", "the US expulsion", else the governing verb's.
            anti = _anti_modifiers(noun)
            own = [c for c in noun.children
                   if c.dep_ in ("compound", "amod", "nmod") and c not in anti
                   and not c.lower_.startswith("anti")
                   or c.dep_ == "poss" and c.pos_ != "PRON"]
            sources = self._armed(noun, self._actors(own, matches, ctx))
            # "sent condolences following the assault in Kabul": an event named in a
            # circumstance is not the subject's.
            circumstance = noun.dep_ == "pobj" and noun.head.lower_ in _CIRCUMSTANCE
            if not sources:
                # "the bombardment by the regime", "air strikes by the coalition", also
                # where "by" hangs off the target ("the shelling of Homs by X") or the
                # copula ("Homs was under siege by X").
                holders = [noun, *(g for c in noun.children if c.dep_ == "prep"
                                   for g in c.children if g.dep_ == "pobj")]
                if noun.dep_ == "pobj" and noun.head.lower_ == "under":
                    holders.append(noun.head.head)
                sources = self._actors([g for h in holders for c in h.children
                                        if c.dep_ == "prep" and c.lower_ == "by"
                                        for g in c.children if g.dep_ == "pobj"],
                                       matches, ctx, subject=True)
            if not sources and link.subject is not None and not link.passive \
                    and not circumstance:
                sources = self._actors([link.subject], matches, ctx, subject=True)
            if not sources:
                continue
            target_heads = [g for c in noun.children
                            if c.dep_ == "prep" and c.lower_ in pattern.prep
                            for g in c.children if g.dep_ == "pobj"]
            if not target_heads and of_mods & pattern.mod:
                target_heads = [g for o in of for c in o.children
                                if c.dep_ == "prep" and c.lower_ in pattern.prep
                                and c.lower_ != "of"
                                for g in c.children if g.dep_ == "pobj"]
            target_heads += anti
            if not target_heads and noun.dep_ == "pobj" and noun.head.lower_ == "under":
                # "Ghouta has been under siege by regime forces", "came under attack"
                target_heads = [c for c in noun.head.head.children if c.dep_ in _SUBJ]
            targets = self._actors(target_heads, matches, ctx, place=True)
            if not targets and target_heads:
                # "strikes on Syrian towns", "a ban on UNICEF operations"
                targets = self._actors(_owners(target_heads), matches, ctx)
            if not targets and not _mutual(pattern, sources):
                continue
            return self._combine(pattern, sources, targets, noun, link, noun_rule=True)
        return []

    # -- headlines -------------------------------------------------------------------------

    def _code_headline(self, sent: Span, matches: dict[int, Match],
                       ctx: StoryContext) -> list[tuple]:
        """A title-case headline the small model cannot parse ("Syrian Coalition Condemns
        Massacre by Russian Air Force", "Regime Intensify Attacks on Damascus"): a word
        with verb patterns between an actor before it and one after it, read in word
        order."""
        doc = sent.doc
        for tok in sent:
            if tok.i == sent.start or not tok.is_alpha:
                continue
            patterns = next((self.patterns.verbs[g] for g in word_forms(tok.lower_)
                             if g in self.patterns.verbs), [])
            source = self._actor_before(tok, sent, matches, ctx)
            if not patterns or source is None:
                continue
            for pattern in patterns:
                if pattern.petrarch is not None or pattern.fallback or pattern.prt \
                        or pattern.xcomp or pattern.mod:
                    continue
                start = tok.i + 1
                if pattern.obj:
                    obj = doc[start] if start < sent.end else None
                    if obj is None or not set(word_forms(obj.lower_)) & pattern.obj:
                        continue
                    start += 1
                if pattern.prep:
                    prep = next((t for t in doc[start:sent.end] if t.lower_ in pattern.prep),
                                None)
                    if prep is None:
                        continue
                    start = prep.i + 1
                target = self._actor_after(start, sent, matches, ctx)
                if target is None:
                    continue
                link = _Link(None, False, [], False, 0, tok)
                return self._combine(pattern, [source], [target], tok, link, noun_rule=True)
        return []

    def _actor_before(self, tok: Token, sent: Span, matches: dict[int, Match],
                      ctx: StoryContext) -> Actor | None:
        """The actor named right before a headline's verb, with only capitalised words
        between ("Assad Regime & Allies Intensify", not "ISIS Begins to Kill")."""
        for i in range(tok.i - 1, max(sent.start, tok.i - 4) - 1, -1):
            if i in matches:
                return self._match_actor(tok.doc, i, matches, ctx, subject=True)
            word = tok.doc[i].text
            if not (word[:1].isupper() or word in ("&", ",", "and")):
                return None
        return None

    def _match_actor(self, doc: Doc, i: int, matches: dict[int, Match], ctx: StoryContext,
                     subject: bool = False) -> Actor | None:
        """The actor of the dictionary name at token ``i``, labelled with that name."""
        m = matches[i]
        actor = self.resolver.resolve(doc[m.end - 1], matches, ctx, subject=subject)
        return replace(actor, text=doc[m.start:m.end].text) if actor is not None else None

    def _actor_after(self, start: int, sent: Span, matches: dict[int, Match],
                     ctx: StoryContext) -> Actor | None:
        """The first actor or place named from ``start`` on."""
        for tok in sent.doc[start:sent.end]:
            if tok.i in matches:
                actor = self._match_actor(tok.doc, tok.i, matches, ctx)
                if actor is not None:
                    return actor
            elif tok.pos_ == "PROPN":
                actor = self._place_actor(tok)
                if actor is not None:
                    return actor
        return None

    # -- shared ----------------------------------------------------------------------------

    def _actors(
        self, heads: list[Token], matches: dict[int, Match], ctx: StoryContext,
        subject: bool = False, place: bool = False,
    ) -> list[Actor]:
        """The actors of argument heads. A ``subject`` that is an instrument ("Russian air
        strikes") stands for its actor; a ``place`` argument with no actor (a city,
        "civilians in Aleppo") stands for the country of its place."""
        actors: list[Actor] = []
        for head in heads:
            # "Mordor, the Shire, Fornost and Bree" is often parsed as a name with an
            # apposition that heads the rest of the list: those are actors too.
            listed = [t for a in head.children if a.dep_ == "appos" and a.pos_ == "PROPN"
                      and a.conjuncts for t in (a, *a.conjuncts)]
            listed += [t for t in _misparsed_list(head, matches) if t not in listed]
            for tok in (head, *head.conjuncts, *listed):
                if tok.lemma_.lower() in self.arguments.quantities and tok.i not in matches:
                    # "a total of 20 rockets", "dozens of civilians"
                    of = [g for c in tok.children if c.dep_ == "prep" and c.lower_ == "of"
                          for g in c.children if g.dep_ == "pobj"]
                    tok = of[0] if of else tok  # noqa: PLW2901
                if tok.lower_ in _RELATIVE and tok.head.dep_ == "relcl":
                    tok = tok.head.head  # noqa: PLW2901 - "the country that attacked" -> country
                actor = self._speakers.get(tok.i) or self.resolver.resolve(
                    tok, matches, ctx, subject=subject)
                if actor is None or actor.country is None:
                    actor = self._speaker_owned(tok, matches) or actor
                if actor is None and tok is not head and actors:
                    actor = _shared_country(tok, actors[-1], matches)
                if actor is not None and subject:
                    actor = self._armed(tok, [actor])[0]  # "US-led coalition airstrikes"
                if actor is None and subject and tok.lemma_.lower() in self.arguments.instruments:
                    for part in self._instrument_actors(tok, matches, ctx):
                        if all(a.code != part.code for a in actors):
                            actors.append(part)
                    continue
                if actor is None and place:
                    actor = self._place_actor(tok) or self._story_site(tok, ctx)
                if actor is not None and tok in listed and any(
                        a.country == actor.country for a in actors):
                    continue  # "Russian troops and police": RUS is already in RUSMIL
                for part in (*_parts(actor), *self._of_list(tok, actor, matches, ctx)):
                    if all(a.code != part.code for a in actors):
                        actors.append(part)
        return actors

    def _speaker_owned(self, tok: Token, matches: dict[int, Match]) -> Actor | None:
        """"our troops", "our country" in a quotation: the speaker's country, with the
        noun's sector."""
        owner = next((self._speakers[c.i] for c in tok.children
                      if c.dep_ == "poss" and c.i in self._speakers), None)
        if owner is None or owner.country is None:
            return None
        sector = _sector_of(matches.get(tok.i))
        if sector is None and tok.lemma_.lower() not in self.speech.own_country:
            return None
        return replace(owner, code=owner.country + (sector or ""), sector=sector,
                       text=tok.doc[tok.left_edge.i:tok.i + 1].text, start=tok.left_edge.i,
                       end=tok.i + 1, person=False)

    def _instrument_actors(self, tok: Token, matches: dict[int, Match],
                           ctx: StoryContext) -> list[Actor]:
        """The actor of an instrument noun: its modifiers ("Russian air strikes", "regime
        shelling"), else its "by" phrase or the agent of its participle ("rockets fired by
        Russian jets")."""
        anti = _anti_modifiers(tok)
        mods = [c for c in tok.children if c.dep_ in ("amod", "compound", "nmod", "poss")
                and c.pos_ != "PRON" and c not in anti and not c.lower_.startswith("anti")]
        found = self._armed(tok, self._actors(mods, matches, ctx, subject=True))
        if found:
            return found
        agents = [g for c in tok.children if c.dep_ == "prep" and c.lower_ == "by"
                  for g in c.children if g.dep_ == "pobj"]
        # ... or of its relative clause ("the attack that was carried out by X").
        agents += [g for a in tok.children if a.dep_ == "acl" and a.tag_ == "VBN"
                   or a.dep_ == "relcl"
                   for c in a.children if c.dep_ == "agent"
                   for g in c.children if g.dep_ == "pobj"]
        return self._actors(agents, matches, ctx, subject=True)

    def _armed(self, tok: Token, actors: list[Actor]) -> list[Actor]:
        """The countries named on a weapon only armed forces use are their militaries
        ("Syrian air strikes" -> SYRMIL, so strikes on a Syrian town are an event)."""
        if tok.lemma_.lower() not in self.arguments.military:
            return actors
        return [replace(a, code=a.country + "MIL", sector="MIL")
                if a.country and a.code == a.country else a for a in actors]

    def _place_actor(self, tok: Token) -> Actor | None:
        """A place that stands for its country as a target ("shelled Aleppo", "strikes on
        the town of Douma"), or unnamed victims or a site in a place ("civilians in
        Aleppo", "a hospital in Idlib"): the place's country."""
        if self._places is None:
            return None
        lemma = tok.lemma_.lower()
        m = self._place_at.get(tok.i)
        if m is None and tok.text[:1].isupper() and (
                tok.pos_ == "PROPN" or tok.dep_ in _SUBJ + _PASSIVE_SUBJ):
            # "Homs was shelled", "the shelling of Homs": a subject, or the object of
            # "of", is no place mention of its own.
            start = min((c.i for c in tok.children if c.dep_ == "compound"
                         and c.pos_ == "PROPN"), default=tok.i)
            text = tok.doc[start:tok.i + 1].text
            m = Mention(text, fold(text), -1, start, tok.i + 1, tok.doc[start].idx,
                        tok.idx + len(tok.text), "prep", tok.i, 0, label=tok.ent_type_)
        candidates = [m] if m is not None else []
        if m is not None and m.text.endswith("s") and len(tok.text) > 4:
            # A possessive written without its apostrophe ("Idlibs countryside").
            bare = m.text[:-1]
            candidates.append(replace(m, text=bare, key=fold(bare)))
        if lemma in self.arguments.victims or lemma in self.arguments.sites:
            # The place named in the phrase, else the place of the clause.
            span = range(tok.left_edge.i, tok.right_edge.i + 1)
            candidates += [p for p in self._sentence_places
                           if p.start in span and p is not m]
            candidates += sorted((p for p in self._sentence_places
                                  if p.tier < 2 and p.start not in span and p is not m),
                                 key=lambda p: p.tier)
        for mention in candidates:
            loc = self._places.resolve(mention)
            if loc is not None and loc.country:
                return Actor(code=loc.country, country=loc.country, sector=None,
                             text=mention.text, start=mention.start, end=mention.end,
                             via="place")
        if lemma in self.arguments.victims or lemma in self.arguments.sites:
            # "parts of Darfur", "villages of Idlib": the place after "of".
            for owner in _of_chain(tok, 1):
                if owner.pos_ == "PROPN":
                    return self._place_actor(owner)
        return None

    def _story_site(self, tok: Token, ctx: StoryContext) -> Actor | None:
        """A site or unnamed victims in no place the gazetteer knows ("bombed a market in
        the town of Atareb"), in a story clearly about one country: that country."""
        lemma = tok.lemma_.lower()
        if lemma not in self.arguments.sites and lemma not in self.arguments.victims:
            return None
        country = self.resolver.story_country_of(tok.doc, ctx)
        if country is None:
            return None
        return Actor(code=country, country=country, sector=None, text=tok.text,
                     start=tok.i, end=tok.i + 1, via="story")

    def _of_list(self, head: Token, actor: Actor | None, matches: dict[int, Match],
                 ctx: StoryContext) -> list[Actor]:
        """"The ambassadors of A, B and C": one actor per country after the first."""
        if actor is None or not actor.sector or actor.country is None:
            return []
        out = []
        for prep in head.children:
            if prep.dep_ != "prep" or prep.lower_ not in ("of", "from"):
                continue
            for pobj in prep.children:
                if pobj.dep_ != "pobj":
                    continue
                for conj in pobj.conjuncts:
                    other = self.resolver.resolve(conj, matches, ctx)
                    if other is not None and other.country and other.sector is None:
                        out.append(replace(actor, code=other.country + actor.sector,
                                           country=other.country, text=other.text,
                                           start=other.start, end=other.end))
        return out

    def _combine(
        self, pattern: Pattern, sources: list[Actor], targets: list[Actor], pred: Token,
        link: _Link, noun_rule: bool = False,
    ) -> list[tuple]:
        speaker = any(s.via == "speaker" for s in sources)
        code = self._modal_code(pattern.code, link, speaker)
        if code is None:
            return []
        confidence = 0.9 - (0.1 if noun_rule else 0.0) - 0.05 * min(link.hops, 3)
        if targets:
            pairs = [(s, t) for s in sources for t in targets]
            # "A met B" goes both ways; "A expressed readiness to meet B" is A's alone, and
            # so are "A held talks with B", "A signed an agreement with B": a light verb's
            # event noun with its partner in a "with" phrase goes in the grammatical
            # direction.
            if pattern.recip and not link.frames and not pattern.obj:
                pairs += [(t, s) for s, t in pairs]
        else:
            # "A and B agreed to maintain contact": each toward the other.
            pairs = [(s, t) for s in sources for t in sources if s is not t]
        return [
            (pattern, s, t, code, pred, link.negated,
             confidence - (0.2 if s.via or t.via else 0.0))
            for s, t in pairs
        ]

    def _modal_code(self, code: str, link: _Link, speaker: bool = False) -> str | None:
        """The code of an event under its nearest frame; None when the frame drops it. A
        ``speaker``'s own future act is a pledge first (a hostile one a threat)."""
        if not link.frames:
            return code
        trigger = link.frames[0].lemma_.lower()
        frames = [f for f in self.frames if trigger in f.triggers]
        if speaker and link.frames[0].lower_ in _FUTURE:
            frames = [*self._pledge, *frames]
        for frame in frames:
            new = frame.apply(code)
            if new is not None:
                return new
        return None


# Travel within one's own country is no visit ("the jets landed in Jaipur"), though a
# place stands for its own country in other events ("the army shelled Aleppo").
_DOMESTIC_PLACE_DROP = {"04"}
# Damage done in an attack is part of the attack ("strikes killed 26 and damaged a
# hospital" is one event).
_ABSORBED = {"171": ("18", "19", "20"), "1712": ("18", "19", "20")}


def _prune(found: list[tuple]) -> list[tuple]:
    """Drop coded events that say less than another of the same sentence: a place target
    in its own country in a visit, damage within an attack, a second event of a root
    between the same actors, and an event whose actors are less specific versions of
    another's with the same root ("SOM" of "SOMMIL")."""
    def root(code: str) -> str:
        return code[:2]

    kept = []
    roots: set[tuple[str, str, str]] = set()
    for f in found:
        _, source, target, code, *_ = f
        key = (source.code, target.code, root(code))
        if key in roots:
            continue  # "attacked a base and killed 26 soldiers" is one 19 event
        if (target.via == "place" and target.country == source.country
                and root(code) in _DOMESTIC_PLACE_DROP):
            continue
        if code in _ABSORBED and any(
                o[1].country == source.country and o[2].country == target.country
                and root(o[3]) in _ABSORBED[code] for o in found):
            continue
        if any(o is not f and root(o[3]) == root(code)
               and o[1].code.startswith(source.code) and o[2].code.startswith(target.code)
               and (o[1].code, o[2].code) != (source.code, target.code) for o in found):
            continue
        kept.append(f)
        roots.add(key)
    return kept


_LIST_DEPS = ("nmod", "compound", "conj", "appos", "amod")


def _misparsed_list(head: Token, matches: dict[int, Match]) -> list[Token]:
    """Names coordinated with the head but parsed as its modifiers ("Fornost and the evil
    awful Gondor": Fornost an nmod of Gondor): when the head's phrase (without its
    prepositional phrases) has a coordination, each other name in it."""
    phrase, stack = [], [head]
    while stack:
        tok = stack.pop()
        for c in tok.children:
            if c.dep_ in _LIST_DEPS or c.dep_ == "cc":
                phrase.append(c)
                stack.append(c)
    if not any(t.dep_ == "cc" for t in phrase):
        return []
    out, seen = [], set()
    conjuncts = {t.i for t in head.conjuncts}
    for t in sorted(phrase, key=lambda t: t.i):
        m = matches.get(t.i)
        if m is None or t.pos_ not in ("PROPN", "NOUN") or id(m) in seen or t.i in conjuncts:
            continue
        if head.i in range(m.start, m.end) or all(e.kind == "sector" for e in m.entries):
            continue
        seen.add(id(m))
        out.append(_last(t, m))
    return out


def _last(tok: Token, m: Match) -> Token:
    """The last token of a dictionary match (the head of a name such as "Minas Tirith")."""
    return tok.doc[m.end - 1]


def _sector_of(m: Match | None) -> str | None:
    """The sector a dictionary match gives as a sector noun ("troops" MIL), if any."""
    if m is None:
        return None
    return next((e.sector for e in m.entries if e.kind == SECTOR and e.sector), None)


def _shared_country(tok: Token, before: Actor, matches: dict[int, Match]) -> Actor | None:
    """"Danish media and government": a sector noun coordinated after an actor shares its
    country (and has no modifiers of its own)."""
    m = matches.get(tok.i)
    if m is None or before.country is None or any(
            c.dep_ in ("amod", "compound", "poss", "nmod") for c in tok.children):
        return None
    sector = _sector_of(m)
    if sector is None:
        return None
    return replace(before, code=before.country + sector, sector=sector, text=tok.text,
                   start=tok.i, end=tok.i + 1, person=False, via="")


def _owners(heads: list[Token]) -> list[Token]:
    """The possessors and name modifiers of nouns ("UNICEF operations", "Iran's banks",
    "Japanese banks")."""
    return [c for h in heads if h.pos_ in ("NOUN", "PROPN") for c in h.children
            if c.dep_ in ("poss", "compound", "nmod") and c.pos_ == "PROPN"
            or c.dep_ == "amod" and c.pos_ in ("ADJ", "PROPN") and c.text[:1].isupper()]


def _of_chain(obj: Token | None, depth: int = 2) -> list[Token]:
    """Nouns an object governs through "of" ("the resumption of ties"), nearest first."""
    out: list[Token] = []
    tok = obj
    for _ in range(depth):
        if tok is None:
            break
        nxt = [g for c in tok.children if c.dep_ == "prep" and c.lower_ == "of"
               for g in c.children if g.dep_ == "pobj" and g.pos_ in ("NOUN", "PROPN")]
        tok = nxt[0] if nxt else None
        if tok is not None:
            out.append(tok)
    return out


def _parts(actor: Actor | None) -> list[Actor]:
    """A compound dictionary code ("VLR/OSM", several actors named as one) as its actors;
    an actor with others of its sector ("Russian and Chinese troops") with them."""
    if actor is None:
        return []
    if "/" not in actor.code:
        return [actor, *actor.others]
    return [replace(actor, code=part, country=part if len(part) == 3 else None, sector=None)
            for part in actor.code.split("/") if part]


def _lemma_in(tok: Token, lemmas: frozenset[str]) -> bool:
    text = tok.lower_.replace("-", "")
    if tok.lemma_.lower() in lemmas or text in lemmas or text.rstrip("s") in lemmas:
        return True
    # "declared a state of emergency": the noun after "state of"; "a curfew order".
    if tok.lemma_.lower() == "order":
        return any(c.dep_ == "compound" and _lemma_in(c, lemmas) for c in tok.children)
    return tok.lemma_.lower() == "state" and any(_lemma_in(o, lemmas) for o in _of_chain(tok, 1))


def _modifiers(tok: Token) -> set[str]:
    return {c.lemma_.lower() for c in tok.children if c.dep_ in ("compound", "amod", "nmod")}


def _mutual(pattern: Pattern, sources: list[Actor]) -> bool:
    """A reciprocal pattern with no target, and several subjects: "A and B met"."""
    return pattern.recip and len(sources) > 1


def _anti_modifiers(noun: Token) -> list[Token]:
    """"anti-Russia sanctions": the modifier after "anti" is a target, not the source."""
    mods = [c for c in noun.children if c.dep_ in ("compound", "amod", "nmod") and c.i < noun.i]
    out = []
    for prev, tok in zip(mods, mods[1:], strict=False):
        if tok.text == "-":
            continue
        if prev.lower_ in ("anti", "anti-") or (prev.text == "-" and prev.i > 0
                                                 and prev.doc[prev.i - 1].lower_ == "anti"):
            out.append(tok)
    return out


def _with_object(verb: Token) -> Token | None:
    """What a "with" phrase of the verb names: its noun, the object of a clause in it
    ("with what now totals $50 billion"), and through amounts to what they are in ("$1.5
    billion in loan guarantees")."""
    for prep in verb.children:
        if prep.dep_ != "prep" or prep.lower_ != "with":
            continue
        for g in prep.children:
            if g.dep_ == "pcomp":
                g = next((o for o in g.children if o.dep_ == "dobj"), None)  # noqa: PLW2901
            elif g.dep_ != "pobj":
                continue
            if g is None:
                continue
            if g.pos_ == "NUM" or g.lemma_.lower() in ("million", "billion"):
                inner = [p for c in g.children if c.dep_ == "prep" and c.lower_ == "in"
                         for p in c.children if p.dep_ == "pobj"]
                g = inner[0] if inner else g  # noqa: PLW2901
            return g
    return None


def _swallowed_subject(verb: Token) -> Token | None:
    """"In the province of Idlib Nusra Front members kidnapped a priest": without the comma
    the parser reads the subject into the fronted phrase. A finite verb with no subject
    takes the noun that ends a phrase right before it."""
    if verb.tag_ not in ("VBD", "VBZ", "VBP") and not (
            verb.tag_ == "VBN" and any(c.dep_ == "aux" for c in verb.children)):
        return None
    if any(c.dep_ in ("expl", "mark") or c.dep_ == "advmod" and c.tag_ == "WRB"
           for c in verb.children):
        return None
    for prep in verb.children:
        if prep.dep_ != "prep" or prep.i > verb.i:
            continue
        end = prep.right_edge
        if end.pos_ in ("NOUN", "PROPN") and end.dep_ in ("pobj", "conj") and all(
                t.dep_ in ("aux", "advmod", "neg") for t in verb.doc[end.i + 1:verb.i]):
            return end
    return None


def _is_year(tok: Token) -> bool:
    return len(tok.text) == 4 and tok.text.isdigit() and tok.text[:2] in ("19", "20")


def _reduced_passive(tok: Token) -> bool:
    """"staff killed by X", "sanctions imposed on China": a past participle modifying a
    noun, with no subject of its own."""
    return (tok.dep_ == "acl" and tok.tag_ == "VBN" and tok.head.pos_ in ("NOUN", "PROPN")
            and not any(c.dep_ in _SUBJ + _PASSIVE_SUBJ for c in tok.children))


_AERIAL = {"airstrike", "airstrikes", "bombing", "bomb", "sortie", "jet", "warplane",
           "aircraft", "helicopter", "drone", "bomber"}
_NON_MILITARY_BOMBS = {"suicide", "car", "truck", "roadside", "bus", "parcel", "letter"}
_ARTILLERY = {"shelling", "shell", "artillery", "mortar", "barrage", "howitzer"}


def _weapon_code(verb: Token, link: _Link) -> str | None:
    """The code a weapon gives an attack: the subject or the instrument of a passive
    ("Russian air strikes hit", "killed in regime airstrikes")."""
    holders = [verb, *(c for c in verb.children if c.dep_ == "conj" and c.tag_ == "VBN")]
    heads = [link.subject] if link.subject is not None and not link.passive else [
        g for h in holders for c in h.children if c.dep_ in ("agent", "prep")
        and c.lower_ in _INSTRUMENT_PREPS for g in c.children if g.dep_ == "pobj"]
    # "rockets fired by Russian jets": the participle's agent says what fired.
    heads += [g for h in list(heads) for a in h.children if a.dep_ == "acl"
              for c in a.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
    for head in heads:
        lemma = head.lemma_.lower()
        mods = {c.lemma_.lower() for c in head.children if c.dep_ in ("compound", "amod")}
        if lemma in ("bomber", "bombing", "bomb") and mods & _NON_MILITARY_BOMBS:
            return "183"  # "suicide bombers killed 48 people"
        if lemma in _AERIAL or lemma in ("strike", "raid", "attack") and mods & {"air", "aerial"}:
            return "195"
        if lemma in _ARTILLERY:
            return "194"
    return None


def _title_case(sent: Span) -> bool:
    """A headline written in title case: nearly every longer word capitalised."""
    words = [t for t in sent if t.is_alpha and len(t) > 3]
    return len(words) >= 4 and sum(t.text[0].isupper() for t in words) >= 0.8 * len(words)


def _to_infinitive(tok: Token) -> bool:
    """"an initiative to halt the fighting": an infinitive with "to"."""
    return any(c.dep_ == "aux" and c.lower_ == "to" for c in tok.children)


def _infinitival_advcl(tok: Token) -> bool:
    """"call on the US to lift sanctions" parsed with "lift" as an adverbial clause."""
    return tok.dep_ == "advcl" and any(c.dep_ == "aux" and c.lower_ == "to" for c in tok.children)


def _link(pred: Token, triggers: set[str], modals: frozenset[str] = frozenset()) -> _Link:
    """Walk up from a predicate to the subject it has or inherits, noting frames (and
    the ``modals`` of the clauses on the way: "must withdraw") and negation; the future
    tense frames the predicate when nothing else does."""
    link = _walk_up(pred, triggers, modals)
    if not link.frames:
        future = [c for c in pred.children if c.dep_ == "aux" and c.lower_ in _FUTURE]
        if future:
            link.frames = future
    return link


_FUTURE = {"will", "would", "shall", "'ll"}


def _walk_up(pred: Token, triggers: set[str], modals: frozenset[str]) -> _Link:
    frames: list[Token] = []
    negated = False
    if _reduced_passive(pred):
        # "civilians killed by regime airstrikes": a past participle that modifies a noun
        # is a passive whose subject is that noun.
        return _Link(None, True, frames, False, 0, pred)
    tok = prev = pred
    via = ""  # the dependency we came up through
    for hops in range(_MAX_HOPS):
        # A coordinated verb has its own polarity and modality ("rejected X and warned Y").
        if via != "conj" and any(c.dep_ == "neg" or c.dep_ == "mark" and c.lower_ in _CONDITIONAL
                                 for c in tok.children):
            negated = True
        frames += [c for c in tok.children if c.dep_ == "aux" and c.lower_ in modals][:1]
        if (via in _FRAME_LINKS or via in ("advcl", "relcl") and _to_infinitive(prev)) \
                and tok.lemma_.lower() in triggers:
            frames.append(tok)
        if tok.pos_ in ("VERB", "AUX") or tok.i == pred.i:
            subjects = [c for c in tok.children if c.dep_ in _SUBJ]
            if subjects:
                # "warned that it would attack": a complement clause keeps its own subject,
                # but the verb that governs it still frames it.
                if tok.dep_ == "ccomp" and tok.head.lemma_.lower() in triggers:
                    frames.append(tok.head)
                return _Link(subjects[0], False, frames, negated, hops, tok)
            passive = [c for c in tok.children if c.dep_ in _PASSIVE_SUBJ]
            if passive:
                return _Link(None, True, frames, negated, hops, tok)
            swallowed = _swallowed_subject(tok)
            if swallowed is not None:
                return _Link(swallowed, False, frames, negated, hops, tok)
        dep = tok.dep_
        head = tok.head
        if head.i == tok.i or dep not in _UP_LINKS:
            break
        if (dep == "xcomp" or _infinitival_advcl(tok)) and head.lemma_.lower() in _OBJECT_CONTROL:
            # "urged Iran to stop", "called on Iran to stop"
            controllers = [c for c in head.children if c.dep_ == "dobj"] or [
                g for c in head.children if c.dep_ == "prep" and c.lower_ in ("on", "upon")
                for g in c.children if g.dep_ == "pobj"]
            if controllers:
                if any(c.dep_ == "neg" for c in head.children):
                    negated = True
                if head.lemma_.lower() in triggers:
                    frames.append(head)
                return _Link(controllers[0], False, frames, negated, hops + 1, head)
        if dep == "relcl":
            # "the ministry, which announced ...": the relative's antecedent is the subject.
            rel_subj = [c for c in tok.children if c.dep_ in _SUBJ]
            if rel_subj and rel_subj[0].lower_ in _RELATIVE:
                return _Link(head, False, frames, negated, hops, tok)
        via = dep
        prev = tok
        tok = head
    return _Link(None, False, frames, negated, _MAX_HOPS, None)
