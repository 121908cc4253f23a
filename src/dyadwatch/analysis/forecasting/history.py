"""Incremental, day-by-day history counters over keyed facts (counts, recency, decayed sums)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np


def expand_ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ranges [lo_i, hi_i) return (owner i, position) for every position in every range."""
    lens = np.maximum(hi - lo, 0)
    owner = np.repeat(np.arange(len(lo)), lens)
    if len(owner) == 0:
        return owner, owner.copy()
    offs = np.arange(len(owner)) - np.repeat(np.cumsum(lens) - lens, lens)
    return owner, np.repeat(lo, lens) + offs


class KeyedCounter:
    """Counts, last day and exponentially decayed sums (half-life 1/lambda days) per int64 key.

    The universe of keys is fixed up front (all facts of the timeline); only facts added so far
    count. Decayed sums are updated lazily: value(t) = dec * 2 ** (-lambda * (t - upd)).
    """

    def __init__(self, keys: np.ndarray, lambdas: Sequence[float]) -> None:
        self.keys = np.unique(keys)
        n = len(self.keys)
        self.lambdas = np.asarray(lambdas, dtype=np.float64)
        self.cnt = np.zeros(n, dtype=np.float64)
        self.last = np.full(n, -1, dtype=np.int64)
        self.first = np.full(n, -1, dtype=np.int64)
        self.dec = np.zeros((n, len(self.lambdas)), dtype=np.float64)
        self.upd = np.zeros(n, dtype=np.int64)

    def ids(self, keys: np.ndarray) -> np.ndarray:
        """Index of each key, -1 when the key is unknown."""
        pos = np.searchsorted(self.keys, keys)
        pos = np.minimum(pos, len(self.keys) - 1)
        ok = self.keys[pos] == keys if len(self.keys) else np.zeros(len(keys), dtype=bool)
        return np.where(ok, pos, -1)

    def add(self, ids: np.ndarray, day: int) -> None:
        u, c = np.unique(ids, return_counts=True)
        if len(self.lambdas):
            fac = np.exp2(-self.lambdas[None, :] * (day - self.upd[u])[:, None])
            self.dec[u] = self.dec[u] * fac + c[:, None]
        self.upd[u] = day
        self.cnt[u] += c
        self.last[u] = day
        self.first[u] = np.where(self.first[u] < 0, day, self.first[u])

    def decayed(self, ids: np.ndarray, day: int) -> np.ndarray:
        """(len(ids), n_lambdas) decayed sums as seen from `day`; 0 for id -1."""
        safe = np.maximum(ids, 0)
        fac = np.exp2(-self.lambdas[None, :] * (day - self.upd[safe])[:, None])
        out = self.dec[safe] * fac
        out[ids < 0] = 0.0
        return out

    def decayed_at(self, ids: np.ndarray, day: int, col: int) -> np.ndarray:
        """Decayed sums of one lambda (index col) as seen from `day`; 0 for id -1."""
        safe = np.maximum(ids, 0)
        out = self.dec[safe, col] * np.exp2(-self.lambdas[col] * (day - self.upd[safe]))
        out[ids < 0] = 0.0
        return out

    def get(self, arr: np.ndarray, ids: np.ndarray, fill: float = 0.0) -> np.ndarray:
        out = arr[np.maximum(ids, 0)].astype(np.float64)
        out[ids < 0] = fill
        return out

    def range_ids(self, lo_keys: np.ndarray, hi_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(owner, id) of the seen keys k with lo_keys[owner] <= k < hi_keys[owner]."""
        lo = np.searchsorted(self.keys, lo_keys)
        hi = np.searchsorted(self.keys, hi_keys)
        owner, ids = expand_ranges(lo, hi)
        seen = self.cnt[ids] > 0
        return owner[seen], ids[seen]


def iter_days(days: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (day, indices of the facts of that day) in increasing day order."""
    order = np.argsort(days, kind="stable")
    sd = days[order]
    bounds = np.flatnonzero(np.diff(sd)) + 1
    for seg in np.split(order, bounds):
        if len(seg):
            yield int(days[seg[0]]), seg


class DayState:
    """Protocol-like base: a history that can absorb one day's facts."""

    def add(self, idx: np.ndarray, facts: np.ndarray, day: int) -> None:  # pragma: no cover
        raise NotImplementedError


def replay(
    facts: np.ndarray,
    eval_mask: np.ndarray,
    state: DayState,
    on_day: Callable[[int, np.ndarray], None],
    first_eval_day: int = 0,
) -> None:
    """Replay facts day by day: on_day(day, facts of the day under eval_mask), then add the day.

    on_day only sees history strictly before its day. Stops after the last evaluated day.
    """
    sel = eval_mask & (facts[:, 3] >= first_eval_day)
    last_eval = int(facts[sel, 3].max(initial=-1))
    for day, idx in iter_days(facts[:, 3]):
        if day > last_eval:
            break
        q = idx[sel[idx]]
        if len(q):
            on_day(day, facts[q])
        state.add(idx, facts, day)
