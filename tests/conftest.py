"""Shared test helpers: coding a sentence with the real spaCy pipeline and dictionaries."""

from __future__ import annotations

from pathlib import Path

import pytest

import dyadwatch

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "2017-07-28_russia_us_diplomats.txt"


def triples(text: str, date: str = "2020-06-15") -> set[tuple[str, str, str]]:
    """(source, target, code) of every event coded from ``text``."""
    return {(e.source, e.target, e.code) for e in dyadwatch.code(text, date=date)}


@pytest.fixture(scope="session")
def seed_events() -> list:
    text = SEED.read_text(encoding="utf-8").split(None, 2)[2]
    return dyadwatch.code(text, date="2017-07-28", story_id="seed")
