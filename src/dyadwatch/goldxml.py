"""Reading PETRARCH validation XML (``<Validation><Sentences><Sentence>...``) as gold lines.

Each ``<Sentence id date category sentence>`` holds a ``<Text>``, a ``<Parse>`` (ignored:
dyadwatch parses the text itself) and its expected events, ``<EventCoding sourcecode
targetcode eventcode>``, or ``<EventCoding noevents="True">`` for a sentence that must
give none. The category (DEMO, COMPOUND, AGENT, ...) becomes the gold line's
``construction``, so ``dyadwatch eval FILE.xml --by construction`` scores each.

What is left out, and why:

- sentences marked ``sentence="false"`` (PETRARCH does not evaluate them) and those that
  expect PETRARCH to refuse its input (``<EventCoding error="...">``: a dateline, a
  malformed parse tree, a discard phrase);
- expected events whose source or target is no dictionary actor: the null actor
  ``---`` (with or without an agent, ``---GOV``), ``###``, and quoted phrases
  (``"INJURY TOLL"``) that PETRARCH makes up for unknown noun phrases under its
  ``require_dyad=false`` and ``new_actor_length`` options. dyadwatch codes an event
  only when both actors resolve, as PETRARCH does by default.

Expected codes outside CAMEO (the suite's own verb dictionary tests pattern features
with codes such as ``901``) are kept, and count as misses. ``<Config>`` records are
ignored. The dictionaries the file names in ``<Environment>`` are not loaded by this
module: pass them with ``--actors``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date as Date
from pathlib import Path

from dyadwatch.evaluate import GoldLine
from dyadwatch.stories import Reject

_NO_ACTOR = re.compile(r"^(---|###|\+\+\+)")


def is_petrarch_xml(path: Path) -> bool:
    """Whether a gold file is PETRARCH validation XML (by its ``.xml`` suffix)."""
    return path.suffix.lower() == ".xml"


def _actor(value: str | None) -> str | None:
    """An expected actor code, or None when it names no dictionary actor."""
    code = (value or "").strip().strip("\"'").strip()
    if not code or " " in code or _NO_ACTOR.match(code) or value and '"' in value:
        return None
    return code.upper()


def _date(value: str) -> Date:
    digits = value.strip().replace("-", "")
    if len(digits) != 8 or not digits.isdigit():
        raise ValueError(f"bad date {value!r} (expected YYYYMMDD)")
    return Date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))


def read_petrarch_gold(path: Path) -> Iterator[GoldLine | Reject]:
    """Gold lines of a PETRARCH validation file; a record that cannot be read is a reject."""
    raw = path.read_text("utf-8", errors="replace")
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else 0
        yield Reject(f"{path}:{line}", "bad-gold", f"not well-formed XML ({exc})",
                     "expected PETRARCH validation XML: <Validation><Sentences><Sentence>...")
        return
    sentences = root.iter("Sentence")
    for number, sent in enumerate(sentences, start=1):
        sid = (sent.get("id") or "").strip() or f"sentence-{number}"
        origin = f"{path}:{_line_of(raw, sid)}"
        if (sent.get("sentence") or "true").strip().lower() == "false":
            continue
        codings = sent.findall("EventCoding")
        if any(c.get("error") for c in codings):
            continue
        text_el = sent.find("Text")
        text = " ".join((text_el.text or "").split()) if text_el is not None else ""
        try:
            if not text:
                raise ValueError("no <Text>")
            day = _date(sent.get("date") or "")
        except ValueError as exc:
            yield Reject(origin, "bad-gold", f"sentence {sid}: {exc}",
                         'each <Sentence> needs date="YYYYMMDD" and a <Text>')
            continue
        events = []
        for c in codings:
            if (c.get("noevents") or "").strip().lower() == "true":
                continue
            code = (c.get("eventcode") or "").strip()
            source, target = _actor(c.get("sourcecode")), _actor(c.get("targetcode"))
            if code and source and target:
                events.append({"source": source, "target": target, "code": code})
        yield GoldLine(sid, day, text, tuple(events), (sent.get("category") or "").strip(),
                       origin)


def _line_of(raw: str, sid: str) -> int:
    m = re.search(r'id\s*=\s*"' + re.escape(sid) + '"', raw)
    return raw.count("\n", 0, m.start()) + 1 if m else 0
