"""Recurrency baseline (Gastinger et al. 2024): strict recurrency psi + relaxed recurrency xi.

psi(s, r, o, t) = sum over earlier facts (s, r, o, t') of 2 ** (-lambda * (t - t')), normalised by
the same sum over every earlier day; xi(r, o) = share of o among the objects of relation r so far.
score = alpha * psi + (1 - alpha) * xi, with lambda and alpha tuned per relation on valid.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .data import TKGData, add_inverse
from .history import DayState, KeyedCounter, replay
from .metrics import filtered_ranks, query_groups

LAMBDA_GRID = (0.0, 0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0)
ALPHA_GRID = (0.0, 1e-4, 1e-3, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 0.999, 0.9999, 1.0)

DayCallback = Callable[["RecurrencyState", int, np.ndarray], None]


class RecurrencyState(DayState):
    """History of (s, r, o) facts (decayed for a grid of lambdas) and (r, o) object counts."""

    def __init__(self, facts: np.ndarray, num_entities: int, num_rel2: int,
                 lambdas: tuple[float, ...]) -> None:
        self.n = num_entities
        self.r2 = num_rel2
        self.lambdas = np.asarray(lambdas, dtype=np.float64)
        self.triples = KeyedCounter(self.triple_key(facts[:, 0], facts[:, 1], facts[:, 2]), lambdas)
        self.fact_tid = self.triples.ids(self.triple_key(facts[:, 0], facts[:, 1], facts[:, 2]))
        self.ro = np.zeros((num_rel2, num_entities), dtype=np.float64)
        self.first_day: int | None = None

    def triple_key(self, s: np.ndarray, r: np.ndarray, o: np.ndarray) -> np.ndarray:
        return (s.astype(np.int64) * self.r2 + r) * self.n + o

    def add(self, idx: np.ndarray, facts: np.ndarray, day: int) -> None:
        if self.first_day is None:
            self.first_day = day
        self.triples.add(self.fact_tid[idx], day)
        np.add.at(self.ro, (facts[idx, 1], facts[idx, 2]), 1.0)

    def psi(
        self, s: np.ndarray, r: np.ndarray, day: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(owner group, object, normalised psi (n, n_lambdas)) for the seen (s, r, ?) triples."""
        lo = self.triple_key(s, r, np.zeros_like(s))
        owner, tid = self.triples.range_ids(lo, lo + self.n)
        dec = self.triples.decayed(tid, day)
        span = day - (self.first_day if self.first_day is not None else day)
        k = np.arange(1, max(span, 0) + 1, dtype=np.float64)
        norm = np.exp2(-self.lambdas[None, :] * k[:, None]).sum(axis=0) if span > 0 else None
        if norm is not None:
            dec = dec / np.maximum(norm, 1e-300)[None, :]
        return owner, self.triples.keys[tid] % self.n, dec

    def xi(self) -> np.ndarray:
        tot = self.ro.sum(axis=1, keepdims=True)
        return np.divide(self.ro, tot, out=np.zeros_like(self.ro), where=tot > 0)


def timeline(data: TKGData) -> tuple[np.ndarray, np.ndarray]:
    """All facts with inverses, and the split index (0 train, 1 valid, 2 test) of each."""
    r = data.num_relations
    parts = [add_inverse(data.split(n), r) for n in ("train", "valid", "test")]
    names = np.concatenate([np.full(len(p), i) for i, p in enumerate(parts)])
    return np.concatenate(parts), names


def stream(data: TKGData, split: str, lambdas: tuple[float, ...], on_day: DayCallback) -> None:
    """Replay the timeline; call on_day(state, day, queries) for each day of `split`.

    The state holds all facts strictly before the day (single-step: earlier days of the
    evaluated split are known).
    """
    facts, names = timeline(data)
    target = ("train", "valid", "test").index(split)
    state = RecurrencyState(facts, data.num_entities, 2 * data.num_relations, lambdas)
    replay(facts, names == target, state, lambda day, q: on_day(state, day, q))


@dataclass
class RecurrencyBaseline:
    """Per-relation (lambda, alpha) recurrency baseline."""

    num_entities: int
    num_relations: int
    lambdas: tuple[float, ...] = LAMBDA_GRID
    alphas: tuple[float, ...] = ALPHA_GRID
    min_queries: int = 10
    lam_idx: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    alpha: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        r2 = 2 * self.num_relations
        if len(self.lam_idx) == 0:
            self.lam_idx = np.full(r2, self.lambdas.index(0.1) if 0.1 in self.lambdas else 0)
        if len(self.alpha) == 0:
            self.alpha = np.full(r2, 0.99)

    def _ranks_for_day(self, state: RecurrencyState, day: int, queries: np.ndarray,
                       lam_idx: np.ndarray, alpha: np.ndarray | None,
                       xi: np.ndarray | None, xi_sorted: np.ndarray | None) -> np.ndarray:
        qg, keys = query_groups(queries, self.num_entities)
        owner, obj, psi = state.psi(keys[:, 0], keys[:, 1], day)
        rel = keys[:, 1]
        psi_sel = psi[np.arange(len(owner)), lam_idx[rel[owner]]]
        if alpha is None:  # psi only, everything else tied at 0
            return filtered_ranks(qg, queries[:, 2], owner, obj, psi_sel, self.num_entities)
        assert xi is not None and xi_sorted is not None
        a_rel = alpha[:, None]
        bg = (1.0 - a_rel) * xi
        bg_sorted = (1.0 - a_rel) * xi_sorted
        a_c = alpha[rel[owner]]
        score = a_c * psi_sel + (1.0 - a_c) * xi[rel[owner], obj]
        return filtered_ranks(qg, queries[:, 2], owner, obj, score, self.num_entities,
                              background=bg, bg_row=rel, background_sorted=bg_sorted)

    def tune(self, data: TKGData, split: str = "valid") -> dict[str, float]:
        """Choose lambda (psi only), then alpha, per relation by MRR on `split`."""
        r2 = 2 * self.num_relations
        nl = len(self.lambdas)
        rr_l: list[np.ndarray] = []
        rels: list[np.ndarray] = []

        def by_lambda(state: RecurrencyState, day: int, q: np.ndarray) -> None:
            cols = [1.0 / self._ranks_for_day(state, day, q, np.full(r2, i), None, None, None)
                    for i in range(nl)]
            rr_l.append(np.stack(cols, axis=1))
            rels.append(q[:, 1])

        stream(data, split, self.lambdas, by_lambda)
        rr = np.concatenate(rr_l)
        rel = np.concatenate(rels)
        self.lam_idx = self._best_per_relation(rr, rel, r2)
        rr_a: list[np.ndarray] = []

        def by_alpha(state: RecurrencyState, day: int, q: np.ndarray) -> None:
            xi = state.xi()
            xi_sorted = np.sort(xi, axis=1)
            cols = [1.0 / self._ranks_for_day(state, day, q, self.lam_idx, np.full(r2, a), xi,
                                              xi_sorted) for a in self.alphas]
            rr_a.append(np.stack(cols, axis=1))

        stream(data, split, self.lambdas, by_alpha)
        rra = np.concatenate(rr_a)
        a_idx = self._best_per_relation(rra, rel, r2)
        self.alpha = np.asarray(self.alphas)[a_idx]
        chosen = rra[np.arange(len(rel)), a_idx[rel]]
        return {"tuned_mrr": float(chosen.mean() * 100)}

    def _best_per_relation(self, rr: np.ndarray, rel: np.ndarray, r2: int) -> np.ndarray:
        glob = int(np.argmax(rr.mean(axis=0)))
        sums = np.zeros((r2, rr.shape[1]))
        np.add.at(sums, rel, rr)
        counts = np.bincount(rel, minlength=r2)
        best = np.argmax(sums, axis=1)
        return np.where(counts >= self.min_queries, best, glob)

    def evaluate(self, data: TKGData, split: str = "test") -> tuple[np.ndarray, np.ndarray]:
        """Filtered ranks of every query of `split` (with inverses); returns (queries, ranks)."""
        out_r: list[np.ndarray] = []
        out_q: list[np.ndarray] = []

        def on_day(state: RecurrencyState, day: int, q: np.ndarray) -> None:
            xi = state.xi()
            out_r.append(self._ranks_for_day(state, day, q, self.lam_idx, self.alpha, xi,
                                             np.sort(xi, axis=1)))
            out_q.append(q)

        stream(data, split, self.lambdas, on_day)
        if not out_r:
            return np.zeros((0, 4), dtype=np.int64), np.zeros(0)
        return np.concatenate(out_q), np.concatenate(out_r)
