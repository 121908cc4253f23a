"""Actor resolution of phrases (the `dyadwatch actor` lookup), on phrases written for tests."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest

from dyadwatch.actors.dictionary import ActorDictionary, Entry, load_dictionary
from dyadwatch.actors.lookup import lookup
from dyadwatch.nlp.load import load_nlp


@pytest.fixture(scope="module")
def resolve():
    nlp, dictionary = load_nlp(), load_dictionary()
    return lambda text, day=None: lookup(nlp, dictionary, text, day)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Russian Foreign Minister Sergei Lavrov", "RUSGOV"),
        ("the Russian Foreign Ministry", "RUSGOV"),
        ("the US Congress", "USALEG"),
        ("Moscow", "RUSGOV"),
        ("the Kremlin", "RUSGOV"),
        ("the White House", "USAGOV"),
        ("the Pentagon", "USAMIL"),
        ("Downing Street", "GBRGOV"),
        ("Syrian rebels", "SYRREB"),
        ("Iranian lawmakers", "IRNLEG"),
        ("Turkish troops", "TURMIL"),
        ("Egyptian police", "EGYCOP"),
        ("Israeli protesters", "ISROPP"),
        ("the United Nations", "IGOUNO"),
        ("NATO", "IGOWSTNAT"),
        ("the European Union", "IGOEUREEC"),
        ("Japan", "JPN"),
        ("South Koreans", "KOR"),
        ("former Israeli Prime Minister Ehud Barak", "ISRELI"),
    ],
)
def test_phrases_resolve(resolve, text, code):
    assert resolve(text).code == code


def test_lookup_reports_the_entries_that_matched(resolve):
    result = resolve("the Russian Foreign Ministry").to_dict()
    assert set(result) >= {"text", "code", "country", "sector", "entry"}
    assert result["country"] == "RUS" and result["sector"] == "GOV"
    phrases = {e["phrase"].lower() for e in result["entry"]}
    assert {"russian", "foreign ministry"} <= phrases


@pytest.mark.parametrize("text", ["the weather", "economic growth", "us", "it"])
def test_non_actors_do_not_resolve(resolve, text):
    assert resolve(text).code is None


def test_all_capital_aliases_match_only_as_written():
    d = ActorDictionary()
    d.add(Entry("country", "US", "USA"))
    d.add(Entry("country", "Chad", "TCD"))
    assert d.find(["US"], ["US"]) and not d.find(["us"], ["we"])
    assert d.find(["Chad"], ["Chad"]) and not d.find(["chad"], ["chad"])


def test_historical_states_follow_the_date():
    d = ActorDictionary()
    d.add(Entry("country", "Soviet Union", "USR", valid_to=date(1991, 12, 31)))
    assert d.find(["Soviet", "Union"], ["soviet", "union"], date(1985, 1, 1))
    assert not d.find(["Soviet", "Union"], ["soviet", "union"], date(2005, 1, 1))


def test_actor_command_json_and_batch():
    run = [sys.executable, "-m", "dyadwatch", "actor"]
    one = subprocess.run([*run, "Turkish troops", "--format", "json"], capture_output=True,
                         check=True)
    assert json.loads(one.stdout)["code"] == "TURMIL"
    lines = b'{"text": "Moscow", "date": "2017-07-28"}\n{"text": "the weather"}\nnot json\n'
    batch = subprocess.run([*run, "--batch", "-"], input=lines, capture_output=True, check=True)
    results = [json.loads(x) for x in batch.stdout.splitlines()]
    assert [r["code"] for r in results] == ["RUSGOV", None, None]
    assert "error" in results[2]


PEOPLE = (
    "name\taliases\tcountry\tsector\trole\tstart\tend\n"
    "Barack Obama\tObama\tUSA\tGOV\tpresident\t2009-01-20\t2017-01-20\n"
    "Antonio Guterres\tGuterres\tIGOUNO\tGOV\tsecretary-general\t2017-01\t\n"
    "Antonio Guterres\tGuterres\tPRT\tGOV\tprime minister\t1995\t2002-04-06\n"
)


@pytest.fixture(scope="module")
def with_people(tmp_path_factory):
    path = tmp_path_factory.mktemp("people") / "people.tsv"
    path.write_text(PEOPLE, encoding="utf-8")
    nlp, dictionary = load_nlp(), load_dictionary([path])
    return lambda text, day: lookup(nlp, dictionary, text, day).code


@pytest.mark.parametrize(
    ("text", "day", "code"),
    [
        ("Obama", date(2015, 3, 1), "USAGOV"),   # in office
        ("Obama", date(2017, 7, 28), "USAELI"),  # a former president
        ("Obama", date(2005, 3, 1), "USA"),      # before office: the country alone
        ("former US President Barack Obama", date(2015, 3, 1), "USAELI"),  # the text wins
        ("Guterres", date(2020, 1, 1), "IGOUNO"),
        ("Guterres", date(2000, 1, 1), "PRTGOV"),
        ("Guterres", date(2010, 1, 1), "PRTELI"),
    ],
)
def test_people_resolve_by_their_role_on_the_date(with_people, text, day, code):
    assert with_people(text, day) == code


def test_people_in_events(tmp_path):
    from dyadwatch.coding.coder import Coder

    path = tmp_path / "people.tsv"
    path.write_text(PEOPLE, encoding="utf-8")
    coder = Coder(dictionary=load_dictionary([path]))
    doc = load_nlp()("Obama criticized Russia.")
    (event,) = coder.code_doc(doc, "s", date(2014, 3, 3))
    assert (event.source, event.target, event.code) == ("USAGOV", "RUS", "110")


@pytest.mark.parametrize(
    ("text", "day", "code"),
    [
        ("Moscow", date(1985, 1, 1), "USRGOV"),
        ("Moscow", date(2000, 1, 1), "RUSGOV"),
        ("the Soviet Union", date(1985, 1, 1), "USR"),
        ("Côte d\u2019Ivoire", date(2000, 1, 1), "CIV"),  # a curly apostrophe
        ("the US National Security Council", date(2020, 1, 1), "USAGOV"),
        ("the UN Security Council", date(2020, 1, 1), "IGOUNO"),
    ],
)
def test_dates_apostrophes_and_councils(resolve, text, day, code):
    assert resolve(text, day).code == code


@pytest.mark.parametrize(
    ("text", "code"),
    [("Latin American leaders", "LAM"), ("the Middle East", "MEA"),
     ("the South China Sea", None), ("the Indian Ocean", None), ("Indian troops", "INDMIL")],
)
def test_regions_and_seas_are_not_the_countries_they_name(resolve, text, code):
    assert resolve(text).code == code


def test_a_sea_is_no_target():
    from conftest import triples

    assert triples("Vietnam accused China of aggression in the South China Sea.") == {
        ("VNM", "CHN", "112")}
    assert triples("Chinese warships entered the South China Sea.") == set()


@pytest.mark.parametrize(
    ("text", "code"),
    [("the Ministry of Defence of Russia", "RUSMIL"), ("the Government of Japan", "JPNGOV"),
     ("the head of state of Iran", "IRNGOV")],
)
def test_of_complements_that_name_actors(resolve, text, code):
    assert resolve(text).code == code
