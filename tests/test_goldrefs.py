"""Gold lines with references into a corpus: the text is joined in at evaluation time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dyadwatch.evaluate import GoldLine, evaluate, read_gold
from dyadwatch.goldrefs import ENV, GoldDataMissing, text_sha1
from dyadwatch.stories import Reject

STORY = ("Officials met on Monday. Russia criticized Ukraine over the border. "
         "The weather was mild.")
SENT = "Russia criticized Ukraine over the border."


def _corpus(tmp_path: Path) -> Path:
    data = tmp_path / "shared" / "data"
    (data / "news").mkdir(parents=True)
    (data / "news" / "stories.jsonl").write_text(
        json.dumps({"id": "st-1", "date": "2017-07-28", "text": STORY}) + "\n"
        + json.dumps({"id": "st-2", "date": "2017-07-29", "text": "Nothing here."}) + "\n",
        encoding="utf-8")
    (data / "news" / "sents.tsv").write_bytes(
        b"Germany praised France.\t1\r\nThe rain fell.\t0\r\n")
    return data


def _gold(folder: Path, lines: list[dict], name: str = "gold.jsonl") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return path


def _span_ref(start: int | None = None, end: int | None = None, **extra: object) -> dict:
    s = STORY.index(SENT) if start is None else start
    e = s + len(SENT) if end is None else end
    return {"id": "st-1:s1", "date": "2017-07-28",
            "ref": {"file": "news/stories.jsonl", "story": "st-1", "start": s, "end": e},
            "events": [{"source": "RUS", "target": "UKR", "code": "111"}], **extra}


def test_offsets_and_lines_join_the_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    _corpus(tmp_path)
    gold = _gold(tmp_path / "repo" / "benchmarks" / "gold", [
        _span_ref(sha1=text_sha1(SENT)[:10]),
        {"id": "tsv:L0", "date": "2018-01-01", "ref": {"file": "news/sents.tsv", "line": 0},
         "events": [{"source": "DEU", "target": "FRA", "code": "051"}]},
        {"id": "tsv:L1", "date": "2018-01-01", "ref": {"file": "news/sents.tsv", "line": 1},
         "events": []},
        {"id": "plain", "date": "2018-01-01", "text": "Spain thanked Italy.", "events": []},
    ])
    items = list(read_gold(gold))
    assert all(isinstance(x, GoldLine) for x in items), items
    assert [x.text for x in items if isinstance(x, GoldLine)] == [
        SENT, "Germany praised France.", "The rain fell.", "Spain thanked Italy."]


def test_env_variable_names_the_data_folder(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    data = _corpus(tmp_path / "elsewhere")
    monkeypatch.setenv(ENV, str(data))
    gold = _gold(tmp_path / "g", [_span_ref()])
    (line,) = read_gold(gold)
    assert isinstance(line, GoldLine) and line.text == SENT


@pytest.mark.parametrize(("ref_line", "says"), [
    (_span_ref(sha1="0000000000"), "has changed"),
    (_span_ref(start=5, end=10_000), "outside story"),
    ({**_span_ref(), "ref": {"file": "news/stories.jsonl", "story": "nope", "start": 0,
                             "end": 3}}, "no story"),
    ({**_span_ref(), "ref": {"file": "news/sents.tsv", "line": 9}}, "no line 9"),
    ({**_span_ref(), "ref": {"file": "news/missing.jsonl", "story": "st-1", "start": 0,
                             "end": 3}}, "does not exist"),
    ({**_span_ref(), "ref": {"file": "../outside.tsv", "line": 0}}, "inside the data folder"),
    ({**_span_ref(), "ref": {"file": "news/sents.tsv", "line": -1}}, "non-negative"),
])
def test_bad_references_are_rejected_with_a_reason(tmp_path: Path, ref_line: dict, says: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    _corpus(tmp_path)
    gold = _gold(tmp_path / "repo", [ref_line, _span_ref()])
    first, second = read_gold(gold)
    assert isinstance(first, Reject) and first.reason == "bad-gold"
    assert says in first.message and first.origin.endswith(":1")
    assert isinstance(second, GoldLine)  # one bad line does not stop the file


def test_missing_data_folder_is_one_user_error(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, str(tmp_path / "absent"))
    gold = _gold(tmp_path / "repo", [_span_ref()])
    with pytest.raises(GoldDataMissing, match="not here"):
        list(read_gold(gold))
    run = subprocess.run([sys.executable, "-m", "dyadwatch", "eval", str(gold)],
                         capture_output=True, text=True, env={**_env(), ENV: str(tmp_path / "x")})
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr and "DYADWATCH_DATA" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != ENV}


def test_evaluation_scores_referenced_sentences(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    _corpus(tmp_path)
    gold = _gold(tmp_path / "repo", [
        _span_ref(),
        {"id": "tsv:L1", "date": "2018-01-01", "ref": {"file": "news/sents.tsv", "line": 1},
         "events": []},
    ])
    result = evaluate([gold])
    assert not result.rejects
    assert result.overall.lines == 2
    root = result.overall.tallies["root"]
    assert root.gold == 1 and root.tp == 1, result.errors
