"""Dyad series and the Python API on a database built from stories written for the tests."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest

import dyadwatch
from dyadwatch.coding.pipeline import code_chunk
from dyadwatch.store.db import Store
from dyadwatch.stories import Story

STORIES = [
    ("s1", date(2021, 1, 5), "Russia criticized Ukraine. Russian troops attacked Ukraine."),
    ("s2", date(2021, 1, 20), "Ukraine condemned Russia."),
    ("s3", date(2021, 3, 2), "Russia praised Ukraine."),
    ("s4", date(2021, 3, 9), "Turkey praised Greece."),
]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("analysis") / "a.duckdb"
    with Store(path) as store:
        store.write_batch(code_chunk([Story(i, d, t) for i, d, t in STORIES]), ingest_id=1)
    return path


def test_monthly_dyad_series_fills_empty_months(db):
    with dyadwatch.open(str(db)) as ds:
        df = ds.dyad("RUS", "UKR", by="month")
    rows = {(str(r.period), r.direction): r for r in df.itertuples()}
    jan = rows[("2021-01-01", "RUS->UKR")]
    assert (jan.events, jan.verbal_conflict, jan.material_conflict) == (2, 1, 1)
    assert jan.net_cooperation == -2 and jan.goldstein_sum == pytest.approx(-2.0 - 10.0)
    assert rows[("2021-01-01", "UKR->RUS")].events == 1
    feb = rows[("2021-02-01", "RUS->UKR")]
    assert feb.events == 0 and feb.goldstein_mean != feb.goldstein_mean  # NaN when empty
    mar = rows[("2021-03-01", "RUS->UKR")]
    assert (mar.events, mar.cooperation, mar.net_cooperation) == (1, 1, 1)
    assert len(df) == 6  # three months, two directions


def test_weekly_and_daily_series_start_on_mondays_and_fill_zeros(db):
    with dyadwatch.open(str(db)) as ds:
        weeks = ds.dyad("RUS", "UKR", by="week")
        days = ds.dyad("RUS", "UKR", by="day", direction="a-b")
        late = ds.dyad("RUS", "UKR", by="week", date_from=date(2021, 1, 20))
    # Weeks begin on Mondays (DuckDB's date_trunc): 2021-01-04 .. 2021-03-01, 9 weeks.
    assert {str(p) for p in weeks["period"]} >= {"2021-01-04", "2021-01-18", "2021-03-01"}
    assert all(p.weekday() == 0 for p in weeks["period"])
    assert len(weeks) == 9 * 2
    by_week = {(str(r.period), r.direction): r.events for r in weeks.itertuples()}
    assert by_week[("2021-01-04", "RUS->UKR")] == 2
    assert by_week[("2021-01-18", "UKR->RUS")] == 1
    assert by_week[("2021-03-01", "RUS->UKR")] == 1
    assert sum(by_week.values()) == 4
    # Every day from the first A->B event to the last, one direction only.
    assert len(days) == (date(2021, 3, 2) - date(2021, 1, 5)).days + 1
    assert set(days["direction"]) == {"RUS->UKR"}
    assert days.set_index("period").loc[date(2021, 1, 5), "events"] == 2
    assert days["events"].sum() == 3
    # A span starting mid-week starts at that week's Monday and leaves out earlier events.
    assert str(late["period"].iloc[0]) == "2021-01-18"
    assert late["events"].sum() == 2


def test_directed_and_normalised(db):
    with dyadwatch.open(str(db)) as ds:
        one_way = ds.dyad("RUSMIL", "UKR", direction="a-b", by="year")
        shares = ds.dyad("RUS", "UKR", by="month", normalise=True, direction="a-b")
        events = ds.events(actors=("TUR",))
    assert list(one_way["events"]) == [1]
    march = shares[shares["period"].astype(str) == "2021-03-01"].iloc[0]
    assert march["events"] == pytest.approx(0.5)  # 1 of the 2 events stored in March
    assert list(events["target"]) == ["GRC"]


def test_relations_command(db):
    run = [sys.executable, "-m", "dyadwatch", "relations", "RUS", "UKR", "--db", str(db)]
    out = subprocess.run([*run, "--format", "json"], capture_output=True, check=True)
    rows = json.loads(out.stdout)
    assert {r["direction"] for r in rows} == {"RUS->UKR", "UKR->RUS"}
    table = subprocess.run(run, capture_output=True, check=True)
    assert b"net cooperation" in table.stdout
    bad = subprocess.run([*run[:4], "R!S", "UKR", "--db", str(db)], capture_output=True)
    assert bad.returncode == 2 and b"not an actor code" in bad.stderr
