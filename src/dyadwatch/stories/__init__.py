"""Stories: the input records (Story), rejected inputs (Reject), and their readers."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import date as Date

__all__ = ["Story", "Reject", "story_id_for", "text_hash"]


def text_hash(text: str) -> str:
    """A stable hash of a story's text, insensitive to white-space differences."""
    normalised = " ".join(text.split()).lower()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def story_id_for(text: str) -> str:
    """The id given to a story that comes without one: derived from its text."""
    return "sha-" + text_hash(text)[:16]


@dataclass(frozen=True)
class Story:
    """One dated news story. ``origin`` says where it was read (``file:line``)."""

    id: str
    date: Date
    text: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    origin: str = ""
    hash: str = field(default="")

    def __post_init__(self) -> None:
        if not self.hash:
            object.__setattr__(self, "hash", text_hash(self.text))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["date"] = self.date.isoformat()
        return d


@dataclass(frozen=True)
class Reject:
    """An input that could not become a story, with a machine-readable reason.

    ``reason`` is a short slug (``missing-date``, ``not-utf8``, ...), ``message``
    says what is wrong and ``hint`` what to do about it. ``origin`` is ``file``
    or ``file:line``; ``story_id`` is set when the input carried or implied one.
    """

    origin: str
    reason: str
    message: str
    hint: str = ""
    story_id: str | None = None

    def line(self) -> str:
        """The one-line message shown to the user."""
        text = f"{self.origin}: {self.message}"
        return f"{text} - {self.hint}" if self.hint else text
