"""Time-aware filtered ranks (ties ranked by their mean rank), MRR and Hits@k."""

from __future__ import annotations

import numpy as np

HITS = (1, 3, 10)


def query_groups(queries: np.ndarray, num_entities: int) -> tuple[np.ndarray, np.ndarray]:
    """Group (s, r, o, t) queries by (s, r, t); return (group id per query, group keys (G, 3)).

    The time-aware filter of a query is the set of the other objects of its group.
    """
    key = np.stack([queries[:, 0], queries[:, 1], queries[:, 3]], axis=1)
    uniq, inv = np.unique(key, axis=0, return_inverse=True)
    return inv.reshape(-1).astype(np.int64), uniq


def ranks_dense(scores: np.ndarray, targets: np.ndarray, filter_mask: np.ndarray) -> np.ndarray:
    """Reference ranks from a dense (nq, N) score matrix.

    filter_mask[q, e] is True for entities removed from query q's ranking (other true answers);
    the target itself is never removed. rank = 1 + #better + #ties / 2 (mean rank of the tie).
    """
    nq = scores.shape[0]
    idx = np.arange(nq)
    tau = scores[idx, targets]
    keep = ~filter_mask.copy()
    keep[idx, targets] = False  # the target is not compared with itself
    better = ((scores > tau[:, None]) & keep).sum(axis=1)
    ties = ((scores == tau[:, None]) & keep).sum(axis=1)
    return 1.0 + better + ties / 2.0


def filtered_ranks(
    q_group: np.ndarray,
    q_target: np.ndarray,
    cand_group: np.ndarray,
    cand_entity: np.ndarray,
    cand_score: np.ndarray,
    num_entities: int,
    background: np.ndarray | None = None,
    bg_row: np.ndarray | None = None,
    bg_const: float = 0.0,
    background_sorted: np.ndarray | None = None,
    chunk: int = 4_000_000,
) -> np.ndarray:
    """Time-aware filtered ranks from sparse scores, with mean-rank ties.

    Each group g (one (s, r, t)) scores every entity: cand_score for its listed candidates
    (unique per group), else background[bg_row[g], e] (or bg_const when background is None).
    Queries of a group are its true answers: each is ranked with the other answers removed.
    background_sorted, if given, holds the rows of background already sorted ascending.
    """
    q_group = np.asarray(q_group, dtype=np.int64)
    q_target = np.asarray(q_target, dtype=np.int64)
    n = np.int64(num_entities)
    nq = len(q_group)
    if nq == 0:
        return np.zeros(0)
    # U = candidates ∪ answers, unique per group, sorted by group
    ckey = np.asarray(cand_group, dtype=np.int64) * n + np.asarray(cand_entity, dtype=np.int64)
    akey = np.unique(q_group * n + q_target)
    ukey = np.union1d(ckey, akey)
    u_group = ukey // n
    u_ent = ukey % n

    def bg_of(groups: np.ndarray, ents: np.ndarray) -> np.ndarray:
        if background is None:
            return np.full(len(groups), bg_const, dtype=np.float64)
        assert bg_row is not None
        return background[bg_row[groups], ents].astype(np.float64)

    u_bg = bg_of(u_group, u_ent)
    u_eff = u_bg.copy()
    pos = np.searchsorted(ukey, ckey)
    u_eff[pos] = np.asarray(cand_score, dtype=np.float64)
    pos_a = np.searchsorted(ukey, akey)
    u_is_ans = np.zeros(len(ukey), dtype=bool)
    u_is_ans[pos_a] = True

    # target scores
    tpos = np.searchsorted(ukey, q_group * n + q_target)
    tau = u_eff[tpos]

    # background counts over all N entities
    gt = np.zeros(nq, dtype=np.float64)
    eq = np.zeros(nq, dtype=np.float64)
    if background is None:
        gt += np.where(bg_const > tau, float(n), 0.0)
        eq += np.where(bg_const == tau, float(n), 0.0)
    else:
        assert bg_row is not None
        rows = bg_row[q_group]
        order = np.argsort(rows, kind="stable")
        rs = rows[order]
        bounds = np.flatnonzero(np.diff(rs)) + 1
        for seg in np.split(np.arange(len(order)), bounds):
            if len(seg) == 0:
                continue
            qi = order[seg]
            row = rs[seg[0]]
            if background_sorted is not None:
                srt = background_sorted[row].astype(np.float64)
            else:
                srt = np.sort(background[row].astype(np.float64))
            left = np.searchsorted(srt, tau[qi], side="left")
            right = np.searchsorted(srt, tau[qi], side="right")
            gt[qi] += len(srt) - right
            eq[qi] += right - left

    # corrections over U_g: remove background of U members, add effective score of non-answers
    g_start = np.searchsorted(u_group, q_group, side="left")
    g_end = np.searchsorted(u_group, q_group, side="right")
    lens = g_end - g_start
    done = 0
    while done < nq:
        cum = np.cumsum(lens[done:])
        stop = done + max(1, int(np.searchsorted(cum, chunk, side="right")))
        stop = min(stop, nq)
        ql = lens[done:stop]
        qidx = np.repeat(np.arange(done, stop), ql)
        offs = np.arange(len(qidx)) - np.repeat(np.cumsum(ql) - ql, ql)
        ui = np.repeat(g_start[done:stop], ql) + offs
        t = tau[qidx]
        nonans = ~u_is_ans[ui]
        d_gt = (u_eff[ui] > t) & nonans
        d_eq = (u_eff[ui] == t) & nonans
        gt[done:stop] += np.bincount(qidx - done, weights=d_gt.astype(float) - (u_bg[ui] > t),
                                     minlength=stop - done)
        eq[done:stop] += np.bincount(qidx - done, weights=d_eq.astype(float) - (u_bg[ui] == t),
                                     minlength=stop - done)
        done = stop
    return 1.0 + gt + eq / 2.0


def summarize(ranks: np.ndarray) -> dict[str, float]:
    """MRR and Hits@1/3/10 in percent, plus the number of queries."""
    ranks = np.asarray(ranks, dtype=np.float64)
    out: dict[str, float] = {"n_queries": float(len(ranks))}
    if len(ranks) == 0:
        out.update({"mrr": float("nan"), **{f"hits@{k}": float("nan") for k in HITS}})
        return out
    out["mrr"] = float(np.mean(1.0 / ranks) * 100)
    for k in HITS:
        out[f"hits@{k}"] = float(np.mean(ranks <= k) * 100)
    return out
