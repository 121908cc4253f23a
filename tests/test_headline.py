"""Headlines: titles in Title Case or capitals are coded; the text's events come first."""

from datetime import date

import pytest

from dyadwatch.coding.headline import headline_case, sentence_case
from dyadwatch.coding.pipeline import DEFAULT_OPTIONS, _get_coder, _place_test, code_chunk
from dyadwatch.nlp.load import load_nlp
from dyadwatch.store.db import Store
from dyadwatch.stories import Story

QUIET = "Officials gave no details on Monday."


@pytest.fixture(scope="module")
def case():
    nlp, coder = load_nlp(), _get_coder(DEFAULT_OPTIONS)
    return lambda title: sentence_case(title, nlp, coder.dictionary, _place_test(coder))


def coded(title: str, text: str = QUIET):
    (result,) = code_chunk([Story("h", date(2018, 5, 2), text, title=title)])
    return result.events


def test_cases_of_titles():
    assert headline_case("Chile Expels Two Peruvian Diplomats Over Spying") == "title"
    assert headline_case("CHILE EXPELS TWO PERUVIAN DIPLOMATS") == "caps"
    assert headline_case("Chile expels two Peruvian diplomats") is None
    assert headline_case("Markets") is None


def test_sentence_case_keeps_names_and_acronyms(case):
    assert case("Chile Expels Two Peruvian Diplomats Over Spying") == \
        "Chile expels two Peruvian diplomats over spying"
    assert case("CHILE EXPELS TWO U.S. DIPLOMATS") == "Chile expels two U.S. diplomats"
    assert case("Chile expels two Peruvian diplomats") == "Chile expels two Peruvian diplomats"
    # Unknown words (names) keep their case; positions never move.
    title = "Zorvath Rebels Attack Chilean Troops"
    assert case(title).startswith("Zorvath") and len(case(title)) == len(title)


@pytest.mark.parametrize("title", [
    "Chile Expels Two Peruvian Diplomats Over Spying",
    "CHILE EXPELS TWO PERUVIAN DIPLOMATS OVER SPYING",
    "Chile expels two Peruvian diplomats over spying",
])
def test_a_title_is_coded_as_a_headline(title):
    events = coded(title)
    assert [(e.source_country, e.target_country, e.root, e.sentence_index) for e in events] \
        == [("CHL", "PER", "16", -1)]
    assert events[0].sentence == title


def test_a_headline_the_text_repeats_is_coded_once():
    text = "The Chilean government expelled two Peruvian diplomats over spying on Monday."
    events = coded("Chile Expels Peruvian Diplomats", text)
    assert [(e.root, e.sentence_index) for e in events] == [("16", 0)]


def test_headline_events_keep_stable_ids_apart_from_the_texts():
    title = "Chile Expels Two Peruvian Diplomats"
    a, b = coded(title), coded(title)
    assert a[0].event_id == b[0].event_id
    text = "Chile expels two Peruvian diplomats."
    (body,) = code_chunk([Story("h", date(2018, 5, 2), text)])
    assert a[0].event_id != body.events[0].event_id


def test_headline_events_are_stored(tmp_path):
    story = Story("s", date(2018, 5, 2), QUIET, title="Chile Condemns Peru")
    with Store(tmp_path / "h.duckdb") as store:
        store.write_batch(code_chunk([story]), ingest_id=1)
        (row,) = store.events()
    assert (row["source"], row["target"], row["code"], row["sentence_index"]) == \
        ("CHL", "PER", "110", -1)
    assert row["sentence"] == "Chile Condemns Peru"



def test_gazetteer_places_keep_their_capital(case):
    assert case("Chile Troops Enter Aleppo") == "Chile troops enter Aleppo"


def test_a_title_read_two_ways_gives_each_event_once():
    events = coded("Chile Condemns Peru")
    assert [(e.source, e.target, e.code, e.sentence_index) for e in events] == [
        ("CHL", "PER", "110", -1)]
