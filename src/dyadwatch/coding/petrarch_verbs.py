"""PETRARCH / TABARI verb dictionaries (``--patterns FILE.verbs``): reading and matching.

A verb dictionary is a series of blocks::

    &SYNSET              a synonym set: "+" lines of words or phrases
    +WORD

    --- NAME [CODE] ---  a block: the default code of its verbs ("---": no event)
    VERB {FORMS} [CODE]  a verb (its own code optional); "+VERB" lines are synonyms
    - WORDS * WORDS [CODE]   a pattern: words before and after the verb ("*")

Pattern words match word forms in any case, as in PETRARCH; ``&NAME`` matches any
phrase of the synset (with regular plurals, unless the set's label or the phrase ends
in ``_``); words joined by ``_`` must be adjacent (``NOT_*``: right before the verb),
words separated by blanks may have other words between them. The markers ``+``
(target), ``$`` (source), ``%`` (compound) and ``^`` (skip a phrase before ``+``) are
places, not words; PETRARCH2's ``(...)``/``{...}`` phrase brackets are read as plain
words and its ``~`` transformations are not read. ``[A:B]`` codes the event A from the
source to the target and B back. A multi-word verb (``CORDON_OFF``, ``WIRE_+TAP``: "+"
marks the verb) needs its other words around the verb; verbs are also found by their
regular forms, since the lemmatiser misses some ("cordoned"). Words before the verb
are looked for in the sentence before it, words after it in the verb's own phrase. The
longest pattern that matches wins, then the file's order; when none does, the verb's
code.

The source is the verb's subject (as for dyadwatch patterns); the target is the first
actor after the verb in its phrase (object, indirect object, a prepositional object or
the subject of a complement clause, not inside another clause with its own subject), as
PETRARCH takes it. A pattern whose code is
null or outside CAMEO matches but codes nothing (dyadwatch events carry CAMEO codes).
A verb dictionary replaces dyadwatch's own patterns (it is the whole vocabulary, as in
PETRARCH); modal frames do not apply to its verbs (PETRARCH dictionaries code such frames
as patterns). With no target after the verb, a compound subject acts toward each other
when the pattern has ``%`` ("A and B agree") or a code that is its own reverse
(``[064:064]``: "A and B renewed ties").
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spacy.tokens import Token

from dyadwatch.actors.petrarch import PetrarchWarning
from dyadwatch.ontology.cameo import Ontology

if TYPE_CHECKING:
    from dyadwatch.coding.patterns import Pattern

# A unit is a set of alternative word sequences; ``adjacent`` ties it to the unit before.
Alternatives = tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Unit:
    alternatives: Alternatives
    adjacent: bool


@dataclass(frozen=True)
class SurfacePattern:
    """One ``- ... * ... [CODE]`` line."""

    before: tuple[Unit, ...]
    after: tuple[Unit, ...]
    code: str | None  # None: matches and codes nothing
    reverse: str | None
    negation: bool  # the pattern itself spells a negation ("NOT *")
    line: int
    compound: bool = False  # "%": a compound subject acting toward each other
    target_at: int | None = None  # "+" after the verb: after this many units
    source_at: int | None = None  # "$" after the verb: the source is there, the target
    #                               the verb's subject ("+ * MONEY $": received money from)
    glued_before: bool = False  # "NOT_*": the words before end right at the verb
    target_skip: int = 0  # "^" before "+": phrases skipped ("* IFTAR IN ^ +")
    glued_after: bool = False  # "*_UPON": the words after start right after it

    @property
    def length(self) -> int:
        return len(self.before) + len(self.after)


@dataclass(frozen=True)
class VerbEntry:
    """A verb's patterns, longest first, and its own code."""

    lemma: str
    code: str | None
    reverse: str | None
    patterns: tuple[SurfacePattern, ...]
    source: str
    line: int
    prefix: tuple[str, ...] = ()  # words right before the verb ("WIRE_+TAP")
    suffix: tuple[str, ...] = ()  # its particle or words right after ("CORDON_OFF")


class VerbDictionaryError(ValueError):
    """A verb dictionary that cannot be read; the message names the file and line."""


_BLOCK = re.compile(r"^---\s*(.*?)\s*(\[[^\]]*\])?\s*(\[[^\]]*\])?\s*---\s*$")
_CODE = re.compile(r"\[([^\]]*)\]")
_NEGATION = {"not", "n't", "never", "no", "neither"}
_MODIFIER_DEPS = ("nmod", "compound", "poss", "amod")
_PARTICLES = {"up", "down", "off", "out", "in", "on", "over", "away", "back"}


def looks_like_verbs(path: Path, text: str) -> bool:
    """A PETRARCH verb dictionary: the ``.verbs`` suffix, or ``--- NAME [CODE] ---`` blocks."""
    if path.suffix.lower() == ".verbs":
        return True
    return re.search(r"^---\s*\S.*\[[^\]]*\].*---\s*$", text, re.M) is not None


def _clean(text: str) -> list[str]:
    """Lines without comments; a line that was only a comment becomes "#" (it does not end
    a synonym set the way a blank line does)."""
    text = re.sub(r"<!.*?-->", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    out = []
    for line in text.splitlines():
        kept = line.split("#", 1)[0].split(";", 1)[0].rstrip()
        out.append("#" if not kept.strip() and line.strip() else kept)
    return out


def _codes(body: str, ontology: Ontology) -> tuple[str | None, str | None]:
    parts = [p.strip() for p in body.split(":")]
    out = [p if p in ontology else None for p in parts]
    return out[0], out[1] if len(out) > 1 else None


def forms(lemma: str) -> list[str]:
    """A verb and its regular inflections, as PETRARCH generates them (the lemmatiser
    can miss rare verbs: "cordoned" is lemmatised "cordone")."""
    out = [lemma, lemma + "s", lemma + "ed", lemma + "ing"]
    if lemma.endswith("e"):
        out += [lemma + "d", lemma[:-1] + "ing"]
    elif lemma.endswith("y"):
        out += [lemma[:-1] + "ies", lemma[:-1] + "ied"]
    elif lemma.endswith(("s", "sh", "ch", "x", "z")):
        out.append(lemma + "es")
    if (len(lemma) <= 4 and len(lemma) >= 3 and lemma[-1] not in "aeiouwxy"
            and lemma[-2] in "aeiou" and lemma[-3] not in "aeiou"):
        out += [lemma + lemma[-1] + "ed", lemma + lemma[-1] + "ing"]  # tapped
    return out


def _lemmas(word: str) -> set[str]:
    """The lemma a headword may stand for ("SOUGHT" is listed as a verb of its own)."""
    w = word.lower()
    out = {w}
    if w.endswith("ied"):
        out.add(w[:-3] + "y")
    elif w.endswith("ed"):
        out |= {w[:-2], w[:-1]}
    elif w.endswith("ing"):
        out |= {w[:-3], w[:-3] + "e"}
    return out


def read_verbs_file(path: Path, ontology: Ontology) -> list[VerbEntry]:
    """The verbs of a PETRARCH verb dictionary."""
    lines = _clean(path.read_text("utf-8", errors="replace"))
    synsets: dict[str, list[str]] = {}
    singular: set[str] = set()
    current_syn: str | None = None
    block_code: tuple[str | None, str | None] = (None, None)
    block_verbs: list[tuple[str, tuple[str | None, str | None], int, tuple[str, ...],
                            tuple[str, ...]]] = []
    block_patterns: list[SurfacePattern] = []
    entries: list[VerbEntry] = []
    problems: list[str] = []
    in_block = False

    def close() -> None:
        ordered = tuple(sorted(block_patterns, key=lambda p: (-p.length, p.line)))
        for lemma, (code, reverse), line, prefix, suffix in block_verbs:
            entries.append(VerbEntry(lemma, code, reverse, ordered, str(path), line,
                                     prefix, suffix))
        block_verbs.clear()
        block_patterns.clear()

    raw_patterns: list[tuple[str, int]] = []
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped == "#" or stripped.startswith("~"):
            continue  # a comment line; "~" transformations (PETRARCH2) are not read
        if not stripped:
            current_syn = None
            continue
        where = f"{path}:{number}"
        if stripped.startswith("&"):
            label = stripped.split()[0][1:].upper()
            current_syn = label.rstrip("_")
            synsets.setdefault(current_syn, [])
            if label.endswith("_"):
                singular.add(current_syn)  # no plurals for this set
            continue
        if stripped.startswith("+") and current_syn is not None:
            synsets[current_syn].append(stripped[1:].strip())
            continue
        current_syn = None
        m = _BLOCK.match(stripped)
        if m:
            close()
            raw_patterns.clear()
            in_block = True
            block_code = _codes(m.group(2)[1:-1], ontology) if m.group(2) else (None, None)
            continue
        if not in_block:
            problems.append(f"{where}: a line outside any --- NAME [CODE] --- block")
            continue
        if stripped.startswith("-"):
            try:
                block_patterns.append(_pattern(stripped[1:], number, where, ontology))
            except VerbDictionaryError as exc:
                problems.append(str(exc))
            raw_patterns.append((stripped, number))
            continue
        head = stripped.lstrip("+")
        codes = _CODE.findall(head)
        word = _CODE.sub(" ", re.sub(r"\{[^}]*\}", " ", head)).split()
        if not word:
            problems.append(f"{where}: expected VERB {{FORMS}} [CODE], got {stripped!r}")
            continue
        # A multi-word verb: "+" marks the verb ("WIRE_+TAP"), else it is the first word.
        parts = [p for p in word[0].lower().split("_") if p and p != "+"]
        at = next((k for k, p in enumerate(parts) if p.startswith("+")), 0)
        parts = [p.lstrip("+") for p in parts]
        code = _codes(codes[0], ontology) if codes else block_code
        for lemma in _lemmas(parts[at]):
            block_verbs.append((lemma, code, number, tuple(parts[:at]), tuple(parts[at + 1:])))
    close()
    # Synsets may be defined after the patterns that use them: resolve names now.
    resolved = [_resolve(e, synsets, frozenset(singular), problems) for e in entries]
    if problems:
        if not resolved:
            raise VerbDictionaryError(problems[0])
        warnings.warn(f"{path}: {len(problems)} line(s) skipped, the first: {problems[0]}",
                      PetrarchWarning, stacklevel=2)
    if not resolved:
        raise VerbDictionaryError(f"{path}: no verbs found (expected --- NAME [CODE] --- "
                                  "blocks of verbs and patterns)")
    return resolved


def _pattern(text: str, number: int, where: str, ontology: Ontology) -> SurfacePattern:
    codes = _CODE.findall(text)
    if not codes:
        raise VerbDictionaryError(f"{where}: a pattern without [CODE]")
    body = re.sub(r"[(){}]", " ", _CODE.sub(" ", text))  # PETRARCH2 phrase brackets
    glued_before, glued_after = bool(re.search(r"_\*", body)), bool(re.search(r"\*_", body))
    tokens = body.replace("*", " * ").replace("+", " + ").replace("$", " $ ").split()
    tokens = [t.strip("_") for t in tokens if t.strip("_")]
    if "*" not in tokens:
        raise VerbDictionaryError(f"{where}: a pattern without the verb's place '*'")
    star = tokens.index("*")
    code, reverse = _codes(codes[0], ontology)
    before = _units(tokens[:star])
    after = _units(tokens[star + 1:])
    words = {w for u in (*before, *after) for alt in u.alternatives for w in alt}
    rest = tokens[star + 1:]
    return SurfacePattern(before, after, code, reverse, bool(words & _NEGATION), number,
                          "%" in tokens, _marker_at(rest, "+"), _marker_at(rest, "$"),
                          glued_before and bool(before), glued_after and bool(after),
                          _skips(rest, "+"))


def _skips(tokens: Sequence[str], marker: str) -> int:
    """How many "^" (skip a phrase) come right before ``marker``."""
    if marker not in tokens:
        return 0
    n, k = 0, tokens.index(marker) - 1
    while k >= 0 and tokens[k] == "^":
        n, k = n + 1, k - 1
    return n


def _marker_at(tokens: Sequence[str], marker: str) -> int | None:
    """How many pattern units come before ``marker`` in ``tokens`` (None: no marker)."""
    if marker not in tokens:
        return None
    return len(_units(tokens[: tokens.index(marker)]))


def _units(tokens: Sequence[str]) -> tuple[Unit, ...]:
    """Pattern words as units; words joined by ``_`` are adjacent (markers are skipped)."""
    units: list[Unit] = []
    for tok in tokens:
        glued = False
        for piece in tok.split("_"):
            if not piece or piece in ("+", "$", "%", "^"):
                continue
            word = "&" + piece[1:].upper() if piece.startswith("&") else piece.lower()
            units.append(Unit(((word,),), glued and bool(units)))
            glued = True
    return tuple(units)


def _resolve(entry: VerbEntry, synsets: dict[str, list[str]], singular: frozenset[str],
             problems: list[str]) -> VerbEntry:
    patterns = []
    for p in entry.patterns:
        try:
            patterns.append(SurfacePattern(
                tuple(_expand(u, synsets, 0, singular) for u in p.before),
                tuple(_expand(u, synsets, 0, singular) for u in p.after),
                p.code, p.reverse, p.negation, p.line, p.compound, p.target_at, p.source_at,
                p.glued_before, p.glued_after, p.target_skip))
        except KeyError as exc:
            problems.append(f"{entry.source}:{p.line}: synset &{exc.args[0]} is not defined")
    return replace(entry, patterns=tuple(patterns))


def _plurals(word: str) -> list[str]:
    """PETRARCH's regular plurals of a synset word."""
    if word.endswith("y"):
        return [word[:-1] + "ies"]
    if word.endswith("ss"):
        return [word + "es"]
    return [word + "s"]


def _expand(unit: Unit, synsets: dict[str, list[str]], depth: int = 0,
            singular: frozenset[str] = frozenset()) -> Unit:
    alts: list[tuple[str, ...]] = []
    for alt in unit.alternatives:
        if len(alt) == 1 and alt[0].startswith("&"):
            name = alt[0][1:]
            if name not in synsets:
                raise KeyError(name)
            for phrase in synsets[name]:
                if phrase.startswith("&") and depth < 3:
                    alts += _expand(Unit(((phrase.upper(),),), False), synsets,
                                    depth + 1, singular).alternatives
                    continue
                words = tuple(w.lower() for w in re.split(r"[\s_]+", phrase.strip()) if w)
                if not words:
                    continue
                alts.append(words)
                if not phrase.strip().endswith("_") and name not in singular:
                    alts += [(*words[:-1], plural) for plural in _plurals(words[-1])]
        else:
            alts.append(alt)
    return Unit(tuple(alts), unit.adjacent)


# -- matching --------------------------------------------------------------------------------

def _word_ok(word: str, tok: Token) -> bool:
    # Pattern words are word forms, as in PETRARCH (synsets carry their plurals).
    return tok.lower_ == word


def _before_ok(p: SurfacePattern, tokens: Sequence[Token]) -> bool:
    """The words before the verb; with "X_*" the last of them ends right at the verb."""
    if not p.glued_before:
        return _match_units(p.before, tokens) is not None
    *rest, last = p.before
    for alt in last.alternatives:
        n = len(alt)
        tail_ok = n <= len(tokens) and all(
            _word_ok(w, t) for w, t in zip(alt, tokens[-n:], strict=True))
        if tail_ok and _match_units(rest, tokens[:-n]) is not None:
            return True
    return False


def _match_units(units: Sequence[Unit], tokens: Sequence[Token],
                 anchored: bool = False) -> list[int] | None:
    """Where each unit ends if the units occur in order in ``tokens`` (adjacent units right
    after the one before; with ``anchored`` the first at the start), else None."""
    pos = 0
    ends: list[int] = []
    for k, unit in enumerate(units):
        found = None
        starts = [pos] if unit.adjacent or anchored and k == 0 else range(pos, len(tokens))
        for start in starts:
            for alt in unit.alternatives:
                end = start + len(alt)
                if end <= len(tokens) and all(_word_ok(w, tokens[start + k])
                                              for k, w in enumerate(alt)):
                    found = end
                    break
            if found is not None:
                break
        if found is None:
            return None
        pos = found
        ends.append(found)
    return ends


@dataclass(frozen=True)
class Hit:
    """A matched pattern and the doc token index where its "+" / "$" places begin."""

    pattern: SurfacePattern
    target_from: int | None
    source_from: int | None


def match(entry: VerbEntry, verb: Token) -> Hit | None:
    """The first (longest) pattern of the verb that matches around it, else None."""
    sent = verb.sent
    before = [t for t in sent if t.i < verb.i]
    after = [t for t in verb.subtree if t.i > verb.i]
    for p in entry.patterns:
        if not _before_ok(p, before):
            continue
        ends = _match_units(p.after, after, anchored=p.glued_after)
        if ends is None:
            continue

        def place(at: int | None, ends: list[int] = ends) -> int | None:
            if at is None:
                return None
            return verb.i + 1 if at == 0 else after[ends[at - 1] - 1].i + 1

        return Hit(p, place(p.target_at), place(p.source_at))
    return None


def choose(verb: Token, entries: Sequence[VerbEntry]) -> VerbEntry | None:
    """The verb's entry: a multi-word verb whose other words are around it ("cordoned
    off", "wire tapped"), else the plain verb (the first one listed)."""
    doc = verb.doc
    prts = {c.lower_ for c in verb.children if c.dep_ == "prt"}
    best: VerbEntry | None = None
    for e in entries:
        n = len(e.prefix)
        if n and (verb.i < n or [t.lower_ for t in doc[verb.i - n: verb.i]] != list(e.prefix)):
            continue
        if e.suffix:
            following = [t.lower_ for t in doc[verb.i + 1: verb.i + 1 + len(e.suffix)]]
            if following != list(e.suffix) and not (len(e.suffix) == 1 and e.suffix[0] in prts):
                continue
        if best is None or len(e.prefix) + len(e.suffix) > len(best.prefix) + len(best.suffix):
            best = e
    return best


def target_heads(verb: Token) -> list[Token]:
    """Nouns after the verb in its own phrase, in order, outside clauses with a subject."""
    out, modifiers = [], []
    for tok in verb.subtree:
        if tok.i <= verb.i or tok.pos_ not in ("NOUN", "PROPN", "PRON", "ADJ"):
            continue
        if tok.dep_ in ("nsubj", "nsubjpass") and tok.head.dep_ == "ccomp" \
                and tok.head.head.i == verb.i:
            out.append(tok)  # "allowed that X is ...": the clause's subject
            continue
        if tok.dep_ in _MODIFIER_DEPS and tok.pos_ in ("PROPN", "ADJ"):
            modifiers.append(tok)  # last resort: a name inside a phrase that is no actor
            continue
        if tok.dep_ not in ("dobj", "dative", "pobj", "attr", "oprd", "appos", "conj"):
            continue
        node, inside = tok.head, False
        while node.i != verb.i:
            if node.dep_ in ("nsubj", "nsubjpass") and node.head.dep_ == "ccomp" \
                    and node.head.head.i == verb.i:
                break  # inside the complement clause's subject ("said that an embargo
                #        against the Mordor police ...")
            if node.pos_ in ("VERB", "AUX") and any(
                    c.dep_ in ("nsubj", "nsubjpass") for c in node.children):
                inside = True
                break
            node = node.head
        if not inside:
            out.append(tok)
    return out + modifiers


def code_verb(coder: Any, verb: Token, pattern: Pattern, matches: dict, ctx: Any) -> list[tuple]:
    """Events of a verb from a user's PETRARCH dictionary, in the coder's tuple form."""
    from dyadwatch.coding.coder import _link

    # A form listed as a headword of its own ("LEFT" besides "LEAVE") has its own meaning.
    verbs = coder.patterns.verbs
    key = verb.lower_ if verb.lower_ in verbs else verb.lemma_.lower()
    chosen = choose(verb, [p.petrarch for p in verbs.get(key, []) if p.petrarch])
    if chosen is None:
        return []
    entry = chosen
    found = match(entry, verb)
    hit = found.pattern if found else None
    code, reverse = (hit.code, hit.reverse) if hit else (entry.code, entry.reverse)
    if code is None:
        return []
    link = _link(verb, set())
    if link.passive:
        source_heads = [g for c in verb.children if c.dep_ == "agent"
                        for g in c.children if g.dep_ == "pobj"]
    else:
        source_heads = [link.subject] if link.subject is not None else []
    sources = coder._actors(source_heads, matches, ctx, subject=True)
    if not sources and link.verb is not None and not link.passive:
        # "Old foes Gondor and Osgiliath renewed ...": a misparse with two subjects.
        others = [c for c in link.verb.children if c.dep_ == "nsubj" and c is not link.subject]
        sources = coder._actors(others, matches, ctx, subject=True)
    # "Lawmakers and officials in Fornost": an agent located in a country, as PETRARCH
    # reads it (dyadwatch's own patterns do not: "refugees in Turkey" are not Turkish).
    sources += [a for a in _located(source_heads, coder, matches, ctx)
                if all(a.code != b.code for b in sources)]
    if not sources:
        # "Ithilen's militia vowed ...": the actor inside a subject that names none.
        sources = _first([m for h in source_heads for m in h.children
                          if m.dep_ in _MODIFIER_DEPS and m.pos_ in ("PROPN", "ADJ")],
                         coder, matches, ctx)
    if not sources:
        return []
    heads = []
    if link.passive and link.verb is not None and link.verb.i == verb.i:
        heads = [c for c in verb.children if c.dep_ == "nsubjpass"]
    after = target_heads(verb)
    if found and found.source_from is not None:
        # "+ * MONEY $": "A received money from B" is B's act toward A.
        targets = sources
        sources = _first([h for h in after if h.i >= found.source_from], coder, matches, ctx)
    else:
        if found and found.target_from is not None:
            after = [h for h in after if h.i >= found.target_from]
            after = _skip_phrases(after, found.pattern.target_skip)
        targets = _first(heads + after, coder, matches, ctx)
    if not sources:
        return []
    # "A and B agree" ("%"), "A and B renewed ties" (a code that is its own reverse).
    mutual = (not targets and len(sources) > 1
              and (hit is not None and hit.compound or reverse is not None and reverse == code))
    if not targets and not mutual:
        return []
    rule = replace(pattern, code=code,
                   rule_id=f"{pattern.rule_id}:{hit.line}" if hit else pattern.rule_id)
    negated = link.negated and not (hit and hit.negation)
    confidence = 0.85 - 0.05 * min(link.hops, 3)
    if mutual:  # "A and B agree": each toward the other
        return [(rule, s, t, code, verb, negated, confidence)
                for s in sources for t in sources if s is not t]
    out = [(rule, s, t, code, verb, negated, confidence) for s in sources for t in targets]
    if reverse:
        back = replace(rule, code=reverse)
        out += [(back, t, s, reverse, verb, negated, confidence)
                for s in sources for t in targets]
    return out


def _located(heads: list[Token], coder: Any, matches: dict, ctx: Any) -> list:
    """Agents with no country of their own and an "in" phrase naming one (shared by the
    agents coordinated with them): one actor per country."""
    out = []
    for head in heads:
        group = [head, *head.conjuncts]
        places = [g for t in group for p in t.children if p.dep_ == "prep" and p.lower_ == "in"
                  for g in p.children if g.dep_ == "pobj"]
        countries = [a for g in places for a in coder._actors([g], matches, ctx)
                     if a.country and not a.sector]
        for tok in group:
            m = matches.get(tok.i)
            sector = m and next((e.sector for e in m.entries
                                 if e.kind == "sector" and e.sector and e.code is None), None)
            if not sector or coder.resolver.resolve(tok, matches, ctx) is not None:
                continue
            out += [replace(c, code=c.country + sector, sector=sector, text=tok.text,
                            start=tok.i, end=tok.i + 1) for c in countries]
    return out


def _skip_phrases(heads: list[Token], n: int) -> list[Token]:
    """Drop the first ``n`` candidate heads ("^" skips a phrase)."""
    return heads[n:]


def _first(heads: list[Token], coder: Any, matches: dict, ctx: Any) -> list:
    """The actors of the first head that resolves (with its conjuncts)."""
    for head in heads:
        actors = coder._actors([head], matches, ctx)
        if actors:
            return actors
    return []
