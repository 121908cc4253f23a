"""Event patterns (``data/patterns.txt``) and modal frames (``data/modality.yaml``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from dyadwatch.coding.petrarch_verbs import (
    VerbDictionaryError,
    looks_like_verbs,
    read_verbs_file,
)
from dyadwatch.coding.petrarch_verbs import forms as petrarch_forms
from dyadwatch.ontology.cameo import Ontology, load_ontology

_FLAGS = {"recip", "fallback"}
_OPTIONS = {"obj", "prt", "prep", "mod", "xcomp", "id"}


class PatternError(ValueError):
    """A pattern file line that cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class Pattern:
    """One line of the pattern file."""

    code: str
    kind: str
    lemmas: frozenset[str]
    obj: frozenset[str] = frozenset()
    prt: frozenset[str] = frozenset()
    prep: tuple[str, ...] = ()
    mod: frozenset[str] = frozenset()
    xcomp: frozenset[str] = frozenset()
    recip: bool = False
    fallback: bool = False
    rule_id: str = ""
    order: int = 0
    petrarch: Any = None  # a user's PETRARCH verb (coding.petrarch_verbs.VerbEntry)

    @property
    def specificity(self) -> int:
        # The embedded verb says most: "called on X to withdraw" is a call to withdraw
        # (xcomp=withdraw) before it is a call on X (prep=on).
        return sum(bool(x) for x in (self.obj, self.prt, self.prep, self.mod)) + 2 * bool(
            self.xcomp)


@dataclass
class PatternSet:
    """Patterns indexed by predicate lemma, most specific first."""

    verbs: dict[str, list[Pattern]] = field(default_factory=lambda: defaultdict(list))
    nouns: dict[str, list[Pattern]] = field(default_factory=lambda: defaultdict(list))

    def __len__(self) -> int:
        return len({p.rule_id for ps in (*self.verbs.values(), *self.nouns.values()) for p in ps})

    def all(self) -> list[Pattern]:
        seen: dict[str, Pattern] = {}
        for ps in (*self.verbs.values(), *self.nouns.values()):
            for p in ps:
                seen.setdefault(p.rule_id, p)
        return sorted(seen.values(), key=lambda p: p.order)


@dataclass(frozen=True)
class Frame:
    """A modal frame: trigger lemmas and the code map applied to the embedded event."""

    name: str
    triggers: frozenset[str]
    codes: dict[str, str]

    def apply(self, code: str) -> str | None:
        """The code an embedded event gets under this frame; None when it is dropped."""
        for key in (code, code[:3], code[:2], "default"):
            if key in self.codes:
                value = self.codes[key]
                return None if value == "drop" else code if value == "keep" else value
        return None


def _split(value: str) -> frozenset[str]:
    return frozenset(v.strip().lower() for v in value.split("|") if v.strip())


def parse_patterns(
    text: str, source: str, ontology: Ontology, start_order: int = 0
) -> list[Pattern]:
    patterns = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"{source}:{number}"
        fields = line.split()
        if len(fields) < 3:
            raise PatternError(f"{where}: expected CODE KIND LEMMAS [options], got {raw.strip()!r}")
        code, kind, lemmas, *opts = fields
        if code not in ontology:
            raise PatternError(f"{where}: {code!r} is not a CAMEO event code")
        if kind not in ("verb", "noun"):
            raise PatternError(f"{where}: kind must be 'verb' or 'noun', not {kind!r}")
        values: dict[str, str] = {}
        flags = set()
        for opt in opts:
            if "=" in opt:
                key, _, value = opt.partition("=")
                if key not in _OPTIONS:
                    raise PatternError(
                        f"{where}: unknown option {key!r} (known: {sorted(_OPTIONS)})")
                values[key] = value
            elif opt in _FLAGS:
                flags.add(opt)
            else:
                raise PatternError(f"{where}: unknown flag {opt!r} (known: {sorted(_FLAGS)})")
        lemma_set = _split(lemmas)
        first = lemmas.split("|")[0].lower()
        obj = _split(values.get("obj", ""))
        prep = tuple(p.strip().lower() for p in values.get("prep", "").split("|") if p.strip())
        rule_id = values.get("id") or (
            f"{code}:{kind}:{first}"
            + (f"+{values['obj'].split('|')[0].lower()}" if obj else "")
            + (f">{prep[0]}" if prep else "")
            + (f"^{values['xcomp'].split('|')[0]}" if "xcomp" in values else "")
        )
        patterns.append(Pattern(
            code=code, kind=kind, lemmas=lemma_set, obj=obj,
            prt=_split(values.get("prt", "")), prep=prep, mod=_split(values.get("mod", "")),
            xcomp=_split(values.get("xcomp", "")), recip="recip" in flags,
            fallback="fallback" in flags, rule_id=rule_id, order=start_order + number,
        ))
    return patterns


def _bundled(name: str) -> str:
    return resources.files("dyadwatch.coding").joinpath(f"data/{name}").read_text("utf-8")


@lru_cache(maxsize=4)
def load_patterns(extra_files: tuple[str, ...] = ()) -> PatternSet:
    """The bundled patterns, then those of ``extra_files`` (same format)."""
    ontology = load_ontology()
    patterns = parse_patterns(_bundled("patterns.txt"), "patterns.txt", ontology)
    user_verbs: list[Pattern] = []
    for i, path in enumerate(extra_files, start=1):
        text = Path(path).read_text("utf-8", errors="replace")
        if looks_like_verbs(Path(path), text):  # a PETRARCH verb dictionary
            try:
                entries = read_verbs_file(Path(path), ontology)
            except VerbDictionaryError as exc:
                raise PatternError(str(exc)) from None
            user_verbs += [Pattern(e.code or "", "petrarch", frozenset({e.lemma}),
                                   rule_id=f"petrarch:{Path(path).name}:{e.lemma}",
                                   order=i * 100_000 + e.line, petrarch=e) for e in entries]
            continue
        patterns += parse_patterns(text, path, ontology, i * 100_000)
    ps = PatternSet()
    for p in patterns:
        index = ps.verbs if p.kind == "verb" else ps.nouns
        for lemma in p.lemmas:
            index[lemma].append(p)
    for index in (ps.verbs, ps.nouns):
        for lemma in index:
            index[lemma].sort(key=lambda p: (-p.specificity, p.order))
    if user_verbs:
        # A PETRARCH verb dictionary is the whole vocabulary, as in PETRARCH: it replaces
        # dyadwatch's patterns.
        ps = PatternSet()
        for p in user_verbs:
            (lemma,) = p.lemmas
            for form in petrarch_forms(lemma):  # the coder picks the entry (choose())
                ps.verbs[form].append(p)
    return ps


@lru_cache(maxsize=1)
def load_frames() -> list[Frame]:
    """The modal frames, in file order (the first frame that keeps an event wins)."""
    data = yaml.safe_load(_bundled("modality.yaml"))
    ontology = load_ontology()
    frames = []
    for name, spec in data.items():
        codes = {str(k): str(v) for k, v in spec["codes"].items()}
        for value in codes.values():
            if value not in ("keep", "drop") and value not in ontology:
                raise PatternError(f"modality.yaml: frame {name}: {value!r} is not a CAMEO code")
        frames.append(Frame(name, frozenset(t.lower() for t in spec["triggers"]), codes))
    return frames


@dataclass(frozen=True)
class ArgumentNouns:
    """Nouns the coder looks through for an actor (``data/arguments.yaml``)."""

    instruments: frozenset[str]
    military: frozenset[str]
    victims: frozenset[str]
    sites: frozenset[str]
    quantities: frozenset[str]


@lru_cache(maxsize=1)
def load_arguments() -> ArgumentNouns:
    """Instrument, military instrument, victim, site and quantity nouns (lemmas, lower
    case)."""
    data = yaml.safe_load(_bundled("arguments.yaml"))
    return ArgumentNouns(*(frozenset(str(w).lower() for w in data[key])
                           for key in ("instruments", "military", "victims", "sites",
                                       "quantities")))
