"""PETRARCH / TABARI verb dictionaries passed with ``--patterns``, with a small dictionary
and sentences written for these tests (real countries from the bundled dictionary)."""

from __future__ import annotations

import warnings
from datetime import date as Date
from pathlib import Path

import pytest

from dyadwatch.coding import pipeline
from dyadwatch.coding.patterns import PatternError, load_patterns
from dyadwatch.coding.petrarch_verbs import (
    VerbDictionaryError,
    looks_like_verbs,
    read_verbs_file,
)
from dyadwatch.ontology.cameo import load_ontology
from dyadwatch.stories import Story

VERBS = """\
<!-- a test verb dictionary -->
&CASH
+DOLLAR
# a comment line does not end the set
+GOLD_COINS_

--- PRAISE  [051] ---
PRAISE
COMMEND   # a synonym in the same block

--- REWARD  [---] ---
REWARD
- * WITH &CASH  [071]
- * WITH NOTHING  [999]   # a code outside CAMEO: matches, codes nothing

--- VISIT  [042:043] ---
VISIT

--- AGREE  [---] ---
AGREE
- % *  [030:030]

--- RECEIVE  [---] ---
RECEIVE
- + * AID $  [071]

--- LEAVE  [---] ---
LEAVE

--- LEFT  [032:033] ---
LEFT

--- REJECT  [120] ---
REJECT
- NOT_* [051]

--- CELEBRATE  [---] ---
CELEBRATE
- * HOLIDAY IN ^ +  [043]

--- CLOSE  [---] ---
SEAL
+SEAL_OFF  [1721]
+CORDON_OFF  [1721]
"""


@pytest.fixture(scope="module")
def verbs_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("verbs") / "test.verbs"
    path.write_text(VERBS, encoding="utf-8")
    return path


def _code(text: str, verbs_file: Path) -> set[tuple[str, str, str]]:
    story = Story(id="t", date=Date(2020, 6, 15), text=text, origin="<test>")
    options = pipeline.CodingOptions(pattern_files=(str(verbs_file),))
    (coded,) = pipeline.code_chunk([story], options)
    return {(e.source, e.target, e.code) for e in coded.events}


def test_reading_blocks_synsets_and_patterns(verbs_file):
    entries = {e.lemma: e for e in read_verbs_file(verbs_file, load_ontology())}
    assert entries["praise"].code == entries["commend"].code == "051"
    assert (entries["visit"].code, entries["visit"].reverse) == ("042", "043")
    assert entries["reward"].code is None
    cash = entries["reward"].patterns[0].after[1].alternatives
    assert ("dollar",) in cash and ("dollars",) in cash and ("gold", "coins") in cash
    assert ("gold", "coinss") not in cash  # a phrase ending in "_" gets no plural
    assert entries["reward"].patterns[1].code is None  # 999 is not CAMEO


@pytest.mark.parametrize(("text", "expected"), [
    ("France praised Germany.", {("FRA", "DEU", "051")}),
    ("France commended Germany.", {("FRA", "DEU", "051")}),
    ("France rewarded Germany with dollars.", {("FRA", "DEU", "071")}),
    ("France rewarded Germany with gold coins.", {("FRA", "DEU", "071")}),
    ("France rewarded Germany with nothing.", set()),
    ("France rewarded Germany.", set()),  # the verb alone codes nothing ([---])
    ("France visited Germany.", {("FRA", "DEU", "042"), ("DEU", "FRA", "043")}),
    ("France and Germany agree that the talks should go on.",
     {("FRA", "DEU", "030"), ("DEU", "FRA", "030")}),
    ("Poland received aid from Sweden.", {("SWE", "POL", "071")}),
    ("The Italian president left for Spain.",
     {("ITAGOV", "ESP", "032"), ("ESP", "ITAGOV", "033")}),
    ("Japan will leave China.", set()),  # LEAVE, not LEFT
    ("Japan rejected the Chinese proposal.", {("JPN", "CHN", "120")}),
    # The pattern spells the negation, so the event stands; without one it is dropped.
    ("Japan did not reject the Chinese proposal.", {("JPN", "CHN", "051")}),
    ("Japan did not praise Germany.", set()),
    # "NOT_*": the word must come right before the verb.
    ("Japan did not quickly reject the Chinese proposal.", set()),
    # An agent "in" a country, as PETRARCH reads it, shared by coordinated agents.
    ("Lawmakers and officials in Poland praised Germany.",
     {("POLLEG", "DEU", "051"), ("POLGOV", "DEU", "051")}),
    # "^" skips a phrase before the target "+".
    ("France celebrated the holiday in Italy with Germany.", {("FRA", "DEU", "043")}),
    # Multi-word verbs; "cordoned" is one the lemmatiser gets wrong ("cordone").
    ("Turkey sealed off the border with Syria.", {("TUR", "SYR", "1721")}),
    ("Turkey cordoned off the border with Syria.", {("TUR", "SYR", "1721")}),
    ("Turkey sealed the border with Syria.", set()),  # SEAL alone codes nothing
    # The user's dictionary is the whole vocabulary: dyadwatch's own patterns are off.
    ("France attacked Germany.", set()),
])
def test_coding_with_a_verb_dictionary(verbs_file, text, expected):
    assert _code(text, verbs_file) == expected


def test_detection(tmp_path):
    assert looks_like_verbs(Path("x.verbs"), "")
    assert looks_like_verbs(Path("x.txt"), "--- PRAISE  [051] ---\nPRAISE\n")
    assert not looks_like_verbs(Path("x.txt"), "051  verb  praise\n")


def test_bad_lines_are_skipped_with_a_warning(tmp_path):
    path = tmp_path / "typo.verbs"
    path.write_text("--- PRAISE [051] ---\nPRAISE\n- * WITHOUT A CODE\n", encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        entries = read_verbs_file(path, load_ontology())
    assert [e.lemma for e in entries] == ["praise"]
    assert len(caught) == 1 and "typo.verbs:3" in str(caught[0].message)


def test_a_file_without_verbs_is_refused(tmp_path):
    path = tmp_path / "empty.verbs"
    path.write_text("&CASH\n+DOLLARS\n", encoding="utf-8")
    with pytest.raises(VerbDictionaryError, match="no verbs"):
        read_verbs_file(path, load_ontology())
    with pytest.raises(PatternError, match="no verbs"):
        load_patterns((str(path),))
