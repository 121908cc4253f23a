"""The command line, run for real in a subprocess (the way a user runs it)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from conftest import SEED
from dyadwatch.coding.events import EVENT_FIELDS


def run(*args: str, stdin: bytes | None = None, cwd: Path | None = None):
    return subprocess.run([sys.executable, "-m", "dyadwatch", *args], input=stdin,
                          capture_output=True, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("corpus")
    (d / "a.txt").write_text("date 2021-03-02 Chinese warships blockaded Taiwan.\n")
    (d / "sub").mkdir()
    (d / "sub" / "b.jsonl").write_text(
        json.dumps({"id": "b1", "date": "2021-03-03", "text": "Turkey condemned Greece."}) + "\n"
        + json.dumps({"id": "b2", "date": "2021-03-04", "text": "Norway praised Sweden."}) + "\n"
    )
    return d


def test_help_on_every_command():
    for cmd in ([], ["code"], ["ingest"], ["events"], ["export"], ["status"]):
        r = run(*cmd, "--help")
        assert r.returncode == 0, r.stderr
        assert b"Usage:" in r.stdout


def test_code_jsonl_prints_exactly_the_contract_fields():
    r = run("code", str(SEED), "--format", "jsonl")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    assert lines
    for line in lines:
        assert list(json.loads(line)) == list(EVENT_FIELDS)


def test_code_reads_folders_recursively_and_stdin(corpus):
    r = run("code", str(corpus), "--format", "jsonl")
    assert r.returncode == 0, r.stderr
    codes = {(e["source"], e["target"], e["code"]) for e in map(json.loads, r.stdout.splitlines())}
    assert ("TUR", "GRC", "110") in codes and ("NOR", "SWE", "051") in codes
    r = run("code", "-", "--format", "csv", stdin=b"date 2020-01-01 Chile praised Peru.")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout.decode())))
    assert rows and rows[0]["source"] == "CHL" and rows[0]["date"] == "2020-01-01"


def test_code_with_two_workers_equals_one(corpus):
    one = run("code", str(corpus), str(SEED), "--format", "jsonl")
    two = run("code", str(corpus), str(SEED), "--format", "jsonl", "--workers", "2")
    assert one.returncode == two.returncode == 0
    assert one.stdout == two.stdout


def test_table_format_is_readable():
    r = run("code", str(SEED), "--format", "table")
    assert r.returncode == 0
    out = r.stdout.decode()
    assert "USALEG" in out and "RUS" in out and "event(s)" in out


def test_bad_inputs_get_one_line_each_and_the_rest_is_coded(tmp_path):
    (tmp_path / "good.txt").write_text("date 2020-05-05 Spain criticized Morocco.")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "latin1.txt").write_bytes("date 2020-05-05 Caf\xe9 news".encode("latin-1"))
    (tmp_path / "nodate.txt").write_text("Spain criticized Morocco.")
    (tmp_path / "rows.jsonl").write_text(
        '{"id": "x", "date": "2017-02-30", "text": "Iran praised Iraq."}\n{bad json\n')
    (tmp_path / "data.xlsx").write_bytes(b"PK")
    r = run("code", str(tmp_path), "--format", "jsonl")
    assert r.returncode == 1
    err = r.stderr.decode()
    assert "Traceback" not in err
    rejected = [line for line in err.splitlines() if line.startswith("dyadwatch: rejected:")]
    assert len(rejected) == 7, err
    for name in ("empty.txt", "binary.txt", "latin1.txt", "nodate.txt", "rows.jsonl:1",
                 "rows.jsonl:2", "data.xlsx"):
        assert any(name in line for line in rejected), (name, err)
    events = [json.loads(x) for x in r.stdout.splitlines()]
    assert [(e["source"], e["target"]) for e in events] == [("ESP", "MAR")]


def test_missing_path_and_bad_option_values():
    r = run("code", "/nonexistent/file.txt")
    assert r.returncode == 1 and b"not-found" not in r.stdout and b"Traceback" not in r.stderr
    r = run("code", str(SEED), "--date", "2017-13-45")
    assert r.returncode == 2 and b"Traceback" not in r.stderr


def test_ingest_is_idempotent_and_queryable(tmp_path, corpus):
    db = str(tmp_path / "t.duckdb")
    r = run("ingest", str(corpus), str(SEED), "--db", db)
    assert r.returncode == 0, r.stderr
    assert b"4 stories read, 4 coded, 0 already stored, 0 near-duplicates, 0 rejected" in r.stdout
    con = duckdb.connect(db, read_only=True)
    n_events = con.execute("select count(*) from events").fetchone()[0]
    con.close()
    again = run("ingest", str(corpus), str(SEED), "--db", db)
    assert again.returncode == 0
    assert (b"4 stories read, 0 coded, 4 already stored, 0 near-duplicates, 0 rejected, "
            b"0 events") in again.stdout
    con = duckdb.connect(db, read_only=True)
    assert con.execute("select count(*) from events").fetchone()[0] == n_events
    assert con.execute("select count(*) from stories").fetchone()[0] == 4
    con.close()

    r = run("events", "--db", db, "--actor", "TUR", "--format", "jsonl")
    assert [json.loads(x)["target"] for x in r.stdout.splitlines()] == ["GRC"]
    r = run("events", "--db", db, "--code", "16", "--from", "2017-07-28", "--to", "2017-07-28",
            "--format", "jsonl")
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert rows and all(e["code"].startswith("16") for e in rows)
    r = run("events", "--db", db, "--from", "2030-01-01", "--format", "jsonl")
    assert r.returncode == 0 and r.stdout == b""


def test_same_text_under_another_name_is_skipped(tmp_path):
    db = str(tmp_path / "t.duckdb")
    (tmp_path / "one.txt").write_text("date 2020-01-01 Chile praised Peru.")
    (tmp_path / "two.txt").write_text("date 2020-01-01   Chile  praised Peru.")
    r = run("ingest", str(tmp_path / "one.txt"), str(tmp_path / "two.txt"), "--db", db)
    assert b"2 stories read, 1 coded, 1 already stored" in r.stdout


def test_an_exact_copy_under_another_id_keeps_its_provenance(tmp_path):
    db = str(tmp_path / "t.duckdb")
    rows = [{"id": "wire-1", "date": "2020-01-01", "text": "Chile praised Peru.",
             "source": "Wire A", "url": "http://a.example/1"},
            {"id": "paper-2", "date": "2020-01-01", "text": "Chile  praised Peru. ",
             "source": "Paper B", "url": "http://b.example/2"}]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    r = run("ingest", str(path), "--db", db)
    assert b"2 stories read, 1 coded, 1 already stored" in r.stdout
    assert b"1 of the stories already stored are exact copies" in r.stdout
    con = duckdb.connect(db, read_only=True)
    members = con.execute("select story_id, cluster_id, similarity, kind, source, url "
                          "from story_members").fetchall()
    con.close()
    assert members == [("paper-2", "wire-1", 1.0, "exact", "Paper B", "http://b.example/2")]
    s = run("status", "--db", db)
    assert b"exact copies (not coded): 1" in s.stdout
    again = run("ingest", str(path), "--db", db)
    assert b"2 stories read, 0 coded, 2 already stored" in again.stdout
    assert b"exact copies" not in again.stdout


def test_ingest_records_rejects_and_status_reports_them(tmp_path):
    db = str(tmp_path / "t.duckdb")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "ok.txt").write_text("date 2020-01-01 Chile praised Peru.")
    (tmp_path / "in" / "nodate.txt").write_text("Chile praised Peru again.")
    r = run("ingest", str(tmp_path / "in"), "--db", db)
    assert r.returncode == 1 and b"1 rejected" in r.stdout
    r2 = run("ingest", str(tmp_path / "in"), "--db", db)
    assert r2.returncode == 1
    con = duckdb.connect(db, read_only=True)
    rejects = con.execute("select origin, reason from rejects").fetchall()
    con.close()
    assert len(rejects) == 1 and rejects[0][1] == "missing-date"
    s = run("status", "--db", db, "--format", "json")
    info = json.loads(s.stdout)
    assert info["stories"] == 1 and info["rejects_by_reason"] == {"missing-date": 1}
    assert info["last_ingest"]["status"] == "done"


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "tsv", "parquet"])
def test_export_formats(tmp_path, fmt):
    db = str(tmp_path / "t.duckdb")
    assert run("ingest", str(SEED), "--db", db).returncode == 0
    out = tmp_path / f"events.{fmt}"
    r = run("export", "--db", db, "--format", fmt, "--output", str(out))
    assert r.returncode == 0, r.stderr
    if fmt == "parquet":
        table = pq.read_table(out)
        assert table.column_names == list(EVENT_FIELDS) and table.num_rows > 0
    elif fmt == "jsonl":
        rows = [json.loads(x) for x in out.read_text().splitlines()]
        assert rows and list(rows[0]) == list(EVENT_FIELDS)
        assert rows[0]["date"] == "2017-07-28"
    else:
        rows = list(csv.DictReader(out.open(), delimiter="," if fmt == "csv" else "\t"))
        assert rows and list(rows[0]) == list(EVENT_FIELDS)


def test_database_errors_are_one_line(tmp_path):
    r = run("events", "--db", str(tmp_path / "missing.duckdb"))
    assert r.returncode == 2 and b"no database" in r.stderr and b"Traceback" not in r.stderr
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("create table t (x int)")
    con.close()
    r = run("ingest", str(SEED), "--db", str(other))
    assert r.returncode == 2 and b"not a dyadwatch database" in r.stderr
    newer = tmp_path / "newer.duckdb"
    con = duckdb.connect(str(newer))
    con.execute("create table meta (key varchar primary key, value varchar)")
    con.execute("insert into meta values ('schema_version', '99')")
    con.close()
    r = run("events", "--db", str(newer))
    assert r.returncode == 2 and b"newer dyadwatch" in r.stderr


def test_second_writer_gets_a_clear_message(tmp_path):
    db = str(tmp_path / "t.duckdb")
    assert run("ingest", str(SEED), "--db", db).returncode == 0
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True);"
         " time.sleep(60)", db],
        stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == b"ready"
        r = run("ingest", str(SEED), "--db", db)
        assert r.returncode == 2
        assert b"in use by another" in r.stderr and b"Traceback" not in r.stderr
    finally:
        holder.kill()
        holder.wait()
    con = duckdb.connect(db, read_only=True)
    assert con.execute("select count(*) from stories").fetchone()[0] == 1
    con.close()


def test_user_dictionary_and_pattern_files(tmp_path):
    people = tmp_path / "people.tsv"
    people.write_text("name\taliases\tcountry\tsector\trole\tstart\tend\n"
                      "Alice Example\tExample\tFRA\tGOV\tminister\t2010\t\n")
    patterns = tmp_path / "mine.txt"
    patterns.write_text("190 verb zap\n")
    story = b"date 2020-01-01 Alice Example praised Germany. Example zapped Italy."
    plain = run("code", "-", "--format", "jsonl", stdin=story)
    assert plain.stdout == b""
    r = run("code", "-", "--format", "jsonl", "--actors", str(people), "--patterns",
            str(patterns), stdin=story)
    got = {(e["source"], e["target"], e["code"]) for e in map(json.loads, r.stdout.splitlines())}
    assert got == {("FRAGOV", "DEU", "051"), ("FRAGOV", "ITA", "190")}
    bad = tmp_path / "bad.txt"
    bad.write_text("999 verb zap\n")
    r = run("code", "-", "--patterns", str(bad), stdin=story)
    assert r.returncode == 2 and b"bad.txt:1" in r.stderr and b"Traceback" not in r.stderr


def test_reject_lines_are_never_wrapped(tmp_path):
    long_name = "a-story-file-with-a-rather-long-name-that-goes-on-and-on-for-a-while.txt"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / long_name).write_text("No date here at all.")
    r = run("ingest", str(tmp_path / "in"), "--db", str(tmp_path / "t.duckdb"))
    lines = [x for x in r.stderr.decode().splitlines() if x.startswith("dyadwatch: rejected:")]
    assert len(lines) == 1 and long_name in lines[0] and "--date" in lines[0]


def test_stories_in_other_languages_are_rejected_as_such(tmp_path):
    rows = [
        {"id": "fr", "date": "2021-05-05", "text": "La France a condamné l'attaque contre "
         "la Syrie et a demandé une réunion du Conseil de sécurité des Nations unies."},
        {"id": "es", "date": "2021-05-05", "text": "España criticó a Marruecos por la crisis "
         "migratoria y convocó a su embajador en Madrid para pedir explicaciones."},
        {"id": "en", "date": "2021-05-05", "text": "Spain criticized Morocco."},
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    db = str(tmp_path / "t.duckdb")
    r = run("ingest", str(path), "--db", db)
    assert r.returncode == 1 and b"1 coded" in r.stdout and b"2 rejected" in r.stdout
    con = duckdb.connect(db, read_only=True)
    rejects = con.execute("select story_id, reason from rejects order by 1").fetchall()
    con.close()
    assert rejects == [("es", "not-english"), ("fr", "not-english")]


def test_the_database_inside_the_input_folder_is_not_an_input(tmp_path):
    (tmp_path / "a.txt").write_text("date 2020-01-01 Chile praised Peru.")
    db = str(tmp_path / "in-here.duckdb")
    assert run("ingest", str(tmp_path), "--db", db).returncode == 0
    again = run("ingest", str(tmp_path), "--db", db)
    assert again.returncode == 0 and b"rejected:" not in again.stderr
