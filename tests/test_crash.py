"""Ingest survives SIGKILL and Ctrl-C: re-running gives exactly an uninterrupted run's
database (stories, events, rejects, cluster members, signatures), wherever it was killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

COUNTRIES = ["France", "Germany", "Spain", "Italy", "Poland", "Greece", "Turkey", "Egypt",
             "Kenya", "Brazil", "Chile", "Peru", "Japan", "India", "Canada", "Mexico"]
LONG = ("The foreign ministers of Chile and Peru met in Lima on Tuesday to discuss the "
        "maritime border, trade in copper and fish, and a plan for joint patrols against "
        "smuggling along the coast, officials from both countries said after the talks "
        "ended late in the evening.")
FRENCH = ("La France a condamné l'attaque contre la Syrie et a demandé une réunion urgente "
          "du Conseil de sécurité des Nations unies à New York, ont dit les diplomates.")
N = 240


def _line(i: int) -> str:
    """Line i of the corpus: mostly small coded stories, with rejects (bad JSON, no
    date, French), exact copies and near-copies of stories read long before."""
    special = {
        20: {"id": "long", "date": "2021-01-02", "text": LONG, "source": "Wire A"},
        40: {"id": "fr", "date": "2021-01-02", "text": FRENCH},
        70: "{not json",
        110: {"id": "nodate", "text": "Chile praised Peru."},
        150: {"id": "copy-of-s3", "date": "2021-01-01", "text": None, "source": "Paper B",
              "url": "http://b.example/s3"},
        170: {"id": "near-long", "date": "2021-01-02", "source": "Wire C",
              "text": LONG.replace("late in the evening", "late at night")},
        190: {"id": "copy-of-fr", "date": "2021-01-02", "text": FRENCH},
        215: {"id": "copy-of-long", "date": "2021-01-02", "text": LONG.upper()},
    }
    row = special.get(i)
    if isinstance(row, str):
        return row
    if row is not None:
        if row.get("text", "") is None:
            row["text"] = _text(3)
        return json.dumps(row)
    return json.dumps({"id": f"s{i}", "date": "2021-01-01", "text": _text(i)})


def _text(i: int) -> str:
    a, b = COUNTRIES[i % 16], COUNTRIES[(i * 7 + 3) % 16]
    if a == b:
        b = "Norway"
    return (f"{a} criticized {b} on day {i}. The {a.lower()}n side did not comment. "
            f"Officials in {b} praised {a} later.")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("crash") / "stories.jsonl"
    path.write_text("".join(_line(i) + "\n" for i in range(N)))
    return path


def _ingest(corpus: Path, db: Path, workers: int = 1) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dyadwatch", "ingest", str(corpus), "--db", str(db),
         "--batch-size", "4", "--workers", str(workers)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


# Every table an ingest writes, less what differs between runs (run ids, clock times).
TABLES = {
    "stories": "story_id, date, title, source, url, origin, text_hash, text, sentences, events",
    "events": "*",
    "rejects": "reject_id, origin, story_id, reason, message, hint, text_hash",
    "story_members": "story_id, cluster_id, similarity, date, title, source, url, origin, "
                     "text_hash, kind",
    "story_signatures": "story_id, sig",
    "story_bands": "key, story_id",
}


def _tables(db: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    out = {t: con.execute(f"select {cols} from {t} order by all").fetchall()
           for t, cols in TABLES.items()}
    con.close()
    return out


def _stories(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    n = con.execute("select count(*) from stories").fetchone()[0]
    con.close()
    return n


def _half_written(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    n = con.execute("select count(*) from stories s where s.events != "
                    "(select count(*) from events e where e.story_id = s.story_id)").fetchone()[0]
    con.close()
    return n


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory) -> dict[str, list[tuple]]:
    db = tmp_path_factory.mktemp("ref") / "ref.duckdb"
    proc = _ingest(corpus, db)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 1, err  # 1: some inputs were rejected
    tables = _tables(db)
    assert len(tables["stories"]) == N - 7 and len(tables["events"]) >= N - 7
    assert {r[2]: r[3] for r in tables["rejects"]} == {
        "fr": "not-english", "nodate": "missing-date", None: "bad-json"}
    assert sorted((m[0], m[1], m[-1]) for m in tables["story_members"]) == [
        ("copy-of-fr", "fr", "exact"), ("copy-of-long", "long", "exact"),
        ("copy-of-s3", "s3", "exact"), ("near-long", "long", "near")]
    return tables


def _wait_for_progress(db: Path, proc: subprocess.Popen, grow: int) -> None:
    # The database is locked while the ingest runs; its write-ahead log grows as batches
    # commit, so wait until it grew by ``grow`` bytes (or the run ended).
    wal = Path(str(db) + ".wal")
    start = wal.stat().st_size if wal.exists() else 0
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if wal.exists() and wal.stat().st_size > start + grow:
            return
        time.sleep(0.05)


def test_sigkill_at_two_points_then_rerun_equals_uninterrupted(corpus, reference, tmp_path):
    db = tmp_path / "killed.duckdb"
    partial = []
    # Killed early with one worker, then again later with two, then run to the end.
    for workers, grow in ((1, 20_000), (2, 60_000)):
        proc = _ingest(corpus, db, workers)
        _wait_for_progress(db, proc, grow)
        # The whole process group, as a crash would: the ingest and its coding workers
        # (a worker whose parent is gone would idle on, holding its memory).
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        partial.append(_stories(db))
        assert _half_written(db) == 0  # whole batches only: every story with its events
    assert 0 < partial[0] < partial[1] < N - 7, partial  # killed mid-run both times
    rerun = _ingest(corpus, db)
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 1, err
    assert b"already stored" in out and b"Traceback" not in err
    assert _tables(db) == reference
    con = duckdb.connect(str(db), read_only=True)
    runs = con.execute("select status, read, coded + skipped + near_duplicates + rejected "
                       "from ingests order by ingest_id").fetchall()
    con.close()
    assert [r[0] for r in runs] == ["aborted", "aborted", "done"]
    assert runs[-1][1:] == (N, N)


def test_ctrl_c_stops_after_the_batch_and_says_how_to_resume(corpus, reference, tmp_path):
    db = tmp_path / "interrupted.duckdb"
    proc = _ingest(corpus, db)
    _wait_for_progress(db, proc, 20_000)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert 0 < _stories(db) < N - 7
    assert b"run the same command again to resume" in err and b"Traceback" not in err
    rerun = _ingest(corpus, db)
    rerun.communicate(timeout=600)
    assert rerun.returncode == 1
    assert _tables(db) == reference


def test_workers_exit_when_the_ingest_is_killed_outright(corpus, tmp_path):
    import psutil

    db = tmp_path / "orphans.duckdb"
    proc = _ingest(corpus, db, workers=2)
    parent = psutil.Process(proc.pid)
    _wait_for_progress(db, proc, 20_000)  # the workers are coding
    deadline = time.time() + 120
    workers: list[psutil.Process] = []
    while time.time() < deadline and len(workers) < 2 and proc.poll() is None:
        workers = [c for c in parent.children(recursive=True)
                   if "resource_tracker" not in " ".join(c.cmdline())]
        time.sleep(0.05)
    assert len(workers) >= 2, "the ingest did not start its workers"
    os.kill(proc.pid, signal.SIGKILL)  # the parent only, as the OOM killer would
    proc.wait()
    deadline = time.time() + 30
    while time.time() < deadline and any(_running(w) for w in workers):
        time.sleep(0.1)
    alive = [w for w in workers if _running(w)]
    for w in alive:  # do not leave them behind if the test fails
        w.kill()
    assert not alive, f"workers outlived their parent: {[w.pid for w in alive]}"


def _running(p) -> bool:
    """Whether a process still runs (an exited one not yet reaped is a zombie)."""
    import psutil

    try:
        return p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
