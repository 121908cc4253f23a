"""The hand-labelled actor evaluation: label loading, scoring, and a run on a tiny corpus."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("actor_eval", ROOT / "benchmarks" / "actor_eval.py")
assert _spec is not None and _spec.loader is not None
actor_eval = importlib.util.module_from_spec(_spec)
sys.modules["actor_eval"] = actor_eval
_spec.loader.exec_module(actor_eval)

STORY = ("Russia expelled 35 American diplomats on Friday. The Kremlin said the move was "
         "overdue. German Chancellor Angela Merkel criticised the expulsions in Berlin.")
CORPUS = "corpora/tiny/tiny.jsonl"


def _label(i: int, text: str, mention: str, category: str, code: str, **extra) -> dict:
    start = text.index(mention)
    return {"id": f"a{i}", "corpus": CORPUS, "story": "s1", "start": start,
            "end": start + len(mention), "sha1": actor_eval.mention_hash(mention),
            "category": category, "code": code, **extra}


def _write(path: Path, rows: list) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows),
                    encoding="utf-8")
    return path


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[Path, Path]:
    data, labels = tmp_path / "data", tmp_path / "labels"
    _write(data / CORPUS, [{"id": "s0", "date": "2016-12-30", "text": "Unrelated story."},
                           {"id": "s1", "date": "2016-12-30T10:00:00", "text": STORY}])
    _write(labels / "actors.jsonl", [
        _label(1, STORY, "Russia", "country", "RUS"),
        _label(2, STORY, "American diplomats", "sector", "USAGOV"),
        _label(3, STORY, "German Chancellor Angela Merkel", "person", "DEUGOV"),
        # Deliberately wrong expectation: the error path.
        _label(4, STORY, "Kremlin", "country", "CHNGOV", alt=["CHN"]),
    ])
    start = STORY.index("Berlin")
    _write(labels / "places.jsonl", [{"id": "p1", "corpus": CORPUS, "story": "s1",
                                      "start": start, "end": start + 6, "country": "DEU"}])
    return data, labels


def test_load_labels_reads_actor_and_place_files(tiny: tuple[Path, Path]) -> None:
    _, labels = tiny
    actors = actor_eval.load_labels(labels / "actors.jsonl", "actor")
    assert [a.id for a in actors] == ["a1", "a2", "a3", "a4"]
    assert actors[3].alt == ("CHN",) and actors[3].accepts("CHN") and not actors[3].accepts(None)
    places = actor_eval.load_labels(labels / "places.jsonl", "place")
    assert places[0].category == "place" and places[0].code == "DEU"


@pytest.mark.parametrize("line, message", [
    ("{not json", "not JSON"),
    (json.dumps({"id": "x", "corpus": "c", "story": "s", "start": 0, "end": 3,
                 "category": "country"}), "missing code"),
    (json.dumps({"id": "x", "corpus": "c", "story": "s", "start": 5, "end": 3,
                 "category": "country", "code": "RUS"}), "start < end"),
    (json.dumps({"id": "x", "corpus": "c", "story": "s", "start": 0, "end": 3,
                 "category": "weather", "code": "RUS"}), "unknown category 'weather'"),
])
def test_bad_label_lines_are_reported_with_file_and_line(tmp_path: Path, line: str,
                                                         message: str) -> None:
    good = {"id": "a", "corpus": "c", "story": "s", "start": 0, "end": 3,
            "category": "country", "code": "RUS"}
    path = _write(tmp_path / "actors.jsonl", [good, line])
    with pytest.raises(actor_eval.LabelError, match=f"actors.jsonl:2: .*{message}"):
        actor_eval.load_labels(path)


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    row = {"id": "a", "corpus": "c", "story": "s", "start": 0, "end": 3,
           "category": "country", "code": "RUS"}
    with pytest.raises(actor_eval.LabelError, match="duplicate id 'a'"):
        actor_eval.load_labels(_write(tmp_path / "actors.jsonl", [row, row]))


def test_scoring_counts_country_and_full_code_separately() -> None:
    result = actor_eval.Result()
    lab = actor_eval.Label("a", "c", "s", 0, 3, "sector", "SYRREB", alt=("SYRINS",))
    for got in ("SYRREB", "SYRINS", "SYRMIL", None, "IGOUNO"):
        result.add(lab, got)
    t = result.tallies["sector"]
    assert (t.n, t.country, t.code) == (5, 3, 2)
    assert [e["got"] for e in result.errors] == ["SYRMIL", None, "IGOUNO"]
    assert result.overall(actor_eval.CATEGORIES).to_dict() == {
        "n": 5, "country_acc": 0.6, "code_acc": 0.4}


def test_places_are_matched_by_overlapping_span(tiny: tuple[Path, Path]) -> None:
    data, labels = tiny
    places = actor_eval.load_labels(labels / "places.jsonl", "place")
    stories = actor_eval.read_stories(data, places)
    assert set(stories) == {"s1"}
    calls = []

    def locate(text: str, day: object) -> list[dict]:
        calls.append(day)
        at = text.index("Berlin")
        return [{"start": 0, "end": 6, "country": "RUS"},
                {"start": at, "end": at + 6, "country": "DEU", "name": "Berlin"}]

    result = actor_eval.Result()
    actor_eval.evaluate_places(places, stories, locate, result)
    assert result.tallies["place"].to_dict() == {"n": 1, "country_acc": 1.0, "code_acc": 1.0}
    assert str(calls[0]) == "2016-12-30"


def test_places_may_come_as_objects_with_a_nested_place(tiny: tuple[Path, Path]) -> None:
    from types import SimpleNamespace

    data, labels = tiny
    places = actor_eval.load_labels(labels / "places.jsonl", "place")
    stories = actor_eval.read_stories(data, places)

    def locate(text: str, day: object) -> list[SimpleNamespace]:
        at = text.index("Berlin")
        place = SimpleNamespace(country="USA", name="Berlin", geonames_id=None)
        return [SimpleNamespace(start_char=at, end_char=at + 6, place=place)]

    result = actor_eval.Result()
    actor_eval.evaluate_places(places, stories, locate, result)
    assert result.tallies["place"].to_dict() == {"n": 1, "country_acc": 0.0, "code_acc": 0.0}
    assert result.errors[0]["located"] == {"name": "Berlin", "country": "USA"}


def test_place_spans_are_resolved_one_by_one(tiny: tuple[Path, Path]) -> None:
    from types import SimpleNamespace

    data, labels = tiny
    at = STORY.index("Russia")
    _write(labels / "places.jsonl", [
        {"id": "p1", "corpus": CORPUS, "story": "s1", "start": at, "end": at + 6,
         "country": "RUS"},
        {"id": "p2", "corpus": CORPUS, "story": "s1", "start": STORY.index("Berlin"),
         "end": STORY.index("Berlin") + 6, "country": "DEU"},
        {"id": "p3", "corpus": CORPUS, "story": "s1", "start": STORY.index("Kremlin"),
         "end": STORY.index("Kremlin") + 7, "country": "RUS"}])
    places = actor_eval.load_labels(labels / "places.jsonl", "place")
    stories = actor_eval.read_stories(data, places)
    calls = []

    def resolve(text: str, day: object, spans: list[tuple[int, int]]) -> list:
        calls.append((str(day), [text[s:e] for s, e in spans]))
        return [{"location": "Russia", "location_country": "RUS", "location_rule": "span:country"},
                SimpleNamespace(country="USA", name="Berlin", geonames_id=None), None]

    result = actor_eval.Result()
    actor_eval.evaluate_place_spans(places, stories, resolve, result)
    assert calls == [("2016-12-30", ["Russia", "Berlin", "Kremlin"])]
    assert result.tallies["place"].to_dict() == {"n": 3, "country_acc": 0.3333,
                                                 "code_acc": 0.3333}
    assert [(e["id"], e["got"], e["located"]) for e in result.errors] == [
        ("p2", "USA", {"name": "Berlin", "country": "USA"}), ("p3", None, None)]


def test_without_the_span_resolver_places_are_scored_with_the_locator(
        tiny: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture) -> None:
    data, labels = tiny
    monkeypatch.setattr(actor_eval, "PLACE_SPANS_FUNCTION", "absent_function")
    assert actor_eval.find_span_resolver() is None
    assert actor_eval.main(["--data", str(data), "--labels", str(labels),
                            "--format", "json"]) == 0
    scores = json.loads(capsys.readouterr().out)["scores"]
    # dyadwatch.places.locate_text places "in Berlin" in Germany.
    assert scores["place"] == {"n": 1, "country_acc": 1.0, "code_acc": 1.0}


def test_a_changed_text_is_skipped_not_scored(tiny: tuple[Path, Path]) -> None:
    data, labels = tiny
    actors = actor_eval.load_labels(labels / "actors.jsonl", "actor")
    stories = actor_eval.read_stories(data, actors)
    stories["s1"] = {**stories["s1"], "text": "X" + STORY}
    result = actor_eval.Result()
    actor_eval.evaluate_actors(actors, stories, lambda *a: pytest.fail("nothing to resolve"),
                               result)
    assert len(result.skipped) == 4 and not result.tallies


def test_run_on_a_tiny_corpus_with_the_real_pipeline(tiny: tuple[Path, Path], tmp_path: Path,
                                                     capsys: pytest.CaptureFixture) -> None:
    data, labels = tiny
    errors = tmp_path / "errors.jsonl"
    rc = actor_eval.main(["--data", str(data), "--labels", str(labels), "--errors",
                          str(errors), "--format", "json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    scores = out["scores"]
    assert scores["actors"]["n"] == 4
    assert scores["country"] == {"n": 2, "country_acc": 0.5, "code_acc": 0.5}
    assert scores["sector"]["code_acc"] == 1.0 and scores["person"]["code_acc"] == 1.0
    # The real span resolver (dyadwatch.places.resolve_place_spans) places Berlin in Germany.
    assert scores["place"] == {"n": 1, "country_acc": 1.0, "code_acc": 1.0}
    wrong = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    assert [(e["id"], e["expected"], e["got"]) for e in wrong] == [("a4", "CHNGOV", "RUSGOV")]
    assert wrong[0]["text"] == "Kremlin" and wrong[0]["entry"][0]["phrase"] == "Kremlin"


def test_without_shared_data_it_says_so_and_exits_cleanly(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture) -> None:
    assert actor_eval.main(["--data", str(tmp_path / "absent")]) == 0
    assert "nothing measured" in capsys.readouterr().out


def test_a_bad_label_file_is_one_message_and_exit_2(tiny: tuple[Path, Path],
                                                    capsys: pytest.CaptureFixture) -> None:
    data, labels = tiny
    _write(labels / "actors.jsonl", ["{oops"])
    assert actor_eval.main(["--data", str(data), "--labels", str(labels)]) == 2
    err = capsys.readouterr().err
    assert "actors.jsonl:1" in err and "Traceback" not in err


def test_another_actor_label_file_is_scored_without_the_places(
        tiny: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    data, _ = tiny
    heldout = _write(tmp_path / "heldout.jsonl",
                     [_label(1, STORY, "Russia", "country", "RUS")])
    rc = actor_eval.main(["--data", str(data), "--actors", str(heldout), "--format", "json"])
    assert rc == 0
    scores = json.loads(capsys.readouterr().out)["scores"]
    assert scores["actors"] == {"n": 1, "country_acc": 1.0, "code_acc": 1.0}
    assert "place" not in scores


def test_the_heldout_labels_are_valid_and_share_no_story_with_the_tuning_set() -> None:
    tuning = actor_eval.load_labels(ROOT / "benchmarks" / "labels" / "actors.jsonl")
    heldout = actor_eval.load_labels(ROOT / "benchmarks" / "labels" / "actors_heldout.jsonl")
    assert len(heldout) >= 100
    assert not {lab.story for lab in tuning} & {lab.story for lab in heldout}
