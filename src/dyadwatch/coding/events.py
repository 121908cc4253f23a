"""The event record: the fields every output format and the store share (a contract)."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

# The record contract: `--format jsonl` prints exactly these keys, in this order.
EVENT_FIELDS = (
    "event_id", "story_id", "date", "sentence_index", "sentence",
    "source_text", "source", "source_country", "target_text", "target", "target_country",
    "code", "root", "name", "quad_class", "goldstein", "plover",
    "rule", "negated", "confidence",
    "location", "geonames_id", "latitude", "longitude", "location_country", "location_rule",
    "background",
)


@dataclass(frozen=True)
class Event:
    """One coded event: who did what to whom, on the story's date, from which sentence."""

    event_id: str
    story_id: str
    date: str
    sentence_index: int
    sentence: str
    source_text: str
    source: str
    source_country: str | None
    target_text: str
    target: str
    target_country: str | None
    code: str
    root: str
    name: str
    quad_class: int
    goldstein: float
    plover: str | None
    rule: str
    negated: bool
    confidence: float
    # Where it happened (dyadwatch.places): null when neither the sentence nor the story
    # names a place.
    location: str | None = None
    geonames_id: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    location_country: str | None = None
    location_rule: str | None = None
    # Told as history ("back in 2014", "had opened ... in the 1980s"): still dated with
    # the story, flagged so that series can leave it out (dyadwatch.coding.background).
    background: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


def event_id_for(story_id: str, sentence_index: int, token: int, source: str, target: str,
                 code: str) -> str:
    """A stable id: the same story coded again gives the same ids."""
    key = f"{story_id}|{sentence_index}|{token}|{source}|{target}|{code}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]
