"""Background mentions: events told as history are coded with the story's date and flagged."""

from datetime import date

import pytest

import dyadwatch
from dyadwatch.coding.pipeline import code_chunk
from dyadwatch.store.db import Store
from dyadwatch.stories import Story

DAY = "2019-07-26"  # a Friday


def flags(text: str, day: str | None = DAY) -> dict[tuple[str, str, str], bool]:
    return {(e.source_country, e.target_country, e.root): e.background
            for e in dyadwatch.code(text, date=day or "2019-07-26")}


@pytest.mark.parametrize("text", [
    "Back in December, Chile expelled two Peruvian diplomats.",
    "In 2014, Chile expelled two Peruvian diplomats.",
    "Chile expelled two Peruvian diplomats in March 2015.",
    "Three years ago, Chile expelled two Peruvian diplomats.",
    "Chile had expelled two Peruvian diplomats in the 1990s.",
    "Last year Chile expelled two Peruvian diplomats.",
])
def test_an_old_date_flags_the_event(text):
    assert flags(text)[("CHL", "PER", "16")] is True


@pytest.mark.parametrize("text", [
    "Chile expelled two Peruvian diplomats on Tuesday.",
    "Chile expelled two Peruvian diplomats in July.",
    "Two days ago, Chile expelled two Peruvian diplomats.",
    "Chile expelled two Peruvian diplomats.",
    "Chile will expel two Peruvian diplomats in December.",
    "Chile plans to expel two Peruvian diplomats in January.",
    "Earlier this week, Chile had expelled two Peruvian diplomats.",
])
def test_news_is_not_flagged(text):
    assert set(flags(text).values()) == {False}


def test_since_an_old_year_is_background():
    got = flags("Since 2011, Chile has accused Peru of spying.")
    assert got[("CHL", "PER", "11")] is True


def test_past_perfect_main_clause_is_background_but_not_in_reported_speech():
    assert flags("Earlier this month, Chile had accused Peru of spying.")[
        ("CHL", "PER", "11")] is True
    got = flags("Peruvian officials said Chilean troops had attacked Peru on Tuesday.")
    assert got and not any(got.values())


def test_a_later_clause_takes_the_old_date_of_its_main_clause():
    got = flags("In 2014, relations soured when Chile expelled two Peruvian diplomats.")
    assert got[("CHL", "PER", "16")] is True


def test_a_present_tense_clause_is_news_even_after_an_old_date():
    got = flags("Chile, which expelled Peruvian diplomats in 2014, condemns Peru.")
    assert got[("CHL", "PER", "11")] is False


def test_history_goes_on_in_the_next_simple_past_sentence():
    text = ("Back in December, relations soured. Chile expelled two Peruvian diplomats. "
            "On Friday, Chile accused Peru of spying.")
    got = flags(text)
    assert got[("CHL", "PER", "16")] is True
    assert got[("CHL", "PER", "11")] is False


def test_the_story_date_decides_what_old_means():
    text = "Chile expelled two Peruvian diplomats in 2014."
    assert flags(text, "2014-03-01")[("CHL", "PER", "16")] is False
    assert flags(text, "2016-03-01")[("CHL", "PER", "16")] is True


def test_the_seed_storys_december_expulsion_is_flagged(seed_events):
    by_code = {(e.source, e.code): e.background for e in seed_events}
    assert by_code[("USAELI", "161")] is True  # "Back in December last year ... Obama also"
    assert by_code[("RUS", "030")] is False  # the story's news
    assert by_code[("RUSGOV", "1313")] is False  # "On Tuesday, Putin had vowed"


def test_background_events_are_stored_and_filtered(tmp_path):
    story = Story("s1", date(2019, 7, 26),
                  "In 2014, Chile expelled two Peruvian diplomats. "
                  "On Friday, Chile accused Peru of spying.")
    with Store(tmp_path / "t.duckdb") as store:
        store.write_batch(code_chunk([story]), ingest_id=1)
        everything = store.events()
        news = store.events(background=False)
        history = store.events(background=True)
        daily = store.events(daily=True)
    assert {e["code"][:2] for e in everything} == {"16", "11"}
    assert [e["code"][:2] for e in news] == ["11"]
    assert [e["code"][:2] for e in history] == ["16"]
    assert [d["code"][:2] for d in daily] == ["11"]  # the one-a-day view is news only
