"""Dyad forecasts on hand-made histories with known answers, and the forecast command."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta

import numpy as np
import pytest

from dyadwatch.analysis import dyad_forecast as fc
from dyadwatch.coding.pipeline import code_chunk
from dyadwatch.store.db import Store
from dyadwatch.stories import Story


def test_windows_and_baseline_by_hand():
    # Horizon 7: events on days 0 (label 0), 8 (label 1), 9 (label 0); forecast at day 14.
    days, labels = np.array([0, 8, 9]), np.array([0, 1, 0])
    base = fc.frequency_baseline(days, labels, 14, 7, 3)
    # Windows [7,14) has labels {0,1}; [0,7) has {0}: shares 1.0, 0.5, 0.0.
    assert base.tolist() == [1.0, 0.5, 0.0]
    p = fc.forecast(days, labels, 14, 7, 3, half_life=7.0)
    # Weights 1 and 0.5: label 1 -> (1 + 1 * 0.5) / (1.5 + 1) = 0.6.
    assert p[0] == pytest.approx(1.0) and p[1] == pytest.approx(0.6) and p[2] == 0.0
    assert fc.forecast(days, labels, 0, 7, 3).tolist() == [0.0, 0.0, 0.0]  # no history


def test_recency_beats_frequency_after_a_change():
    # A year of weekly conflict (label 1), then half a year of weekly cooperation (0).
    days = np.arange(0, 7 * 78, 7)
    labels = np.where(days < 7 * 52, 1, 0)
    bt = fc.backtest(days, labels, 7, 2)
    assert bt is not None and bt.cuts > 10
    assert bt.brier < bt.brier_baseline
    assert bt.f1 >= bt.f1_baseline


def test_too_short_history_has_no_backtest():
    assert fc.backtest(np.array([5]), np.array([0]), 7, 2) is None


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("fc") / "f.duckdb"
    start = date(2021, 1, 4)
    stories = []
    for week in range(30):
        text = ("Russia criticized Ukraine." if week < 20 else "Russia praised Ukraine.")
        stories.append(Story(f"w{week}", start + timedelta(days=7 * week), text))
    with Store(path) as store:
        store.write_batch(code_chunk(stories), ingest_id=1)
    return path


def test_forecast_command(db):
    run = [sys.executable, "-m", "dyadwatch", "forecast", "RUS", "UKR", "--db", str(db)]
    out = subprocess.run([*run, "--format", "json", "--backtest", "--horizon", "1w"],
                         capture_output=True, check=True)
    result = json.loads(out.stdout)
    assert result["horizon_days"] == 7 and result["events_used"] == 30
    assert result["root"]["05"] > result["root"]["11"]  # praise lately, criticism before
    assert result["quad_class"]["verbal cooperation"] > 0.5
    assert result["drivers"]["05"][-1]["code"] == "051"
    assert result["backtest"]["root"]["cuts"] >= 5
    table = subprocess.run([*run, "--backtest"], capture_output=True, check=True)
    assert b"Brier" in table.stdout and b"diplomatic cooperation" in table.stdout
    none = subprocess.run([*run[:4], "CHN", "USA", "--db", str(db)], capture_output=True)
    assert none.returncode == 2 and b"no events between" in none.stderr
    bad = subprocess.run([*run, "--horizon", "soon"], capture_output=True)
    assert bad.returncode == 2 and b"Traceback" not in bad.stderr
