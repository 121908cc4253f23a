"""Ingest survives SIGKILL and Ctrl-C: re-running gives exactly an uninterrupted run's events."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

COUNTRIES = ["France", "Germany", "Spain", "Italy", "Poland", "Greece", "Turkey", "Egypt",
             "Kenya", "Brazil", "Chile", "Peru", "Japan", "India", "Canada", "Mexico"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("crash") / "stories.jsonl"
    with path.open("w") as fh:
        for i in range(240):
            a, b = COUNTRIES[i % 16], COUNTRIES[(i * 7 + 3) % 16]
            if a == b:
                b = "Norway"
            text = (f"{a} criticized {b} on day {i}. The {a.lower()}n side did not comment. "
                    f"Officials in {b} praised {a} later.")
            fh.write(json.dumps({"id": f"s{i}", "date": "2021-01-01", "text": text}) + "\n")
    return path


def _ingest(corpus: Path, db: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dyadwatch", "ingest", str(corpus), "--db", str(db),
         "--batch-size", "4"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _events(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("select event_id, story_id, source, target, code from events "
                       "order by event_id").fetchall()
    con.close()
    return rows


def _stories(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    n = con.execute("select count(*) from stories").fetchone()[0]
    con.close()
    return n


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory) -> list[tuple]:
    db = tmp_path_factory.mktemp("ref") / "ref.duckdb"
    proc = _ingest(corpus, db)
    assert proc.wait(timeout=600) == 0, proc.stderr.read()
    events = _events(db)
    assert _stories(db) == 240 and len(events) >= 240
    return events


def _wait_for_progress(db: Path, proc: subprocess.Popen) -> None:
    # The database is locked while the ingest runs; its write-ahead log grows as batches
    # commit, so wait until some were written (or the run ended).
    wal = Path(str(db) + ".wal")
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if wal.exists() and wal.stat().st_size > 20_000:
            return
        time.sleep(0.05)


def test_sigkill_mid_run_then_rerun_equals_uninterrupted(corpus, reference, tmp_path):
    db = tmp_path / "killed.duckdb"
    proc = _ingest(corpus, db)
    _wait_for_progress(db, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = _stories(db)
    assert 0 < partial < 240, partial  # killed mid-run, whole batches only
    assert partial % 4 == 0
    rerun = _ingest(corpus, db)
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    assert f"{partial} already stored".encode() in out
    assert _events(db) == reference
    con = duckdb.connect(str(db), read_only=True)
    statuses = [r[0] for r in con.execute(
        "select status from ingests order by ingest_id").fetchall()]
    con.close()
    assert statuses == ["aborted", "done"]


def test_ctrl_c_stops_after_the_batch_and_says_how_to_resume(corpus, reference, tmp_path):
    db = tmp_path / "interrupted.duckdb"
    proc = _ingest(corpus, db)
    _wait_for_progress(db, proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert 0 < _stories(db) < 240
    assert b"run the same command again to resume" in err and b"Traceback" not in err
    rerun = _ingest(corpus, db)
    assert rerun.wait(timeout=600) == 0
    assert _events(db) == reference
