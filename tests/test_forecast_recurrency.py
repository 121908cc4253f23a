"""Recurrency baseline and the forecast-bench command on small hand-made datasets."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from dyadwatch.analysis.forecasting.bench import forecast_bench, run_bench
from dyadwatch.analysis.forecasting.data import add_inverse, load_tkg
from dyadwatch.analysis.forecasting.recurrency import LAMBDA_GRID, RecurrencyBaseline


def _write(d: Path, name: str, rows: list[tuple[int, int, int, int]]) -> None:
    (d / name).write_text("".join(f"{s}\t{r}\t{o}\t{t}\n" for s, r, o, t in rows))


@pytest.fixture()
def tiny(tmp_path: Path) -> Path:
    # t in hours (multiples of 24) -> days 0..4
    _write(tmp_path, "train.txt", [(0, 0, 1, 0), (0, 0, 2, 24), (3, 0, 2, 48)])
    _write(tmp_path, "valid.txt", [(3, 0, 2, 72)])
    _write(tmp_path, "test.txt", [(0, 0, 1, 96)])
    (tmp_path / "stat.txt").write_text("5\t1\n")
    return tmp_path


def test_load_days_and_inverse(tiny: Path) -> None:
    data = load_tkg(tiny)
    assert data.time_step == 24
    assert data.num_entities == 5 and data.num_relations == 1
    assert data.test.tolist() == [[0, 0, 1, 4]]
    inv = add_inverse(data.test, data.num_relations)
    assert inv.tolist() == [[0, 0, 1, 4], [1, 1, 0, 4]]


def _baseline(lam: float, alpha: float) -> RecurrencyBaseline:
    b = RecurrencyBaseline(5, 1)
    b.lam_idx = np.full(2, LAMBDA_GRID.index(lam))
    b.alpha = np.full(2, alpha)
    return b


def test_strict_recurrency_prefers_recent(tiny: Path) -> None:
    data = load_tkg(tiny)
    queries, ranks = _baseline(1.0, 1.0).evaluate(data, "test")
    got = {tuple(q): r for q, r in zip(queries.tolist(), ranks.tolist(), strict=True)}
    # (0, 0, ?, 4): object 2 seen at day 1 beats object 1 seen at day 0 -> rank 2
    assert got[(0, 0, 1, 4)] == 2.0
    # inverse (1, 0^-1, ?, 4): only 0 was ever linked to 1 -> rank 1
    assert got[(1, 1, 0, 4)] == 1.0


def test_no_decay_ties_by_mean_rank(tiny: Path) -> None:
    data = load_tkg(tiny)
    queries, ranks = _baseline(0.0, 1.0).evaluate(data, "test")
    # lambda 0: objects 1 and 2 each seen once for (0, 0) -> tie: 1 + 1/2
    assert ranks[queries[:, 1] == 0].tolist() == [1.5]


def test_relaxed_recurrency_counts_objects_of_relation(tiny: Path) -> None:
    data = load_tkg(tiny)
    queries, ranks = _baseline(0.1, 0.0).evaluate(data, "test")
    # xi: relation 0 had object 2 three times (days 1, 2, 3) and object 1 once -> rank 2
    assert ranks[queries[:, 1] == 0].tolist() == [2.0]


def test_tune_runs(tiny: Path) -> None:
    data = load_tkg(tiny)
    b = RecurrencyBaseline(data.num_entities, data.num_relations)
    res = b.tune(data, "valid")
    assert 0.0 <= res["tuned_mrr"] <= 100.0
    assert b.alpha.shape == (2,)


def test_bench_command_end_to_end(tiny: Path) -> None:
    out = CliRunner().invoke(forecast_bench, [str(tiny), "--method", "recurrency",
                                              "--format", "json", "--with-valid"])
    assert out.exit_code == 0, out.output
    res = json.loads(out.output)
    assert res["method"] == "recurrency" and res["split"] == "test"
    assert res["n_queries"] == 2 and 0 <= res["mrr"] <= 100
    assert res["valid"]["n_queries"] == 2
    assert res["seconds"] > 0 and res["peak_rss_mb"] > 0
    table = CliRunner().invoke(forecast_bench, [str(tiny), "--method", "recurrency"])
    assert table.exit_code == 0 and "MRR" in table.output


def test_ranker_end_to_end(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    rows: dict[str, list[tuple[int, int, int, int]]] = {"train": [], "valid": [], "test": []}
    for day in range(40):
        split = "train" if day < 30 else "valid" if day < 35 else "test"
        for s in range(12):
            if rng.random() < 0.6:
                o = (s + 1 + (day % 2)) % 12 if rng.random() < 0.8 else int(rng.integers(12))
                rows[split].append((s, int(s % 3), o, day))
    for name, r in rows.items():
        _write(tmp_path, f"{name}.txt", r)
    res = run_bench(str(tmp_path), method="ranker", split="test", with_valid=True,
                    ranker_options={"min_data_in_leaf": 5, "num_rounds": 20})
    assert res["method"] == "ranker"
    assert 0 < res["mrr"] <= 100 and res["valid"]["mrr"] > 0
