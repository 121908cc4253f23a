"""`dyadwatch eval`: scoring against gold files written for these tests."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from dyadwatch.evaluate import country_of, evaluate

GOLD = [
    {"id": "a", "date": "2020-01-01", "text": "Russian troops attacked Ukraine.",
     "events": [{"source": "RUSMIL", "target": "UKR", "code": "190"}], "construction": "active"},
    {"id": "b", "date": "2020-01-01", "text": "Two Turkish diplomats were expelled by Iran.",
     "events": [{"source": "IRN", "target": "TURGOV", "code": "161"}],
     "construction": "passive"},
    {"id": "c", "date": "2020-01-01", "text": "The weather was fine in Paris.", "events": [],
     "construction": "none"},
    # The coder says "praise" (051); gold says "sign" (057): same root, other code.
    {"id": "d", "date": "2020-01-01", "text": "Chile praised Peru.",
     "events": [{"source": "CHL", "target": "PER", "code": "057"}], "construction": "active"},
    # Gold has one direction; the coder codes a meeting both ways: one extra.
    {"id": "e", "date": "2020-01-01", "text": "Japan met South Korea.",
     "events": [{"source": "JPN", "target": "KOR", "code": "044"}], "construction": "recip"},
    # Missed entirely: gold expects an event the coder cannot see.
    {"id": "f", "date": "2020-01-01", "text": "Norway and Sweden are neighbours.",
     "events": [{"source": "NOR", "target": "SWE", "code": "010"}], "construction": "none"},
]


def _write(tmp_path: Path) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(g) + "\n" for g in GOLD))
    return path


def test_scores_are_counted_on_each_key(tmp_path):
    result = evaluate([_write(tmp_path)], by="construction")
    root = result.overall.tallies["root"]
    # Coded: a, b, d, e (both ways) = 5; gold: 5 events; matched on root: a, b, d, e = 4.
    assert (root.tp, root.predicted, root.gold) == (4, 5, 5)
    assert abs(root.precision - 0.8) < 1e-9 and abs(root.recall - 0.8) < 1e-9
    code = result.overall.tallies["code"]
    assert code.tp == 3  # d differs on the full code
    actor = result.overall.tallies["actor"]
    assert actor.tp == 4  # country-only gold actors match any sector of that country
    assert result.overall.quad_total == 4 and result.overall.quad_right == 4
    assert result.overall.confusion[("01", "none")] == 1
    assert result.groups["passive"].tallies["root"].tp == 1


def test_errors_list_misses_and_extras_with_rule(tmp_path):
    result = evaluate([_write(tmp_path)], level="root")
    kinds = sorted((e["kind"], e["id"]) for e in result.errors)
    assert kinds == [("extra", "e"), ("miss", "f")]
    extra = next(e for e in result.errors if e["kind"] == "extra")
    assert extra["event"]["rule"].startswith("044:verb:meet")
    assert extra["sentence"] == "Japan met South Korea."


def test_country_of_keeps_organisations():
    assert country_of("RUSGOV") == "RUS"
    assert country_of("USR") == "USR"
    assert country_of("IGOUNO") == "IGOUNO"


def test_eval_command(tmp_path):
    gold = _write(tmp_path)
    with gold.open("a") as fh:
        fh.write("not json\n")
    errors = tmp_path / "errors.jsonl"
    r = subprocess.run([sys.executable, "-m", "dyadwatch", "eval", str(gold), "--format", "json",
                        "--errors", str(errors), "--by", "root"], capture_output=True)
    assert r.returncode == 1  # the bad line is rejected, the rest scored
    assert b"gold.jsonl:7" in r.stderr and b"Traceback" not in r.stderr
    report = json.loads(r.stdout)
    assert report["overall"]["root"]["tp"] == 4 and report["overall"]["lines"] == 6
    assert set(report["groups"]) == {"19", "16", "none", "05", "04", "01"}
    assert len(errors.read_text().splitlines()) == 2
    table = subprocess.run([sys.executable, "-m", "dyadwatch", "eval", str(_write(tmp_path))],
                           capture_output=True)
    assert table.returncode == 0 and b"overall" in table.stdout
