"""Candidate generation of the learned ranker on a hand-made timeline."""

from __future__ import annotations

import numpy as np

from dyadwatch.analysis.forecasting.history import replay
from dyadwatch.analysis.forecasting.ranker import FEATURES, FeatureState, RankerConfig
from dyadwatch.analysis.forecasting.recurrency import RecurrencyBaseline


def _features_at(facts: np.ndarray, day: int, keys: np.ndarray, cfg: RankerConfig
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n, r2 = 6, 4
    at = np.r_[facts, [[0, 0, 0, day]]]  # a marker fact so that replay reaches `day`
    state = FeatureState(at, n, r2, RecurrencyBaseline(n, r2 // 2), cfg)
    out: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    replay(at, at[:, 3] == day, state, lambda d, q: out.append(state.features(keys, d)))
    return out[0]


FACTS = np.array([  # relations 0, 1 and their inverses 2, 3
    [0, 0, 1, 0], [1, 2, 0, 0], [4, 1, 2, 0], [2, 3, 4, 0],  # 1 is a neighbour of 0
    [1, 1, 2, 1], [2, 3, 1, 1], [1, 1, 0, 1], [0, 3, 1, 1],  # 1 -r1-> 2, 1 -r1-> 0
])


def test_two_hop_candidates() -> None:
    keys = np.array([[0, 1]])  # query (0, r1, ?)
    cfg = RankerConfig(top_popular=1, two_hop=5)
    g, o, x = _features_at(FACTS, 2, keys, cfg)
    f = {name: x[:, i] for i, name in enumerate(FEATURES)}
    by_obj = {int(e): k for k, e in enumerate(o)}
    assert set(by_obj) == {1, 2}  # neighbour 1; two-hop 2 (also the top popular of r1), not 0
    assert np.all(g == 0)
    two = by_obj[2]
    assert f["is_two_hop"][two] == 1 and f["is_neighbor"][two] == 0
    # w(0, 1): facts 2 days and 1 day old; dec(1, r1, 2): one fact 1 day old (half-life 10 days)
    assert np.isclose(f["h2_score"][two], (2 ** -0.2 + 2 ** -0.1) * 2 ** -0.1, rtol=1e-5)
    assert f["h2_rank"][two] == 0 and f["h2_ratio"][two] == 1
    nb = by_obj[1]
    assert f["is_two_hop"][nb] == 0 and f["h2_score"][nb] == 0


def test_two_hop_disabled() -> None:
    _, o, x = _features_at(FACTS, 2, np.array([[0, 1]]), RankerConfig(top_popular=1, two_hop=0))
    assert set(o.tolist()) == {1, 2}
    assert np.all(x[:, FEATURES.index("is_two_hop")] == 0)
    assert x[list(o).index(2), FEATURES.index("h2_score")] > 0  # still a feature
