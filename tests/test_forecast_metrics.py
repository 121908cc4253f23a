"""Time-aware filtered ranks with mean-rank ties on hand-made score tables."""

from __future__ import annotations

import numpy as np
import pytest

from dyadwatch.analysis.forecasting.metrics import (
    filtered_ranks,
    query_groups,
    ranks_dense,
    summarize,
)


def test_dense_ranks_ties_and_filter() -> None:
    # one (s, r, t) group with true objects {1, 2}; a second group with true object 4
    scores = np.array([
        [0.5, 0.9, 0.9, 0.9, 0.1],
        [0.5, 0.9, 0.9, 0.9, 0.1],
        [0.5, 0.9, 0.9, 0.9, 0.1],
    ])
    targets = np.array([1, 2, 4])
    filt = np.zeros_like(scores, dtype=bool)
    filt[0, 2] = True  # time-aware filter: the other true object of the same group
    filt[1, 1] = True
    ranks = ranks_dense(scores, targets, filt)
    # target 1: nothing strictly better, one unfiltered tie (entity 3) -> 1 + 0 + 1/2
    # target 4: four entities strictly better, no tie -> 5
    assert ranks.tolist() == [1.5, 1.5, 5.0]


def test_sparse_ranks_match_hand_computed() -> None:
    n = 5
    q_group = np.array([0, 0, 1])
    q_target = np.array([1, 2, 4])
    # group 0 and group 1 score 1, 2, 3 as 0.9 and 0 as 0.5; the rest (4) is background 0.1
    cg = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    ce = np.array([0, 1, 2, 3, 0, 1, 2, 3])
    cs = np.array([0.5, 0.9, 0.9, 0.9, 0.5, 0.9, 0.9, 0.9])
    ranks = filtered_ranks(q_group, q_target, cg, ce, cs, n, bg_const=0.1)
    assert ranks.tolist() == [1.5, 1.5, 5.0]


def test_unscored_target_gets_mean_rank_of_the_rest() -> None:
    # 10 entities, two candidates scored, target 7 unscored: tied with the 8 - 1 other rest
    ranks = filtered_ranks(np.array([0]), np.array([7]), np.array([0, 0]), np.array([3, 4]),
                           np.array([2.0, 1.0]), 10, bg_const=-1e30)
    # 2 better + (7 ties + 1) / 2 -> 2 + 1 + 3.5
    assert ranks.tolist() == [6.5]


def test_filter_is_per_time_step() -> None:
    # same (s, r) at two days: the answer of day 1 is not filtered at day 2
    queries = np.array([[0, 0, 1, 1], [0, 0, 2, 2]])
    qg, keys = query_groups(queries, 4)
    assert len(keys) == 2
    g_scores = np.array([[0.0, 1.0, 0.5, 0.0], [0.0, 1.0, 0.5, 0.0]])
    cg = np.repeat(np.arange(2), 4)
    ce = np.tile(np.arange(4), 2)
    ranks = filtered_ranks(qg, queries[:, 2], cg, ce, g_scores.reshape(-1), 4)
    assert ranks.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("use_background", [False, True])
def test_sparse_equals_dense_reference(use_background: bool) -> None:
    rng = np.random.default_rng(7)
    for _ in range(60):
        n, n_groups, n_rows = int(rng.integers(3, 12)), int(rng.integers(1, 5)), 3
        bg = rng.integers(0, 3, size=(n_rows, n)).astype(float) if use_background else None
        bg_row = rng.integers(0, n_rows, size=n_groups)
        cg_l, ce_l, cs_l, qg_l, qt_l = [], [], [], [], []
        for g in range(n_groups):
            ents = rng.choice(n, size=int(rng.integers(0, n + 1)), replace=False)
            cg_l += [g] * len(ents)
            ce_l += ents.tolist()
            cs_l += rng.integers(0, 4, size=len(ents)).astype(float).tolist()
            ans = rng.choice(n, size=int(rng.integers(1, min(4, n) + 1)), replace=False)
            qg_l += [g] * len(ans)
            qt_l += ans.tolist()
        cg, ce, cs = np.array(cg_l, dtype=int), np.array(ce_l, dtype=int), np.array(cs_l)
        qg, qt = np.array(qg_l), np.array(qt_l)
        dense = np.full((n_groups, n), -1.0) if bg is None else bg[bg_row].copy()
        dense[cg, ce] = cs
        filt = np.zeros((len(qg), n), dtype=bool)
        for i in range(len(qg)):
            filt[i, qt[qg == qg[i]]] = True
        ref = ranks_dense(dense[qg], qt, filt)
        got = filtered_ranks(qg, qt, cg, ce, cs, n, background=bg,
                             bg_row=bg_row if bg is not None else None, bg_const=-1.0, chunk=5)
        np.testing.assert_allclose(got, ref)


def test_summarize() -> None:
    m = summarize(np.array([1.0, 2.0, 4.0, 1.5]))
    assert m["mrr"] == pytest.approx((1 + 0.5 + 0.25 + 1 / 1.5) / 4 * 100)
    assert m["hits@1"] == 25.0
    assert m["hits@3"] == 75.0
    assert m["hits@10"] == 100.0
    assert m["n_queries"] == 4
