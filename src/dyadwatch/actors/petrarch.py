"""Reading PETRARCH / TABARI actor and agent dictionaries into dyadwatch dictionary entries.

Users who have dictionaries in the PETRARCH (TABARI) format pass them with ``--actors``
like the bundled TSV files. Two kinds of file are read:

- **actors** (``.actors`` or ``.txt``): a record is a primary phrase, optional ``+``
  synonym lines and codes in ``[...]``: a default code ``[GON]`` on the phrase's line
  or on an indented line, and dated codes ``[HOBGOV 19950601-19990815]``,
  ``[HOB <950601]`` (up to and including the day), ``[HOBREB >990816]`` (from the day);
  dates are ``YYYYMMDD`` or ``YYMMDD`` (years below 30 are 20YY). The first dated code
  valid on the story's date wins, else the default code; a null code such as ``[---]``
  names something that is never an actor.
- **agents** (``.agents`` or ``.txt``, recognised by the ``~`` in their codes):
  ``PHRASE {PLURALS} [~GOV]`` lines and ``!MARK! = A, B`` substitution sets; an agent
  gives its code as the sector of the actor it heads or modifies ("Arnor cleric" ->
  ``ARNREL``); a prefix agent (``[NGO~]``) goes before the country ("MSF Arnor" ->
  ``NGOARN``).

Words in a phrase are separated by blanks or ``_``; phrases match whole words in any
letter case, except one-word phrases of up to three letters ("UN", "PLO"), which match
only in capitals. ``#``, ``;`` and ``<!-- -->`` start comments. How codes map to entries:
a three-letter code is a country (``GON``: "Gondor's army" becomes ``GONMIL``); a code
of a country and ``GOV``, ``MIL`` or ``LEG`` is a seat of government, the armed forces or
the legislature of that country; any other code is kept whole as an organisation.
Compound codes (``[FRO/BIL/SAM]``) are kept whole; the coder splits them into actors.
A phrase these files define loses its bundled meanings, and an agents file replaces the
bundled sector nouns, as in PETRARCH (:func:`dyadwatch.actors.dictionary.load_dictionary`).

Discard lists and issue files are not actor dictionaries and are refused with a message.
Real dictionaries carry the odd typo (a seven-digit date, ``[~ENV}``): such a line is
skipped with one warning per file naming the first bad line; a file with nothing
readable is refused.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from datetime import date as Date
from pathlib import Path

import pycountry

from dyadwatch.actors.dictionary import (
    CAPITAL,
    COUNTRY,
    LEGISLATURE,
    MILITARY,
    ORG,
    PREFIX,
    REGION,
    SECTOR,
    Entry,
)

_COMMENT_BLOCK = re.compile(r"<!.*?-->", re.S)
_CODE = re.compile(r"\[([^\]]*)\]")
_PLURALS = re.compile(r"\{([^}]*)\}")
_MARKER = re.compile(r"!([A-Za-z0-9_]+)!")
_DATE_RANGE = re.compile(r"^(\d+)\s*-\s*(\d+)$")
# First parts of CAMEO codes that are not countries.
_NON_STATE = {"IGO", "NGO", "NGM", "IMG", "MNC", "UIS", "INT", "REG"}
_HISTORICAL = {"USR", "YUG", "CSK", "DDR", "XKX", "SCG"}
_METONYMS = {"GOV": CAPITAL, "MIL": MILITARY, "LEG": LEGISLATURE}
PETRARCH_SUFFIXES = (".actors", ".agents")


class PetrarchFormatError(ValueError):
    """A PETRARCH dictionary that cannot be read; the message names the file and line."""


class PetrarchWarning(UserWarning):
    """Lines of a PETRARCH dictionary that were skipped (the CLI prints it once, as one
    line; worker processes, which load the same files again, do not)."""


def _report(problems: list[str], source: str, entries: int) -> None:
    if not problems:
        return
    if not entries:
        raise PetrarchFormatError(problems[0])
    warnings.warn(f"{source}: {len(problems)} malformed line(s) skipped, the first: "
                  f"{problems[0]}", PetrarchWarning, stacklevel=3)


@dataclass
class _Record:
    line: int
    phrases: list[str] = field(default_factory=list)
    default: str | None = None
    has_default: bool = False
    dated: list[tuple[str, Date | None, Date | None]] = field(default_factory=list)


def _strip_comments(text: str) -> list[str]:
    # Block comments are blanked out line for line, so line numbers stay right.
    text = _COMMENT_BLOCK.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    out = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].split(";", 1)[0]
        out.append(line.rstrip())
    return out


def looks_like_petrarch(path: Path, text: str) -> bool:
    """Whether a dictionary file is in the PETRARCH format: by its suffix, else by a
    bracketed code on a line that is not a tab-separated table row."""
    if path.suffix.lower() in PETRARCH_SUFFIXES:
        return True
    if path.suffix.lower() == ".tsv":
        return False
    for line in _strip_comments(text):
        if not line.strip():
            continue
        if "\t" in line.strip():
            return False
        if _CODE.search(line) or line.lstrip().startswith(("+", "!", "<ISSUE")):
            return True
    return False


def read_petrarch_file(path: Path) -> list[Entry]:
    """The dictionary entries of a PETRARCH actors or agents file."""
    text = path.read_text("utf-8", errors="replace")
    if re.search(r"<\s*ISSUE\b", text):
        raise PetrarchFormatError(
            f"{path}: a PETRARCH issues file, not an actor dictionary (issue coding is not "
            "supported); pass actor or agent dictionaries only")
    lines = _strip_comments(text)
    codes = [c for line in lines for c in _CODE.findall(line)]
    if not codes:
        raise PetrarchFormatError(
            f"{path}: no [CODE] in the file: not a PETRARCH actor or agent dictionary "
            "(discard lists are not supported)")
    if any("~" in c for c in codes):
        return parse_agents(lines, str(path))
    return parse_actors(lines, str(path))


def _phrase(raw: str) -> str:
    words = [w for w in re.split(r"[\s_]+", raw.strip()) if w]
    if len(words) == 1 and len(words[0]) <= 3 and words[0].isalpha():
        return words[0].upper()  # acronyms match only in capitals ("UN", not "un")
    return " ".join(w.lower() for w in words)


def _date(value: str, where: str) -> Date:
    digits = value.strip()
    if not digits.isdigit() or len(digits) not in (6, 8):
        raise PetrarchFormatError(f"{where}: bad date {value!r} (expected YYYYMMDD or YYMMDD)")
    if len(digits) == 6:
        yy = int(digits[:2])
        digits = f"{2000 + yy if yy < 30 else 1900 + yy}{digits[2:]}"
    try:
        return Date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise PetrarchFormatError(f"{where}: bad date {value!r}") from None


def _restriction(body: str, where: str) -> tuple[str, Date | None, Date | None] | None:
    """``CODE``, ``CODE <D``, ``CODE >D`` or ``CODE D1-D2``; None for a plain code."""
    parts = body.strip().split(None, 1)
    if not parts:
        raise PetrarchFormatError(f"{where}: empty code []")
    if len(parts) == 1:
        return None
    code, cond = parts[0], parts[1].strip()
    if cond.startswith("<"):
        return code, None, _date(cond[1:], where)
    if cond.startswith(">"):
        return code, _date(cond[1:], where), None
    m = _DATE_RANGE.match(cond)
    if m is None:
        raise PetrarchFormatError(f"{where}: bad date restriction {body.strip()!r} "
                                  "(expected <DATE, >DATE or DATE-DATE)")
    return code, _date(m.group(1), where), _date(m.group(2), where)


def parse_actors(lines: list[str], source: str = "<actors>") -> list[Entry]:
    """Entries of an actors dictionary (lines with comments already removed)."""
    records: list[_Record] = []
    problems: list[str] = []
    current: _Record | None = None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            current = _actor_line(line, f"{source}:{number}", number, current, records)
        except _BadLine as exc:
            problems.append(str(exc))
            current = exc.record
        except PetrarchFormatError as exc:
            problems.append(str(exc))
    entries: list[Entry] = []
    for rec in records:
        for phrase in rec.phrases:
            for code, start, end in rec.dated:
                entries.append(_entry(phrase, code, start, end))
            if rec.has_default and rec.default is not None:
                entries.append(_entry(phrase, rec.default, None, None))
    _report(problems, source, len(entries))
    return entries


def _actor_line(line: str, where: str, number: int, current: _Record | None,
                records: list[_Record]) -> _Record:
    """Read one line of an actors file into the record it belongs to; returns that record.
    A bad primary line still starts a record (left out of ``records``), so that its
    synonyms and codes are not taken for the record above."""
    stripped = line.strip()
    phrase_part = _CODE.sub(" ", stripped).strip()
    new = False
    if stripped.startswith("+"):
        if current is None:
            raise PetrarchFormatError(f"{where}: a '+' synonym before any actor phrase")
        phrase_part = phrase_part[1:]
    elif line[:1].isspace() and stripped.startswith("[") and current is not None:
        phrase_part = ""  # an indented code line belongs to the record above
    elif phrase_part:
        new = True
    if current is None and not new:
        raise PetrarchFormatError(f"{where}: a code before any actor phrase")
    record = _Record(number) if new else current
    assert record is not None
    try:
        if "[" in phrase_part or "]" in phrase_part:
            raise PetrarchFormatError(f"{where}: unbalanced brackets in {stripped!r}")
        parsed = [(body, _restriction(body, where)) for body in _CODE.findall(stripped)]
    except PetrarchFormatError as exc:
        raise _BadLine(str(exc), record) from None
    if new:
        records.append(record)
    if phrase_part:
        record.phrases.append(_phrase(phrase_part))
    for body, dated in parsed:
        if dated is None:
            record.default, record.has_default = body.strip(), True
        else:
            record.dated.append(dated)
    return record


class _BadLine(PetrarchFormatError):
    def __init__(self, message: str, record: _Record) -> None:
        super().__init__(message)
        self.record = record


def _is_country(code: str) -> bool:
    return code in _HISTORICAL or pycountry.countries.get(alpha_3=code) is not None


def _entry(phrase: str, code: str, start: Date | None, end: Date | None) -> Entry:
    code = code.strip().upper()
    if not any(ch.isalnum() for ch in code):
        return Entry(REGION, phrase, valid_from=start, valid_to=end)  # null code: no actor
    if len(code) == 3 and code.isalpha():
        return Entry(COUNTRY, phrase, code, None, None, start, end)
    head, rest = code[:3], code[3:]
    if "/" not in code and head not in _NON_STATE and rest in _METONYMS:
        return Entry(_METONYMS[rest], phrase, head, rest, None, start, end)
    country = head if "/" not in code and _is_country(head) else None
    return Entry(ORG, phrase, country, None, code, start, end)


def parse_agents(lines: list[str], source: str = "<agents>") -> list[Entry]:
    """Sector entries of an agents dictionary (lines with comments already removed)."""
    markers: dict[str, list[str]] = {}
    entries: list[Entry] = []
    problems: list[str] = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            try:
                entries += _agent_line(line.strip(), f"{source}:{number}", markers)
            except PetrarchFormatError as exc:
                problems.append(str(exc))
    _report(problems, source, len(entries))
    return entries


def _agent_line(stripped: str, where: str, markers: dict[str, list[str]]) -> list[Entry]:
    """The entries of one agents line (none for a substitution set, which it records)."""
    entries: list[Entry] = []
    mark = re.match(r"^!([A-Za-z0-9_]+)!\s*=\s*(.+)$", stripped)
    if mark:
        markers[mark.group(1).upper()] = [v.strip() for v in mark.group(2).split(",")
                                          if v.strip()]
        return []
    codes = _CODE.findall(stripped)
    if len(codes) != 1:
        raise PetrarchFormatError(f"{where}: expected PHRASE {{PLURALS}} [~CODE], "
                                  f"got {stripped!r}")
    body = codes[0].strip()
    sector = body.replace("~", "").strip().upper()
    prefix = PREFIX if body.endswith("~") else None
    if not sector.isalnum():
        raise PetrarchFormatError(f"{where}: bad agent code [{codes[0]}]")
    rest = _CODE.sub(" ", stripped)
    plurals = _PLURALS.findall(rest)
    phrase = _PLURALS.sub(" ", rest).strip()
    if not phrase:
        raise PetrarchFormatError(f"{where}: an agent code without a phrase")
    forms = [phrase] + [p for group in plurals for p in re.split(r"[\s,]+", group) if p]
    for form in forms:
        for expanded in _expand(form, markers, where):
            entries.append(Entry(SECTOR, _phrase(expanded).lower(), None, sector, prefix))
    return entries


def _expand(phrase: str, markers: dict[str, list[str]], where: str) -> list[str]:
    m = _MARKER.search(phrase)
    if m is None:
        return [phrase]
    name = m.group(1).upper()
    if name not in markers:
        raise PetrarchFormatError(f"{where}: substitution marker !{name}! is not defined "
                                  "above (define it as !NAME! = A, B)")
    out = []
    for value in markers[name]:
        out += _expand(phrase[: m.start()] + value + phrase[m.end():], markers, where)
    return out
