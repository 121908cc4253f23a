"""Top actors and dyads, changes, reciprocity, tit-for-tat, drill-down and country groups,
on a database coded from stories written for the tests (tests/analysis_stories.py)."""

from __future__ import annotations

from datetime import date

import pytest

from analysis_stories import STORIES, build_db
from conftest import SEED
from dyadwatch.analysis import summary as S
from dyadwatch.analysis.groups import actor_clause, find_group, load_groups
from dyadwatch.analysis.series import dyad_series
from dyadwatch.coding.pipeline import code_chunk
from dyadwatch.store.db import Store
from dyadwatch.stories import Story


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    path = build_db(tmp_path_factory.mktemp("summary") / "s.duckdb")
    with Store(path, read_only=True) as store:
        yield store.con


def test_the_stories_code_to_the_events_the_expectations_assume(con):
    rows = con.execute("SELECT story_id, source, target, code FROM events").fetchall()
    for sid, _, _, expected in STORIES:
        assert {(s, t, c) for i, s, t, c in rows if i == sid} == expected, sid


def test_top_actors(con):
    df = S.top_actors(con)
    assert list(df.columns[:5]) == ["actor", "events", "goldstein_mean", "cooperation",
                                    "conflict"]
    assert list(zip(df["actor"], df["events"], strict=True)) == [
        ("RUS", 9), ("GBR", 6), ("FRA", 4), ("UKR", 4), ("DEU", 2)]
    rus = df.iloc[0]
    # RUS->RUS (police arrests protesters) counts once; G: -4 -4 -2 -2 -2 +3.4 -5 +3.4 +3.4
    assert rus["goldstein_mean"] == pytest.approx(-8.8 / 9, abs=1e-3)
    assert (rus["cooperation"], rus["conflict"], rus["net_cooperation"]) == (3, 6, -3)
    sources = S.top_actors(con, role="source", limit=2)
    assert list(zip(sources["actor"], sources["events"], strict=True)) == [
        ("RUS", 5), ("GBR", 4)]
    actors = S.top_actors(con, level="actor", role="target")
    assert set(actors["actor"]) >= {"RUSGOV", "GBRGOV", "RUSOPP"}
    in_2019 = S.top_actors(con, date_from=date(2019, 1, 1), date_to=date(2019, 12, 31))
    assert dict(zip(in_2019["actor"], in_2019["events"], strict=True)) == {
        "FRA": 3, "DEU": 2, "GBR": 1}


def test_top_dyads(con):
    df = S.top_dyads(con)
    assert list(zip(df["a"], df["b"], df["events"], strict=True)) == [
        ("GBR", "RUS", 4), ("RUS", "UKR", 4), ("DEU", "FRA", 2), ("FRA", "GBR", 2)]
    assert df.iloc[0]["conflict"] == 3 and df.iloc[0]["cooperation"] == 1
    assert ("RUS", "RUS") in set(zip(*S.top_dyads(con, domestic=True)[["a", "b"]].T.values,
                                     strict=True))
    directed = S.top_dyads(con, directed=True, level="actor")
    pairs = dict(zip(zip(directed["a"], directed["b"], strict=True), directed["events"],
                     strict=True))
    assert pairs[("RUS", "UKR")] == 2 and pairs[("UKR", "RUS")] == 2
    assert pairs[("GBR", "RUSGOV")] == 1 and ("RUSCOP", "RUSOPP") not in pairs


def test_changes_between_two_periods(con):
    before, after = (date(2018, 1, 1), date(2019, 12, 31)), (date(2021, 1, 1), None)
    df = S.changes(con, before=before, after=after, min_events=1)
    assert list(zip(df["a"], df["b"], strict=True)) == [("GBR", "RUS"), ("FRA", "GBR")]
    gbr_rus = df.iloc[0]
    assert (gbr_rus["events_before"], gbr_rus["events_after"]) == (3, 1)
    assert gbr_rus["goldstein_change"] == pytest.approx(3.4 - (-10 / 3), abs=1e-3)
    assert gbr_rus["net_cooperation_change"] == pytest.approx(2.0)
    assert df.iloc[1]["goldstein_change"] == pytest.approx(0.0)
    assert S.changes(con, before=before, after=after, min_events=2).empty
    volume = S.changes(con, before=before, after=after, min_events=1, sort="volume")
    assert list(zip(volume["a"], volume["b"], volume["volume_change"], strict=True))[:3] == [
        ("RUS", "UKR", 4), ("DEU", "FRA", -2), ("GBR", "RUS", -2)]
    with pytest.raises(ValueError, match="after"):
        S.changes(con, before=(date(2020, 1, 1), date(2019, 1, 1)), after=after)


def test_reciprocity(con):
    df = S.reciprocity(con, "RUS", "UKR", days=1)
    assert list(df["code"]) == ["110", "051"]
    assert list(df["responses"]) == [1, 0]
    assert df.iloc[0]["response_goldstein_mean"] == pytest.approx(-2.0)
    s = df.attrs["summary"]
    assert (s["events"], s["answered"], s["answered_share"]) == (2, 1, 0.5)
    assert s["b_to_a_goldstein_mean"] == pytest.approx(0.7)
    # Ukraine praised Russia 49 days after Russia praised Ukraine.
    wide = S.reciprocity(con, "RUS", "UKR", days=60)
    assert list(wide["responses"]) == [1, 1]
    assert list(wide["response_goldstein_mean"]) == pytest.approx([-2.0, 3.4])


def test_tit_for_tat_expulsions(con):
    df = S.tit_for_tat(con, "GBR", "RUS", days=30)
    assert len(df) == 1
    e = df.iloc[0]
    assert (e["first"], e["second"], e["code"], e["response_code"], e["lag_days"]) == (
        "GBR", "RUS", "161", "161", 6)
    assert "expelled 23 British" in e["response_sentence"] and e["response_story_id"] == "s2"
    assert S.tit_for_tat(con, "GBR", "RUS", days=5).empty
    # Criticism answered by condemnation the next day (both 110, verbal conflict).
    quad = S.tit_for_tat(con, "RUS", "UKR", days=1, match="quad")
    assert list(zip(quad["first"], quad["code"], quad["response_code"], strict=True)) == [
        ("RUS", "110", "110")]
    with pytest.raises(ValueError, match="match"):
        S.tit_for_tat(con, "GBR", "RUS", match="same")


def test_period_events_behind_a_point(con):
    month = S.period_events(con, "RUS", "UKR", by="month", period="2021-01-15")
    assert list(month["direction"]) == ["RUS->UKR", "UKR->RUS", "RUS->UKR"]
    assert list(month["story_id"]) == ["s6", "s7", "s8"]
    assert all(month["sentence"]) and all(month["rule"])
    week = S.period_events(con, "RUS", "UKR", by="week", period=date(2021, 1, 6))
    assert list(week["story_id"]) == ["s6", "s7"]
    one_way = S.period_events(con, "RUS", "UKR", by="year", period="2021", direction="b-a")
    assert list(one_way["story_id"]) == ["s7", "s11"]
    # The series point and the events behind it agree.
    series = dyad_series(con, "RUS", "UKR", by="month")
    jan = series[series["period"].astype(str) == "2021-01-01"]["events"].sum()
    assert jan == len(month)


def test_groups_have_dated_membership(con):
    eu = find_group("@EU")
    assert eu is find_group("EU members") is find_group("@eu")
    assert "GBR" in eu.members_on(date(2020, 1, 31))
    assert "GBR" not in eu.members_on(date(2020, 2, 1))
    assert "HRV" not in eu.members_on(date(2013, 6, 30)) and "HRV" in eu.members_on(
        date(2013, 7, 1))
    # The UK criticised France in 2019 (inside the EU) and again in 2021 (outside it).
    df = dyad_series(con, "@EU", "EU members", by="year", date_to=date(2021, 12, 31))
    assert dict(zip(df["period"].astype(str), df["events"], strict=True)) == {
        "2019-01-01": 3, "2020-01-01": 0, "2021-01-01": 0}
    assert set(df["direction"]) == {"@EU->@EU"}
    gbr = dyad_series(con, "GBR", "@EU", by="year", direction="a-b",
                      date_to=date(2021, 12, 31))
    assert list(gbr["events"]) == [1, 0, 1]


def test_group_members_are_known_countries():
    import csv
    from importlib import resources

    text = resources.files("dyadwatch.actors").joinpath("data/countries.tsv").read_text("utf-8")
    lines = [x for x in text.splitlines() if x and not x.startswith("#")]
    known = {row["iso3"] for row in csv.DictReader(lines, delimiter="\t")}
    for group in load_groups().values():
        assert set(group.members) <= known, group.key


def test_bad_actor_and_group():
    with pytest.raises(ValueError, match="not a known group"):
        actor_clause("source", "@NOPE")
    with pytest.raises(ValueError, match="not an actor code"):
        actor_clause("source", "R!S")


def test_normalise_by_events_or_stories(con):
    by_events = dyad_series(con, "RUS", "UKR", by="year", direction="a-b", normalise=True)
    by_stories = dyad_series(con, "RUS", "UKR", by="year", direction="a-b",
                             normalise="stories")
    # 2021: 2 RUS->UKR events of 7 events and of 8 stories (one story codes to nothing).
    assert by_events.iloc[0]["events"] == pytest.approx(2 / 7, abs=1e-4)
    assert by_stories.iloc[0]["events"] == pytest.approx(2 / 8, abs=1e-4)
    with pytest.raises(ValueError, match="normalise"):
        dyad_series(con, "RUS", "UKR", normalise="pages")


def test_seed_story_expulsion_and_counter_measures(tmp_path):
    text = SEED.read_text(encoding="utf-8").split(None, 2)[2]
    path = tmp_path / "seed.duckdb"
    with Store(path) as store:
        store.write_batch(code_chunk([Story("seed", date(2017, 7, 28), text)]), ingest_id=1)
        con = store.con
        # The US expulsion (161) and sanctions (163) are answered on the story's day by
        # Russian conflict events (today the coder reads Russia's measures as threats,
        # 13x); every pair is dated the story's day (lag 0).
        df = S.tit_for_tat(con, "USA", "RUS", match="conflict")
        usa = df[df["first"] == "USA"]
        assert "161" in set(usa["code"]) and (usa["lag_days"] == 0).all()
        quads = dict(con.execute("SELECT code, quad_class FROM events").fetchall())
        assert all(quads[c] in (3, 4) for c in usa["response_code"])
        # Expulsions answered by expulsions exactly when the coder finds a Russian 16x.
        same_root = S.tit_for_tat(con, "USA", "RUS")
        assert (same_root["code"].str[:2] == same_root["response_code"].str[:2]).all()
        russian_16 = con.execute("SELECT count(*) FROM events WHERE source_country = 'RUS' "
                                 "AND target_country = 'USA' AND root = '16'").fetchone()[0]
        assert ("161" in set(same_root["code"])) == (russian_16 > 0)
        top = S.top_dyads(con)
        assert list(zip(top["a"], top["b"], strict=True)) == [("RUS", "USA")]


def test_python_api_takes_groups_and_returns_dataframes(tmp_path_factory):
    import dyadwatch

    path = build_db(tmp_path_factory.mktemp("api") / "a.duckdb")
    with dyadwatch.open(str(path)) as ds:
        eu_rus = ds.events(actors=("@EU", "RUS"))
        # Britain praised Russia in 2021, after Brexit: not an EU event.
        assert list(eu_rus["story_id"]) == ["s1", "s2", "s3"]
        assert len(ds.events(actors=("EU members",), daily=True)) == 7
        assert list(ds.top_dyads(limit=1)["a"]) == ["GBR"]
        assert ds.reciprocity("RUS", "UKR", days=1).attrs["summary"]["answered"] == 1
        assert len(ds.period_events("RUS", "UKR", by="month", period="2021-01")) == 3
        svg = ds.plot("RUS", "UKR", tmp_path_factory.mktemp("plot") / "p.svg", by="month")
        assert svg.read_text(encoding="utf-8").startswith("<?xml")


def test_series_counts_by_root(con):
    df = dyad_series(con, "GBR", "RUS", by="year", roots=True)
    y2018 = df[df["period"].astype(str) == "2018-01-01"].set_index("direction")
    assert y2018.loc["GBR->RUS", "root_16"] == 1 and y2018.loc["RUS->GBR", "root_16"] == 1
    assert y2018.loc["RUS->GBR", "root_11"] == 1
    roots = [c for c in df.columns if c.startswith("root_")]
    assert len(roots) == 20
    assert (df[roots].sum(axis=1) == df["events"]).all()
