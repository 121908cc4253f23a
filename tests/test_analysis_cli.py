"""The analysis commands (relations --plot/--at, top, changes, reciprocity, tit-for-tat)
through click, on a database coded from stories written for the tests."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from analysis_stories import build_db
from dyadwatch.analysis.commands import parse_span
from dyadwatch.cli import main


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return str(build_db(tmp_path_factory.mktemp("analysis_cli") / "a.duckdb"))


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_top_actors_and_dyads(db):
    out = run("top", "actors", "--db", db, "--format", "json")
    assert out.exit_code == 0
    rows = json.loads(out.output)
    assert (rows[0]["actor"], rows[0]["events"]) == ("RUS", 9)
    csv = run("top", "dyads", "--db", db, "-f", "csv", "-n", "2").output.splitlines()
    assert csv == ["a,b,events,goldstein_mean,cooperation,conflict,net_cooperation",
                   "GBR,RUS,4,-1.65,1,3,-2", "RUS,UKR,4,0.7,2,2,0"]
    table = run("top", "dyads", "--db", db, "--level", "actor", "--directed")
    assert "top dyads (actor)" in table.output and "RUSGOV" in table.output


def test_changes(db):
    out = run("changes", "--db", db, "--before", "2018:2019", "--after", "2021",
              "--min-events", "1", "-f", "json")
    assert out.exit_code == 0
    rows = json.loads(out.output)
    assert [(r["a"], r["b"]) for r in rows] == [("GBR", "RUS"), ("FRA", "GBR")]
    assert rows[0]["events_before"] == 3 and rows[0]["events_after"] == 1
    table = run("changes", "--db", db, "--before", "2018:2019", "--after", "2021:",
                "--min-events", "1")
    assert "G change" in table.output and "GBR" in table.output
    # --from/--to: 2021 against 2020 (whole months: as many calendar months before).
    same = json.loads(run("changes", "--db", db, "--from", "2021-01-01", "--to", "2021-12-31",
                          "--min-events", "1", "--sort", "volume", "-f", "json").output)
    assert [(r["a"], r["b"], r["events_before"], r["events_after"]) for r in same] == [
        ("RUS", "UKR", 0, 4), ("FRA", "GBR", 0, 1), ("GBR", "RUS", 0, 1)]
    mixed = CliRunner().invoke(main, ["changes", "--db", db, "--before", "2018",
                                      "--from", "2021-01-01"])
    assert mixed.exit_code == 2 and "not both" in mixed.stderr


def test_periods_to_compare():
    from datetime import date

    from dyadwatch.analysis.commands import periods_to_compare

    assert periods_to_compare(None, None, date(2017, 7, 1), date(2017, 12, 31)) == (
        (date(2017, 1, 1), date(2017, 6, 30)), (date(2017, 7, 1), date(2017, 12, 31)))
    assert periods_to_compare(None, None, date(2017, 1, 1), date(2017, 1, 31))[0] == (
        date(2016, 12, 1), date(2016, 12, 31))
    assert periods_to_compare(None, None, date(2017, 3, 10), date(2017, 3, 19))[0] == (
        date(2017, 2, 28), date(2017, 3, 9))
    bad = CliRunner().invoke(main, ["changes", "--db", db, "--before", "2019-13",
                                    "--after", "2021"])
    assert bad.exit_code == 2 and "is not a month" in bad.output


def test_parse_span():
    from datetime import date

    assert parse_span("2016") == (date(2016, 1, 1), date(2016, 12, 31))
    assert parse_span("2016-02") == (date(2016, 2, 1), date(2016, 2, 29))
    assert parse_span("2016:2017-06") == (date(2016, 1, 1), date(2017, 6, 30))
    assert parse_span(":2016-03-04") == (None, date(2016, 3, 4))
    for bad in (":", "2017:2016", "yesterday"):
        with pytest.raises(ValueError):
            parse_span(bad)


def test_reciprocity_and_tit_for_tat(db):
    out = run("reciprocity", "RUS", "UKR", "--db", db, "--days", "1", "-f", "json")
    data = json.loads(out.output)
    assert data["summary"]["answered"] == 1 and data["summary"]["events"] == 2
    assert [e["responses"] for e in data["events"]] == [1, 0]
    assert data["events"][0]["date"] == "2021-01-05"
    table = run("reciprocity", "RUS", "UKR", "--db", db, "--days", "1")
    assert "RUS->UKR: 2 events, 1 answered by UKR->RUS within 1 days" in table.output
    tft = json.loads(run("tit-for-tat", "GBR", "RUS", "--db", db, "-f", "json").output)
    assert [(e["first"], e["code"], e["response_code"], e["lag_days"]) for e in tft] == [
        ("GBR", "161", "161", 6)]
    none = run("tit-for-tat", "GBR", "RUS", "--db", db, "--days", "3")
    assert "no tit-for-tat episode between GBR and RUS" in none.output


def test_relations_roots(db):
    out = run("relations", "GBR", "RUS", "--db", db, "--by", "year", "--roots")
    assert "r16" in out.output and "r05" in out.output and "r07" not in out.output
    rows = json.loads(run("relations", "GBR", "RUS", "--db", db, "--by", "year", "--roots",
                          "-f", "json").output)
    by_key = {(r["period"], r["direction"]): r for r in rows}
    assert by_key[("2018-01-01", "GBR->RUS")]["root_16"] == 1
    assert by_key[("2021-01-01", "GBR->RUS")]["root_05"] == 1  # Britain praised Russia
    assert by_key[("2021-01-01", "RUS->GBR")]["root_05"] == 0


def test_relations_events_behind_a_point(db):
    out = run("relations", "RUS", "UKR", "--db", db, "--at", "2021-01-15", "-f", "json")
    rows = json.loads(out.output)
    assert [r["story_id"] for r in rows] == ["s6", "s7", "s8"]
    assert rows[1]["sentence"] == "Ukraine condemned Russia." and rows[1]["rule"]
    groups = json.loads(run("relations", "EU members", "@EU", "--db", db, "--by", "year",
                            "-f", "json").output)
    assert [(r["period"], r["direction"], r["events"]) for r in groups] == [
        ("2019-01-01", "@EU->@EU", 3)]


def test_events_and_export_take_groups(db, tmp_path):
    out = run("events", "--db", db, "--actor", "@EU", "-f", "jsonl")
    ids = [json.loads(line)["story_id"] for line in out.output.splitlines()]
    # Britain is in the EU in 2018-2019 (s1-s4), France and Germany throughout (s5, s9).
    assert ids == ["s1", "s2", "s3", "s4", "s5", "s5", "s9"]
    target = tmp_path / "eu_rus.csv"
    out = run("export", "--db", db, "--actor", "EU members", "--actor", "RUS", "-f", "csv",
              "-o", str(target))
    assert out.exit_code == 0 and len(target.read_text().splitlines()) == 1 + 3
    bad = CliRunner().invoke(main, ["events", "--db", db, "--actor", "@XX"])
    assert bad.exit_code == 2 and "not a known group" in bad.stderr


def test_relations_plot_png_and_svg(db, tmp_path):
    png = tmp_path / "rus_ukr.png"
    out = run("relations", "RUS", "UKR", "--db", db, "--plot", str(png), "-f", "csv")
    assert out.exit_code == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    svg = tmp_path / "eu.svg"
    out = run("relations", "GBR", "@EU", "--db", db, "--by", "year", "--plot", str(svg))
    text = svg.read_text(encoding="utf-8")
    assert "<svg" in text and "GBR and @EU by year" in text and "Goldstein mean" in text


@pytest.mark.parametrize("args, message", [
    (["relations", "RUS", "UKR", "--plot", "out.txt"], "must end in .png, .svg, .pdf"),
    (["relations", "@NOPE", "UKR"], "not a known group"),
    (["relations", "RUS", "UKR", "--plot", "x.png", "--at", "2021-01-01"], "cannot be used"),
    (["reciprocity", "R!S", "UKR"], "not an actor code"),
])
def test_bad_input_is_one_line_and_exit_2(db, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(main, [*args, "--db", db])
    assert out.exit_code == 2, out.output
    assert message in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.png").exists()


def test_bad_input_exit_status_from_a_real_process(db, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "dyadwatch", "tit-for-tat", "RUS", "@XX",
                           "--db", db], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert "'@XX' is not a known group" in proc.stderr and "Traceback" not in proc.stderr
