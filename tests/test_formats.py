"""GDELT, ICEWS, PLOVER and Phoenix exports: columns, values, round trips and streaming."""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from dyadwatch.coding.events import EVENT_FIELDS
from dyadwatch.coding.pipeline import code_chunk
from dyadwatch.errors import UserError
from dyadwatch.places.gazetteer import load_gazetteer
from dyadwatch.store import formats
from dyadwatch.store.db import Store
from dyadwatch.store.formats import (
    EXPORT_FORMATS,
    GDELT_COLUMNS,
    ICEWS_COLUMNS,
    PHOENIX_COLUMNS,
    export_events,
    penta_class,
    read_export,
)
from dyadwatch.stories import Story

STORIES = [
    Story("wire-1", date(2022, 5, 1),
          "Russian troops attacked Ukrainian soldiers near Kharkiv. "
          "The United Nations condemned the Russian government.",
          title="Fighting near Kharkiv", source="Wire A", url="https://example.org/a?x=1"),
    Story("wire 2#b", date(2022, 5, 1),
          "Chile praised Peru. Germany expressed optimism about France.",
          source="Wire B"),
    Story("wire-3", date(2024, 2, 29),
          "Iranian protesters demonstrated against the government of Iran. "
          "Ukrainian rebels met with NATO. Hamas fired rockets at Israel.",
          source="Wire\tC", url="https://example.org/c"),
]

KEY = ("story_id", "date", "source", "target", "code")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = tmp_path_factory.mktemp("formats") / "s.duckdb"
    with Store(path) as s:
        s.write_batch(code_chunk(STORIES), ingest_id=1)
        yield s


def _export(store: Store, fmt: str, **filters: object) -> tuple[int, str]:
    sql, params = store.query_events(**filters)  # type: ignore[arg-type]
    out = io.StringIO()
    n = export_events(store.con, sql, params, fmt, out)
    return n, out.getvalue()


def _keys(rows: list[dict]) -> Counter:
    return Counter(tuple(r[k] for k in KEY) for r in rows)


def _rows(text: str) -> list[list[str]]:
    return [line.split("\t") for line in text.splitlines()]


def test_the_fixture_codes_the_events_the_tests_rely_on(store: Store) -> None:
    events = store.events()
    codes = {(e["source"], e["target"], e["code"]) for e in events}
    assert ("RUSMIL", "UKRMIL", "190") in codes
    assert ("IGOUNO", "RUSGOV", "110") in codes
    assert ("DEU", "FRA", "013") in codes  # a statement: no PLOVER type
    assert len(events) == 8


def test_gdelt_rows_have_the_61_columns_in_order(store: Store) -> None:
    n, text = _export(store, "gdelt")
    rows = _rows(text)
    assert n == len(rows) == 8
    assert all(len(r) == 61 for r in rows)
    by_code = {(r[GDELT_COLUMNS.index("Actor1Code")], r[GDELT_COLUMNS.index("EventCode")]):
               dict(zip(GDELT_COLUMNS, r, strict=True)) for r in rows}
    attack = by_code[("RUSMIL", "190")]
    assert attack["GlobalEventID"].isdigit()
    assert (attack["Day"], attack["MonthYear"], attack["Year"]) == ("20220501", "202205", "2022")
    assert attack["FractionDate"] == "2022.3288"
    assert (attack["Actor1Name"], attack["Actor1CountryCode"], attack["Actor1Type1Code"]) == (
        "Russian troops", "RUS", "MIL")
    assert (attack["Actor2Code"], attack["Actor2CountryCode"]) == ("UKRMIL", "UKR")
    assert (attack["EventBaseCode"], attack["EventRootCode"], attack["QuadClass"]) == (
        "190", "19", "4")
    assert attack["GoldsteinScale"] == "-10.0"
    assert (attack["NumMentions"], attack["NumSources"], attack["NumArticles"]) == ("1", "1", "1")
    assert attack["IsRootEvent"] == "1"
    assert attack["AvgTone"] == attack["Actor1Geo_Lat"] == ""
    kharkiv = load_gazetteer().city_candidates("kharkiv")[0][0]
    assert (attack["ActionGeo_Type"], attack["ActionGeo_FullName"], attack["ActionGeo_CountryCode"],
            attack["ActionGeo_FeatureID"]) == ("4", "Kharkiv, Ukraine", "UP",
                                               str(kharkiv.geonames_id))
    assert (float(attack["ActionGeo_Lat"]), float(attack["ActionGeo_Long"])) == (
        kharkiv.latitude, kharkiv.longitude)
    assert attack["ActionGeo_ADM1Code"] == "UP" + (kharkiv.admin1 or "")
    assert attack["DATEADDED"] == "20220501000000"
    assert attack["SOURCEURL"] == "https://example.org/a?x=1#dyadwatch-story=wire-1"
    un = by_code[("IGOUNO", "110")]
    assert (un["Actor1CountryCode"], un["Actor1KnownGroupCode"], un["Actor1Type1Code"]) == (
        "", "UNO", "IGO")
    assert un["IsRootEvent"] == "0"
    hamas = by_code[("PSEREBHMS", "190")]
    assert (hamas["Actor1KnownGroupCode"], hamas["Actor1Type1Code"]) == ("HMS", "REB")
    chile = by_code[("CHL", "051")]
    assert chile["SOURCEURL"] == "dyadwatch:story/wire%202%23b"  # no url: the story id


def test_gdelt_event_ids_are_stable_integers(store: Store) -> None:
    first = [r[0] for r in _rows(_export(store, "gdelt")[1])]
    again = [r[0] for r in _rows(_export(store, "gdelt")[1])]
    assert first == again
    assert len(set(first)) == len(first)
    assert all(0 < int(x) < 2**63 for x in first)


def test_icews_has_its_header_and_values(store: Store) -> None:
    n, text = _export(store, "icews")
    rows = _rows(text)
    assert tuple(rows[0]) == ICEWS_COLUMNS
    assert n == len(rows) - 1 == 8
    assert all(len(r) == 20 for r in rows)
    recs = [dict(zip(ICEWS_COLUMNS, r, strict=True)) for r in rows[1:]]
    un = next(r for r in recs if r["CAMEO Code"] == "110")
    assert (un["Event Date"], un["Source Name"], un["Source Sectors"], un["Source Country"]) == (
        "2022-05-01", "United Nations", "IGO,UNO", "")
    assert (un["Target Name"], un["Target Sectors"], un["Target Country"]) == (
        "Russian government", "GOV", "RUS")
    assert (un["Event Text"], un["Intensity"], un["Story ID"], un["Sentence Number"]) == (
        "Disapprove", "-2.0", "wire-1", "2")
    assert un["Publisher"] == "Wire A"
    attack = next(r for r in recs if r["CAMEO Code"] == "190" and r["Story ID"] == "wire-1")
    assert (attack["City"], attack["Country"]) == ("Kharkiv", "UKR")
    assert attack["Latitude"] and attack["Longitude"]
    chile = next(r for r in recs if r["Source Country"] == "CHL")
    assert chile["City"] == chile["Country"] == chile["Latitude"] == ""  # no place named
    protest = next(r for r in recs if r["CAMEO Code"] == "141")
    assert protest["Publisher"] == "Wire C"  # the tab became a space: columns stay aligned


def test_phoenix_columns_and_penta_class(store: Store) -> None:
    n, text = _export(store, "phoenix")
    rows = _rows(text)
    assert tuple(rows[0]) == PHOENIX_COLUMNS
    assert n == len(rows) - 1 == 8
    assert all(len(r) == 26 for r in rows)
    recs = {(r[5], r[13]): dict(zip(PHOENIX_COLUMNS, r, strict=True)) for r in rows[1:]}
    attack = recs[("RUSMIL", "190")]
    assert (attack["Date"], attack["Year"], attack["Month"], attack["Day"]) == (
        "20220501", "2022", "5", "1")
    assert (attack["SourceActorEntity"], attack["SourceActorRole"]) == ("RUS", "MIL")
    assert (attack["LocationName"], attack["CountryCode"]) == ("Kharkiv", "UKR")
    assert attack["Lat"] and attack["Lon"]
    assert (attack["EventRootCode"], attack["PentaClass"], attack["GoldsteinScore"]) == (
        "19", "4", "-10.0")
    assert attack["SentenceID"] == "wire-1_1"
    assert (attack["URLs"], attack["NewsSources"]) == ("https://example.org/a?x=1", "Wire A")
    hamas = recs[("PSEREBHMS", "190")]
    assert (hamas["SourceActorEntity"], hamas["SourceActorRole"],
            hamas["SourceActorAttribute"]) == ("PSE", "REB", "HMS")
    assert recs[("CHL", "051")]["PentaClass"] == "1"
    assert recs[("DEU", "013")]["PentaClass"] == "0"
    assert recs[("IRNOPP", "141")]["PentaClass"] == "4"
    assert recs[("IGOUNO", "110")]["PentaClass"] == "3"


def test_penta_class_covers_every_root() -> None:
    expect = {"01": 0, "02": 0, "03": 1, "04": 1, "05": 1, "06": 2, "07": 2, "08": 2, "09": 3,
              "10": 3, "11": 3, "12": 3, "13": 3, "16": 3, "14": 4, "15": 4, "17": 4, "18": 4,
              "19": 4, "20": 4}
    assert {r: penta_class(r) for r in expect} == expect
    assert penta_class("1823") == 4
    assert penta_class(None) is None


def test_plover_records_skip_statements(store: Store) -> None:
    n, text = _export(store, "plover")
    recs = [json.loads(line) for line in text.splitlines()]
    assert n == len(recs) == 7  # the 013 statement has no PLOVER type
    assert all(r["cameo_code"][:2] != "01" for r in recs)
    attack = next(r for r in recs if r["cameo_code"] == "190" and r["story_id"] == "wire-1")
    assert attack["date"] == "2022-05-01"
    assert attack["event"] == ["ASSAULT"]
    assert attack["context"] == ["military"]
    assert attack["mode"] == []
    assert attack["actor"] == [{"code": "RUS", "sector": "MIL", "country_name": "RUS",
                                "entity_text": "Russian troops", "cameo_code": "RUSMIL"}]
    assert attack["recipient"][0]["cameo_code"] == "UKRMIL"
    assert attack["text"] == "Russian troops attacked Ukrainian soldiers near Kharkiv."
    assert attack["event_loc"]["name"] == "Kharkiv"
    assert (attack["event_loc"]["country_code"], attack["event_loc"]["feature"]) == ("UKR", "city")
    chile = next(r for r in recs if r["actor"][0]["code"] == "CHL")
    assert chile["event_loc"] is None
    assert (attack["quad_code"], attack["event_scale"]) == (4, -10.0)
    assert attack["url"] == attack["cite_info"]["url"] == "https://example.org/a?x=1"
    assert attack["cite_info"]["title"] == "Fighting near Kharkiv"
    for key in ("id", "date", "actor", "event"):  # the PLOVER required fields
        assert attack[key]
    un = next(r for r in recs if r["cameo_code"] == "110")
    assert un["actor"][0]["code"] == "IGO" and un["actor"][0]["country_name"] is None


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_round_trip_keeps_story_date_dyad_and_code(store: Store, fmt: str,
                                                   tmp_path: Path) -> None:
    sql, params = store.query_events()
    path = tmp_path / f"out.{fmt}"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        n = export_events(store.con, sql, params, fmt, fh)
    back = list(read_export(path, fmt))
    db = [e for e in store.events() if not (fmt == "plover" and e["plover"] is None)]
    assert n == len(back) == len(db)
    assert all(tuple(r) == EVENT_FIELDS for r in back)
    assert _keys(back) == _keys(db)
    by_key = {tuple(e[k] for k in KEY): e for e in db}
    located = ("location", "latitude", "longitude", "location_country")
    survives = {
        "gdelt": ("source_text", "source_country", "target_text", "target_country", "root",
                  "quad_class", "goldstein", *located, "geonames_id"),
        "icews": ("event_id", "sentence_index", "source_text", "source_country", "target_text",
                  "target_country", "root", "name", "goldstein", *located),
        "plover": ("event_id", "sentence_index", "sentence", "source_text", "source_country",
                   "target_text", "target_country", "root", "quad_class", "goldstein",
                   "plover", *located, "geonames_id"),
        "phoenix": ("event_id", "sentence_index", "source_country", "target_country", "root",
                    "goldstein", *located),
    }[fmt]
    assert any(e["location"] for e in db) and any(not e["location"] for e in db)
    for r in back:
        original = by_key[tuple(r[k] for k in KEY)]
        assert {f: r[f] for f in survives} == {f: original[f] for f in survives}
        assert r["rule"] is None and r["confidence"] is None


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "tsv"])
def test_record_exports_read_back_whole(store: Store, fmt: str, tmp_path: Path) -> None:
    path = tmp_path / f"out.{fmt}"
    store.export(fmt, str(path))
    assert list(read_export(path, fmt)) == store.events()


def test_filters_and_negated_events(store: Store) -> None:
    n, text = _export(store, "gdelt", codes=["19"])
    assert n == 2 and {r[GDELT_COLUMNS.index("EventRootCode")] for r in _rows(text)} == {"19"}
    store.con.execute("UPDATE events SET negated = true WHERE code = '051'")
    try:
        sql, params = store.query_events()
        assert _export(store, "phoenix")[0] == 7  # "did not" is not an event in these formats
        out = io.StringIO()
        assert export_events(store.con, sql, params, "phoenix", out, include_negated=True) == 8
    finally:
        store.con.execute("UPDATE events SET negated = false WHERE code = '051'")


def test_bad_format_and_bad_query_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        export_events(store.con, "SELECT 1", [], "xml", io.StringIO())
    with pytest.raises(ValueError, match="lacks the event columns"):
        export_events(store.con, "SELECT event_id FROM events", [], "gdelt", io.StringIO())
    with pytest.raises(ValueError, match="unknown format"):
        list(read_export(Path("x"), "xml"))


class _Log(io.StringIO):
    def __init__(self, log: list[str]) -> None:
        super().__init__()
        self.log = log

    def write(self, s: str) -> int:
        if s:
            self.log.append("write")
        return super().write(s)


BIG = 3000  # generated events; every third is a 010 statement (no PLOVER type)


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with Store(tmp_path_factory.mktemp("big") / "big.duckdb") as store:
        store.con.execute("INSERT INTO stories (story_id, date, source, url) VALUES "
                          "('big', DATE '2022-01-01', 'Wire A', 'https://example.org/big')")
        store.con.execute(
            "INSERT INTO events SELECT 'e' || i, 'big', DATE '2022-01-01' + (i % 365)::INT,"
            " i % 7, 'Russia attacked Ukraine.', 'Russia', 'RUSMIL', 'RUS', 'Ukraine', 'UKR',"
            " 'UKR', CASE WHEN i % 3 = 0 THEN '010' ELSE '190' END,"
            " CASE WHEN i % 3 = 0 THEN '01' ELSE '19' END, 'x', 4, -10.0,"
            " CASE WHEN i % 3 = 0 THEN NULL ELSE 'ASSAULT' END, 'r', false, 0.9,"
            " NULL, NULL, NULL, NULL, NULL, NULL,"  # no location
            " false"  # not background
            " FROM range(?) t(i)", [BIG])
        yield store


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_export_streams_in_chunks(big: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  fmt: str) -> None:
    log: list[str] = []
    real = formats._chunks

    def spy(cur, size):  # type: ignore[no-untyped-def]
        for rows in real(cur, size):
            assert len(rows) <= size
            log.append("fetch")
            yield rows

    monkeypatch.setattr(formats, "_chunks", spy)
    sql, params = big.query_events()
    out = _Log(log)
    n = export_events(big.con, sql, params, fmt, out, chunk_size=256)
    assert n == (BIG - BIG // 3 if fmt == "plover" else BIG)
    assert log.count("fetch") == -(-BIG // 256)
    # Output is written chunk by chunk, not after the whole result has been fetched.
    assert log.index("write") < len(log) - 1 - log[::-1].index("fetch")
    path = tmp_path / "big.out"
    path.write_text(out.getvalue(), encoding="utf-8")
    back = list(read_export(path, fmt))
    assert len(back) == n
    assert back[0]["story_id"] == "big" and back[-1]["date"] == "2022-12-31"


def test_an_export_that_outgrows_duckdb_memory_says_so(big: Store, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # A cap far too small for the sort: one clear message, no traceback, no .part file.
    monkeypatch.setenv("DYADWATCH_EXPORT_MEMORY", "64KB")
    out = tmp_path / "e.jsonl"
    with pytest.raises(UserError, match="ran out of DuckDB's memory cap .64KB."):
        big.export("jsonl", str(out))
    assert not out.exists() and not Path(str(out) + ".part").exists()
    monkeypatch.delenv("DYADWATCH_EXPORT_MEMORY")
    assert big.export("jsonl", str(out)) == BIG


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_stories_joined_in_the_query_give_the_same_export(big: Store, fmt: str) -> None:
    # Store.export joins each event's story in (one join, not a lookup per chunk); the
    # lines are those of the per-chunk lookup, with and without filters.
    for filters in ({}, {"actors": ["RUS"], "codes": ["19"], "limit": 700}):
        plain, joined = io.StringIO(), io.StringIO()
        sql, params = big.query_events(**filters)
        n = export_events(big.con, sql, params, fmt, plain, chunk_size=256)
        sql, params = big.query_events(with_story=True, **filters)
        assert "LEFT JOIN stories" in sql
        assert export_events(big.con, sql, params, fmt, joined, chunk_size=256) == n
        assert joined.getvalue() == plain.getvalue()
        assert "example.org/big" in joined.getvalue() or fmt == "icews"
