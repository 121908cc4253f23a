"""Actor dictionaries: countries, organisations and sector nouns from data files, as a phrase trie.

Countries come from ``pycountry`` (ISO 3166 names and codes) plus ``data/countries.tsv``
(short names, demonyms, capitals and other seats of power); organisations from
``data/organisations.tsv``; national institutions by name (legislatures, ministries,
armed forces, agencies, courts) from ``data/institutions.tsv``; sector nouns and titles
from ``data/sectors.tsv``.
Users extend a dictionary by editing these files or by passing their own files of
the same format, or PETRARCH / TABARI dictionaries (:mod:`dyadwatch.actors.petrarch`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date as Date
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pycountry
import spacy
from spacy.tokenizer import Tokenizer

# Entry kinds. A "capital" is a metonym for the government, "military" and
# "legislature" metonyms for those sectors (the Pentagon, the Duma); an "institution"
# is a national body by name with its own sector (the SBU is UKR + SPY).
COUNTRY, ADJECTIVE, CAPITAL, MILITARY, LEGISLATURE, SECTOR, ORG, PERSON, REGION = (
    "country", "adjective", "capital", "military", "legislature", "sector", "org", "person",
    "region",
)
INSTITUTION = "institution"
METONYM_SECTORS = {CAPITAL: "GOV", MILITARY: "MIL", LEGISLATURE: "LEG"}
# Kinds whose entry names a country and one of its bodies: the entry's sector is the body's.
METONYMS = frozenset({CAPITAL, MILITARY, LEGISLATURE, INSTITUTION})
# The code of a sector entry whose sector goes before the country (PETRARCH's [NGO~]).
PREFIX = "prefix"
# The role of a generic sector head ("spokesman", "official") that takes the sector of
# a sector word among its modifiers ("Defence Ministry spokesman" is MIL).
WEAK = "weak"
_END = "\0"
_PLAIN = re.compile(r"[^\W\d_]+(?: [^\W\d_]+)*")


@dataclass(frozen=True)
class Entry:
    """What a dictionary phrase means."""

    kind: str
    phrase: str
    country: str | None = None
    sector: str | None = None
    code: str | None = None
    valid_from: Date | None = None
    valid_to: Date | None = None
    role: str | None = None

    def valid_on(self, day: Date | None) -> bool:
        if day is None:
            return True
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_to and day > self.valid_to)


@dataclass
class Match:
    """A dictionary phrase found at tokens ``start``..``end`` (exclusive) of a doc."""

    start: int
    end: int
    entries: list[Entry] = field(default_factory=list)


def _data_text(name: str) -> str:
    return resources.files("dyadwatch.actors").joinpath(f"data/{name}").read_text("utf-8")


def _people_texts() -> list[str]:
    folder = resources.files("dyadwatch.actors").joinpath("data/people")
    if not folder.is_dir():
        return []
    return [f.read_text("utf-8") for f in sorted(folder.iterdir(), key=lambda f: f.name)
            if f.name.endswith(".tsv")]


def person_entries(rows: Iterable[dict[str, str]]) -> Iterable[Entry]:
    """One entry per name or alias and term: ``name aliases country sector role start end``."""
    for row in rows:
        country = row["country"]
        org = country if not pycountry.countries.get(alpha_3=country) and len(country) > 3 else None
        for name in [row["name"], *_split(row.get("aliases", ""))]:
            yield Entry(PERSON, name, None if org else country, row.get("sector") or None,
                        org, _date(row.get("start", "")), _date(row.get("end", ""), end=True),
                        row.get("role") or None)


def read_table(text: str) -> list[dict[str, str]]:
    """Rows of a tab-separated data file with ``#`` comment lines and a header."""
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    reader = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


def _split(cell: str) -> list[str]:
    return [p.strip() for p in cell.split("|") if p.strip()]


def _date(cell: str, end: bool = False) -> Date | None:
    """``YYYY-MM-DD``, or ``YYYY-MM`` / ``YYYY`` (the first day, or the last with ``end``)."""
    if not cell:
        return None
    parts = [int(p) for p in cell.split("-")]
    if len(parts) == 3:
        return Date(*parts)
    if len(parts) == 2:
        if not end:
            return Date(parts[0], parts[1], 1)
        nxt = Date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
        return Date.fromordinal(nxt.toordinal() - 1)
    return Date(parts[0], 12, 31) if end else Date(parts[0], 1, 1)


class ActorDictionary:
    """A phrase trie over token texts; :meth:`find` returns the matches in a token sequence."""

    def __init__(self) -> None:
        self._trie: dict = {}
        self._tokenizer: Tokenizer | None = None
        self.size = 0

    def _words(self, phrase: str) -> list[str]:
        # Plain words split on spaces exactly as spaCy's English tokenizer splits them;
        # anything else ("U.S.", "al-Shabaab", "Côte d'Ivoire") goes through the tokenizer.
        if _PLAIN.fullmatch(phrase):
            return phrase.split()
        if self._tokenizer is None:
            self._tokenizer = spacy.blank("en").tokenizer
        return [t.text for t in self._tokenizer(phrase)]

    def _node(self, phrase: str) -> tuple[list[str], dict]:
        words = self._words(phrase)
        while words and words[0].lower() == "the":
            words = words[1:]
        node = self._trie
        for w in words:
            node = node.setdefault(w.lower(), {})
        return words, node

    def add(self, entry: Entry) -> None:
        words, node = self._node(entry.phrase)
        if not words:
            return
        node.setdefault(_END, []).append((tuple(words), entry))
        self.size += 1

    def forget(self, phrase: str) -> None:
        """Drop every meaning the phrase has so far (a user's dictionary redefines it)."""
        words, node = self._node(phrase)
        if words:
            self.size -= len(node.pop(_END, []))

    @staticmethod
    def _case_ok(pattern: Sequence[str], texts: Sequence[str]) -> bool:
        # All-capital aliases (US, UK, UN, EU) match only as written, so "us" is never
        # the USA; capitalised names need a capital letter; lower-case phrases
        # (sector nouns) match in any case.
        for p, t in zip(pattern, texts, strict=True):
            if len(p) > 1 and p.isupper() and p.isalpha() and t != p:
                return False
            if p[:1].isupper() and not t[:1].isupper():
                return False
        return True

    def find(
        self, texts: Sequence[str], lemmas: Sequence[str], day: Date | None = None,
        finals: Sequence[str | None] = (),
    ) -> list[Match]:
        """Longest, left-to-right, non-overlapping matches over parallel token texts/lemmas.

        ``finals`` optionally gives, per token, one more form that may only end a phrase
        (a possessive written without its apostrophe: "Russias" for "Russia's"); it is
        tried only where the token's own forms lead nowhere.
        """
        matches: list[Match] = []
        i, n = 0, len(texts)
        while i < n:
            best: Match | None = None
            # Each path keeps the token texts as matched, for the case check.
            # A path also counts the tokens it matched by another form than the text
            # (lemma, possessive): of two matches of one length, the fewer wins ("the
            # Americas" as written, not "America" by the lemma).
            frontier: list[tuple[dict, int, bool, int]] = [(self._trie, i, False, 0)]
            best_cost = 0
            while frontier:
                node, j, last, cost = frontier.pop()
                end_entries = node.get(_END)
                if end_entries and j > i:
                    ok = [
                        e for pat, e in end_entries
                        if (e.kind == PERSON or e.valid_on(day))
                        and self._case_ok(pat, texts[i:j])
                    ]
                    # A dated entry valid on the day (the Soviet Union in 1985) comes
                    # before the undated one it shares a name with (Moscow).
                    if day is not None:
                        ok.sort(key=lambda e: e.valid_from is None and e.valid_to is None)
                    if ok and (best is None or j > best.end
                               or (j == best.end and cost < best_cost)):
                        best, best_cost = Match(i, j, ok), cost
                if j >= n or last:
                    continue
                text, lemma = texts[j].lower(), lemmas[j].lower()
                grown = False
                for form, extra in ((text, 0), (lemma, 1)):
                    child = node.get(form)
                    if child is not None and (extra == 0 or lemma != text):
                        frontier.append((child, j + 1, False, cost + extra))
                        grown = True
                final = finals[j] if j < len(finals) else None
                if not grown and final:
                    child = node.get(final.lower())
                    if child is not None:
                        frontier.append((child, j + 1, True, cost + 1))
            if best is not None:
                matches.append(best)
                i = best.end
            else:
                i += 1
        return matches


def _country_entries(rows: Iterable[dict[str, str]]) -> Iterable[Entry]:
    seen_iso = set()
    for row in rows:
        iso3 = row["iso3"]
        seen_iso.add(iso3)
        valid_from = _date(row.get("valid_from", ""))
        valid_to = _date(row.get("valid_to", ""), end=True)
        names = set(_split(row.get("names", "")))
        country = pycountry.countries.get(alpha_3=iso3)
        if country is not None:
            for attr in ("name", "official_name", "common_name"):
                value = getattr(country, attr, None)
                if value:
                    names.add(value)
        for name in sorted(names):
            yield Entry(COUNTRY, name, iso3, None, None, valid_from, valid_to)
        for kind, column in (
            (ADJECTIVE, "adjectives"), (CAPITAL, "capitals"),
            (MILITARY, "military"), (LEGISLATURE, "legislature"),
        ):
            for phrase in _split(row.get(column, "")):
                yield Entry(kind, phrase, iso3, METONYM_SECTORS.get(kind), None,
                            valid_from, valid_to)
    # Any ISO country the data file lacks still resolves by its ISO names.
    for country in pycountry.countries:
        if country.alpha_3 not in seen_iso:
            yield Entry(COUNTRY, country.name, country.alpha_3)


def load_dictionary(extra_files: Sequence[Path] = ()) -> ActorDictionary:
    """The bundled actor dictionary, plus user files in the same formats (by file name)."""
    return _load_dictionary(tuple(str(p) for p in extra_files))


@lru_cache(maxsize=4)
def _load_dictionary(extra_files: tuple[str, ...]) -> ActorDictionary:
    from dyadwatch.actors.petrarch import looks_like_petrarch, read_petrarch_file

    d = ActorDictionary()
    tables: dict[str, list[dict[str, str]]] = {
        name: read_table(_data_text(name))
        for name in ("countries.tsv", "organisations.tsv", "institutions.tsv", "sectors.tsv",
                     "regions.tsv")
    }
    tables["people"] = [row for text in _people_texts() for row in read_table(text)]
    user_entries: list[Entry] = []
    for path in extra_files:
        text = Path(path).read_text("utf-8", errors="replace")
        if looks_like_petrarch(Path(path), text):
            user_entries += read_petrarch_file(Path(path))
            continue
        rows = read_table(text)
        kind = ("countries.tsv" if rows and "iso3" in rows[0]
                else "sectors.tsv" if rows and "phrase" in rows[0]
                else "people" if rows and "role" in rows[0]
                else "organisations.tsv" if rows and "code" in rows[0] else "institutions.tsv")
        tables[kind] = tables[kind] + rows
    for entry in _country_entries(tables["countries.tsv"]):
        d.add(entry)
    for row in tables["organisations.tsv"]:
        for name in _split(row["names"]):
            d.add(Entry(ORG, name, row.get("country") or None, row.get("sector") or None,
                        row["code"], _date(row.get("valid_from", "")),
                        _date(row.get("valid_to", ""), end=True)))
    for row in tables["institutions.tsv"]:
        for name in _split(row["names"]):
            d.add(Entry(INSTITUTION, name, row["country"], row["sector"], None,
                        _date(row.get("valid_from", "")),
                        _date(row.get("valid_to", ""), end=True)))
    # A PETRARCH agents file is the whole agent vocabulary, as in PETRARCH.
    if not any(e.kind == SECTOR for e in user_entries):
        for row in tables["sectors.tsv"]:
            d.add(Entry(SECTOR, row["phrase"], None, row.get("sector") or None,
                        role=WEAK if row.get("weak", "").lower() == "yes" else None))
    for entry in person_entries(tables["people"]):
        d.add(entry)
    for row in tables["regions.tsv"]:
        for name in _split(row["names"]):
            d.add(Entry(REGION, name, None, None, row.get("code") or None))
    # A phrase in a PETRARCH dictionary means what that dictionary says, in its order
    # (the first dated code valid on the day wins), not what the bundled files say.
    for phrase in dict.fromkeys(e.phrase for e in user_entries):
        d.forget(phrase)
    for entry in user_entries:
        d.add(entry)
    return d
