"""Learned ranker: LightGBM LambdaRank over recurrency-style features of candidate objects.

Candidates of a query (s, r, ?, t) are the earlier neighbours of s (any relation, capped by a
recency prior), the most popular recent objects of r and the two-hop objects of r (objects o of
earlier (k, r, o) facts of the recent neighbours k of s, by decayed path weight); every other
entity is scored below all candidates (tied, mean rank). Features only use facts strictly before
day t.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .data import TKGData, inverse_relation
from .history import DayState, KeyedCounter, expand_ranges, replay
from .metrics import filtered_ranks, query_groups
from .recurrency import LAMBDA_GRID, RecurrencyBaseline, RecurrencyState, timeline

NEVER = 10_000.0
PAIR_LAMBDAS = (0.02, 0.1, 0.5)
LAMBDA_01 = LAMBDA_GRID.index(0.1)
TRIPLE_LAMBDA_IDX = tuple(LAMBDA_GRID.index(x) for x in (0.01, 0.1, 0.5, 2.0))


@dataclass
class RankerConfig:
    """Candidate caps, training window and LightGBM settings."""

    max_neighbors: int = 250
    top_popular: int = 30
    two_hop: int = 50
    two_hop_neighbors: int = 100
    rule_window: int = 10
    popular_lambda: float = 0.2
    train_days: int = 60
    max_train_groups: int = 60_000
    max_early_stop_groups: int = 15_000
    num_rounds: int = 400
    early_stopping: int = 40
    learning_rate: float = 0.05
    num_leaves: int = 63
    min_data_in_leaf: int = 50
    threads: int = 1
    seed: int = 0
    params: dict[str, float | int | str] = field(default_factory=dict)


FEATURES = (
    "base", "base_rank", "base_ratio",
    *(f"t_dec{LAMBDA_GRID[i]}" for i in TRIPLE_LAMBDA_IDX),
    "t_cnt", "t_since", "t_first_since", "t_share", "t_dec_ratio",
    *(f"p_dec{x}" for x in PAIR_LAMBDAS),
    "p_cnt", "p_since", "p_share", "p_rank",
    "i_cnt", "i_since", "i_dec0.1",
    "ro_share", "ro_dec_share", "ro_inv_share", "o_deg_dec", "o_since", "o_deg",
    "rule_sum", "rule_max", "rule_dec",
    "q_sr_cnt", "q_sr_since", "q_s_deg", "q_n_rec", "q_n_cand", "q_rel",
    "h2_score", "h2_rank", "h2_ratio",
    "is_neighbor", "is_popular", "is_two_hop",
)


def group_rank(group: np.ndarray, value: np.ndarray) -> np.ndarray:
    """0-based rank of value within its group, descending (ties share the first position)."""
    order = np.lexsort((-value, group))
    g = group[order]
    v = value[order]
    start = np.r_[0, np.flatnonzero(np.diff(g)) + 1]
    pos = np.arange(len(g)) - np.repeat(start, np.diff(np.r_[start, len(g)]))
    new_val = np.r_[True, (np.diff(g) != 0) | (np.diff(v) != 0)]
    # each run of equal values takes the position of its first element
    first = pos[np.maximum.accumulate(np.where(new_val, np.arange(len(g)), 0))]
    out = np.empty(len(g), dtype=np.float64)
    out[order] = first
    return out


def sorted_lookup(keys: np.ndarray, query: np.ndarray, *values: np.ndarray
                  ) -> tuple[np.ndarray, ...]:
    """(found mask, values[i] at each query key) for sorted unique keys; 0 where not found."""
    if len(keys) == 0:
        return (np.zeros(len(query), dtype=bool), *(np.zeros(len(query)) for _ in values))
    pos = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
    ok = keys[pos] == query
    return (ok, *(np.where(ok, v[pos], 0.0) for v in values))


def group_max(group: np.ndarray, value: np.ndarray, n_groups: int) -> np.ndarray:
    m = np.full(n_groups, -np.inf)
    np.maximum.at(m, group, value)
    return m


class FeatureState(DayState):
    """All history counters the ranker's features need."""

    def __init__(self, facts: np.ndarray, num_entities: int, num_rel2: int,
                 baseline: RecurrencyBaseline, cfg: RankerConfig) -> None:
        self.n = num_entities
        self.r2 = num_rel2
        self.cfg = cfg
        self.base = baseline
        self.rec = RecurrencyState(facts, num_entities, num_rel2, baseline.lambdas)
        s, o = facts[:, 0].astype(np.int64), facts[:, 2].astype(np.int64)
        self.pairs = KeyedCounter(s * num_entities + o, PAIR_LAMBDAS)
        self.fact_pid = self.pairs.ids(s * num_entities + o)
        sr = s * num_rel2 + facts[:, 1]
        self.sr = KeyedCounter(sr, ())
        self.fact_srid = self.sr.ids(sr)
        self.ro_dec = np.zeros((num_rel2, num_entities))
        self.ent_cnt = np.zeros(num_entities)
        self.ent_dec = np.zeros(num_entities)
        self.ent_last = np.full(num_entities, -1, dtype=np.int64)
        self.day = -1
        # triples ordered by (s, o, r) for rule features
        tk = self.rec.triples.keys
        t_o = tk % num_entities
        t_r = (tk // num_entities) % num_rel2
        t_s = tk // (num_entities * num_rel2)
        alt = (t_s * num_entities + t_o) * num_rel2 + t_r
        self.alt_order = np.argsort(alt, kind="stable")
        self.alt_keys = alt[self.alt_order]
        self.t_rel = t_r
        self.rule_head = np.zeros((num_rel2, num_rel2))
        self.rule_body = np.zeros(num_rel2)

    def _decay_to(self, day: int) -> None:
        if self.day >= 0 and day > self.day:
            self.ro_dec *= 2.0 ** (-self.cfg.popular_lambda * (day - self.day))
            self.ent_dec *= 2.0 ** (-0.1 * (day - self.day))
        self.day = day

    def add(self, idx: np.ndarray, facts: np.ndarray, day: int) -> None:
        self._count_rules(facts[idx], day)
        self.rec.add(idx, facts, day)
        self.pairs.add(self.fact_pid[idx], day)
        self.sr.add(self.fact_srid[idx], day)
        self._decay_to(day)
        np.add.at(self.ro_dec, (facts[idx, 1], facts[idx, 2]), 1.0)
        np.add.at(self.ent_cnt, facts[idx, 0], 1.0)
        np.add.at(self.ent_dec, facts[idx, 0], 1.0)
        self.ent_last[facts[idx, 0]] = day

    def _recent_relations(self, s: np.ndarray, o: np.ndarray, day: int
                          ) -> tuple[np.ndarray, np.ndarray]:
        """(owner row, triple id) of (s, r', o) triples seen within the rule window."""
        lo = (s * self.n + o) * self.r2
        a = np.searchsorted(self.alt_keys, lo)
        b = np.searchsorted(self.alt_keys, lo + self.r2)
        owner, pos = expand_ranges(a, b)
        tid = self.alt_order[pos]
        last = self.rec.triples.last[tid]
        ok = (last >= day - self.cfg.rule_window) & (last >= 0)
        return owner[ok], tid[ok]

    def _count_rules(self, day_facts: np.ndarray, day: int) -> None:
        """Rule statistics r' -> r: body = pairs with r' in the window, head = r at this day."""
        s, r, o = (day_facts[:, i].astype(np.int64) for i in (0, 1, 2))
        owner, tid = self._recent_relations(s, o, day)
        if len(owner):
            key = np.unique(owner * self.r2 + self.t_rel[tid])
            np.add.at(self.rule_head, (key % self.r2, r[key // self.r2]), 1.0)
        last = self.rec.triples.last
        recent = (last >= day - self.cfg.rule_window) & (last >= 0)
        self.rule_body += np.bincount(self.t_rel[recent], minlength=self.r2)

    def rule_conf(self) -> np.ndarray:
        return self.rule_head / np.maximum(self.rule_body, 1.0)[:, None]

    def two_hop(self, gs: np.ndarray, gr: np.ndarray, owner: np.ndarray, nb: np.ndarray,
                nb_w: np.ndarray, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Two-hop objects of groups (s, r): sum over neighbours k of s of w(s, k) * dec(k, r, o).

        owner / nb / nb_w: the neighbours k of each group's s with their decayed pair weight
        (only the two_hop_neighbors heaviest are followed). Returns (sorted unique keys
        group * n + o with o != s, score).
        """
        n = self.n
        keep = group_rank(owner, nb_w) < self.cfg.two_hop_neighbors
        og, k, w = owner[keep], nb[keep], nb_w[keep]
        lo = self.rec.triple_key(k, gr[og], np.zeros_like(k))
        own2, tid = self.rec.triples.range_ids(lo, lo + n)
        val = w[own2] * self.rec.triples.decayed_at(tid, day, LAMBDA_01)
        grp = og[own2]
        obj = self.rec.triples.keys[tid] % n
        ok = obj != gs[grp]
        uk, inv = np.unique(grp[ok] * n + obj[ok], return_inverse=True)
        return uk, np.bincount(inv.reshape(-1), weights=val[ok], minlength=len(uk))

    def features(self, keys: np.ndarray, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Candidates and features for groups keys[:, (s, r)] at `day`: (group, object, X)."""
        cfg = self.cfg
        n, r2 = self.n, self.r2
        gs = keys[:, 0].astype(np.int64)
        gr = keys[:, 1].astype(np.int64)
        ng = len(keys)
        xi_tot = self.rec.ro.sum(axis=1)
        # --- neighbour candidates, capped by a prior (baseline psi, then pair recency)
        owner, pid = self.pairs.range_ids(gs * n, gs * n + n)
        obj = self.pairs.keys[pid] % n
        p_dec = self.pairs.decayed(pid, day)
        t_id = self.rec.triples.ids(self.rec.triple_key(gs[owner], gr[owner], obj))
        t_id = np.where(t_id >= 0, np.where(self.rec.triples.cnt[np.maximum(t_id, 0)] > 0,
                                            t_id, -1), -1)
        prior = self.rec.triples.decayed_at(t_id, day, LAMBDA_01) * 1e3 + p_dec[:, 1]
        h2_key, h2_val = self.two_hop(gs, gr, owner, obj, p_dec[:, 1], day)
        h2_g = h2_key // n
        h2_rk = group_rank(h2_g, h2_val)
        rk = group_rank(owner, prior)
        keep = rk < cfg.max_neighbors
        owner, obj = owner[keep], obj[keep]
        # --- popular objects of r (recent)
        urel, rel_inv = np.unique(gr, return_inverse=True)
        k = min(cfg.top_popular, n)
        top = np.argpartition(-self.ro_dec[urel], k - 1, axis=1)[:, :k]
        top_ok = self.ro_dec[urel[:, None], top] > 0
        pg = np.repeat(np.arange(ng), k)
        po = top[rel_inv.reshape(-1)].reshape(-1)
        pok = top_ok[rel_inv.reshape(-1)].reshape(-1)
        pg, po = pg[pok], po[pok]
        h2_top = h2_key[h2_rk < cfg.two_hop]
        ck = np.concatenate([owner * n + obj, pg * n + po, h2_top])
        src = np.concatenate([np.ones(len(owner)), np.full(len(pg), 2.0),
                              np.full(len(h2_top), 3.0)])
        uk, inv = np.unique(ck, return_inverse=True)
        inv = inv.reshape(-1)
        is_src: dict[str, np.ndarray] = {}
        for code, name in ((1.0, "is_neighbor"), (2.0, "is_popular"), (3.0, "is_two_hop")):
            flag = np.zeros(len(uk))
            np.maximum.at(flag, inv, (src == code).astype(float))
            is_src[name] = flag
        g = uk // n
        o = uk % n
        s = gs[g]
        r = gr[g]
        ri = inverse_relation(r, r2 // 2)
        cols: dict[str, np.ndarray] = {}
        # --- triples (s, r, o)
        tr = self.rec.triples
        tid = tr.ids(self.rec.triple_key(s, r, o))
        tdec_all = tr.decayed(tid, day)
        for i in TRIPLE_LAMBDA_IDX:
            cols[f"t_dec{LAMBDA_GRID[i]}"] = tdec_all[:, i]
        t_cnt = tr.get(tr.cnt, tid)
        cols["t_cnt"] = t_cnt
        t_last = tr.get(tr.last, tid, -1)
        cols["t_since"] = np.where(t_cnt > 0, day - t_last, NEVER)
        cols["t_first_since"] = np.where(t_cnt > 0, day - tr.get(tr.first, tid, -1), NEVER)
        # baseline score with tuned per-relation lambda / alpha
        span = day - (self.rec.first_day if self.rec.first_day is not None else day)
        lam = np.asarray(self.base.lambdas)[self.base.lam_idx[r]]
        kk = np.arange(1, max(span, 0) + 1, dtype=np.float64)
        lam_u, lam_inv = np.unique(lam, return_inverse=True)
        norm_u = (np.exp2(-lam_u[:, None] * kk[None, :]).sum(axis=1) if span > 0
                  else np.ones(len(lam_u)))
        psi = tdec_all[np.arange(len(tid)), self.base.lam_idx[r]] / np.maximum(
            norm_u[lam_inv.reshape(-1)], 1e-300)
        xi = self.rec.ro[r, o] / np.maximum(xi_tot[r], 1.0)
        a = self.base.alpha[r]
        base = a * psi + (1 - a) * xi
        cols["base"] = base
        cols["base_rank"] = group_rank(g, base)
        cols["base_ratio"] = base / np.maximum(group_max(g, base, ng)[g], 1e-300)
        sr_id = self.sr.ids(s * r2 + r)
        sr_cnt = self.sr.get(self.sr.cnt, sr_id)
        cols["t_share"] = t_cnt / np.maximum(sr_cnt, 1.0)
        d01 = tdec_all[:, LAMBDA_01]
        cols["t_dec_ratio"] = d01 / np.maximum(group_max(g, d01, ng)[g], 1e-300)
        # --- pairs (s, *, o)
        pid = self.pairs.ids(s * n + o)
        pdec = self.pairs.decayed(pid, day)
        for j, x in enumerate(PAIR_LAMBDAS):
            cols[f"p_dec{x}"] = pdec[:, j]
        p_cnt = self.pairs.get(self.pairs.cnt, pid)
        cols["p_cnt"] = p_cnt
        cols["p_since"] = np.where(p_cnt > 0, day - self.pairs.get(self.pairs.last, pid, -1), NEVER)
        cols["p_share"] = p_cnt / np.maximum(self.ent_cnt[s], 1.0)
        cols["p_rank"] = group_rank(g, pdec[:, 1])
        # --- inverse triple (s, r^-1, o) = earlier (o, r, s)
        iid = tr.ids(self.rec.triple_key(s, ri, o))
        i_cnt = tr.get(tr.cnt, iid)
        cols["i_cnt"] = i_cnt
        cols["i_since"] = np.where(i_cnt > 0, day - tr.get(tr.last, iid, -1), NEVER)
        cols["i_dec0.1"] = tr.decayed(iid, day)[:, LAMBDA_01]
        # --- object popularity
        cols["ro_share"] = xi
        dec_tot = self.ro_dec.sum(axis=1)
        cols["ro_dec_share"] = self.ro_dec[r, o] / np.maximum(dec_tot[r], 1e-12)
        cols["ro_inv_share"] = self.rec.ro[ri, o] / np.maximum(xi_tot[ri], 1.0)
        cols["o_deg_dec"] = self.ent_dec[o]
        cols["o_since"] = np.where(self.ent_last[o] >= 0, day - self.ent_last[o], NEVER)
        cols["o_deg"] = self.ent_cnt[o]
        # --- rules r' -> r over recent (s, r', o)
        conf = self.rule_conf()
        ow, rt = self._recent_relations(s, o, day)
        cval = conf[self.t_rel[rt], r[ow]]
        cols["rule_sum"] = np.bincount(ow, weights=cval, minlength=len(s))
        rmax = np.zeros(len(s))
        np.maximum.at(rmax, ow, cval)
        cols["rule_max"] = rmax
        tdec_r = tr.decayed(rt, day)[:, LAMBDA_01]
        cols["rule_dec"] = np.bincount(ow, weights=cval * tdec_r, minlength=len(s))
        # --- query-level
        cols["q_sr_cnt"] = sr_cnt
        cols["q_sr_since"] = np.where(sr_cnt > 0, day - self.sr.get(self.sr.last, sr_id, -1),
                                      NEVER)
        cols["q_s_deg"] = self.ent_cnt[s]
        n_rec = np.bincount(g, weights=(t_cnt > 0).astype(float), minlength=ng)
        cols["q_n_rec"] = n_rec[g]
        cols["q_n_cand"] = np.bincount(g, minlength=ng)[g].astype(float)
        cols["q_rel"] = r.astype(float)
        # --- two-hop objects of r via the neighbours of s
        h_ok, h_sc, h_rk = sorted_lookup(h2_key, uk, h2_val, h2_rk)
        cols["h2_score"] = h_sc
        cols["h2_rank"] = np.where(h_ok, h_rk, NEVER)
        cols["h2_ratio"] = h_sc / np.maximum(group_max(g, h_sc, ng)[g], 1e-300)
        cols.update(is_src)
        x = np.stack([cols[f] for f in FEATURES], axis=1).astype(np.float32)
        return g, o, x


@dataclass
class Block:
    """Candidate rows of a set of (s, r, t) groups with their features and labels."""

    group: np.ndarray
    obj: np.ndarray
    x: np.ndarray
    label: np.ndarray


def _labels(g: np.ndarray, o: np.ndarray, qg: np.ndarray, qo: np.ndarray, n: int) -> np.ndarray:
    ans = np.unique(qg.astype(np.int64) * n + qo)
    key = g.astype(np.int64) * n + o
    pos = np.minimum(np.searchsorted(ans, key), len(ans) - 1)
    return (ans[pos] == key).astype(np.float32)


class LearnedRanker:
    """Recurrency baseline (tuned on valid) + LightGBM LambdaRank over candidate features."""

    def __init__(self, data: TKGData, cfg: RankerConfig | None = None,
                 log: Callable[[str], None] | None = None) -> None:
        self.data = data
        self.cfg = cfg or RankerConfig()
        self.log = log or (lambda msg: None)
        self.baseline = RecurrencyBaseline(data.num_entities, data.num_relations)
        self.model: object | None = None
        self.info: dict[str, float] = {}

    def _new_state(self, facts: np.ndarray) -> FeatureState:
        return FeatureState(facts, self.data.num_entities, 2 * self.data.num_relations,
                            self.baseline, self.cfg)

    def _collect(self, mask_train: np.ndarray, mask_valid: np.ndarray, first_day: int
                 ) -> tuple[Block, Block]:
        facts, names = timeline(self.data)
        rng = np.random.default_rng(self.cfg.seed)
        n = self.data.num_entities
        train_days = np.unique(facts[mask_train & (facts[:, 3] >= first_day), 3])
        valid_days = np.unique(facts[mask_valid, 3])
        p_train = self.cfg.max_train_groups / max(1, int(
            (mask_train & (facts[:, 3] >= first_day)).sum() * 0.8))
        p_valid = self.cfg.max_early_stop_groups / max(1, int(mask_valid.sum() * 0.8))
        blocks: dict[str, list[Block]] = {"train": [], "valid": []}
        state = self._new_state(facts)
        offset = {"train": 0, "valid": 0}

        def on_day(day: int, q: np.ndarray) -> None:
            which = "train" if day in set_train else "valid"
            p = p_train if which == "train" else p_valid
            qg, keys = query_groups(q, n)
            pick = rng.random(len(keys)) < min(1.0, p)
            if not pick.any():
                return
            sub = np.flatnonzero(pick)
            remap = np.full(len(keys), -1)
            remap[sub] = np.arange(len(sub))
            g, o, x = state.features(keys[sub], day)
            qsel = pick[qg]
            lab = _labels(g, o, remap[qg[qsel]], q[qsel, 2], n)
            has_pos = np.bincount(g, weights=lab, minlength=len(sub)) > 0
            rows = has_pos[g]
            blocks[which].append(Block(g[rows] + offset[which], o[rows], x[rows], lab[rows]))
            offset[which] += len(sub)

        set_train = set(train_days.tolist())
        set_valid = set(valid_days.tolist())
        mask = np.isin(facts[:, 3], list(set_train | set_valid)) & (mask_train | mask_valid)
        replay(facts, mask, state, on_day)
        return (self._cat(blocks["train"]), self._cat(blocks["valid"]))

    @staticmethod
    def _cat(bl: list[Block]) -> Block:
        return Block(np.concatenate([b.group for b in bl]), np.concatenate([b.obj for b in bl]),
                     np.concatenate([b.x for b in bl]), np.concatenate([b.label for b in bl]))

    def fit(self) -> dict[str, float]:
        """Tune the baseline on valid, then train LambdaRank on the last train days."""
        import lightgbm as lgb

        cfg = self.cfg
        t0 = time.time()
        self.info.update({f"baseline_{k}": v for k, v in self.baseline.tune(self.data).items()})
        self.info["baseline_tune_s"] = time.time() - t0
        self.log(f"baseline tuned: {self.info}")
        facts, names = timeline(self.data)
        train_end = int(self.data.train[:, 3].max())
        first = train_end - cfg.train_days + 1
        t1 = time.time()
        tr, va = self._collect(names == 0, names == 1, first)
        self.info["feature_s"] = time.time() - t1
        self.info["train_rows"] = float(len(tr.label))
        self.log(f"features: train {tr.x.shape} valid {va.x.shape} in {time.time() - t1:.0f}s")
        params: dict[str, float | int | str] = {
            "objective": "lambdarank", "metric": "map", "eval_at": [10],
            "learning_rate": cfg.learning_rate, "num_leaves": cfg.num_leaves,
            "min_data_in_leaf": cfg.min_data_in_leaf, "feature_fraction": 0.8,
            "bagging_fraction": 0.8, "bagging_freq": 1, "lambdarank_truncation_level": 20,
            "num_threads": cfg.threads, "seed": cfg.seed, "verbose": -1,
            "deterministic": True, "force_row_wise": True,
        }
        params.update(cfg.params)
        cat = [FEATURES.index("q_rel")]
        dtr = lgb.Dataset(tr.x, tr.label, group=np.bincount(tr.group)[np.unique(tr.group)],
                          feature_name=list(FEATURES), categorical_feature=cat)
        dva = lgb.Dataset(va.x, va.label, group=np.bincount(va.group)[np.unique(va.group)],
                          reference=dtr)
        t2 = time.time()
        self.model = lgb.train(params, dtr, num_boost_round=cfg.num_rounds, valid_sets=[dva],
                               callbacks=[lgb.early_stopping(cfg.early_stopping, verbose=False)])
        self.info["train_s"] = time.time() - t2
        self.info["best_iteration"] = float(self.model.best_iteration)  # type: ignore[attr-defined]
        self.log(f"trained {self.info['best_iteration']:.0f} rounds in {self.info['train_s']:.0f}s")
        return self.info

    def evaluate(self, split: str = "test") -> tuple[np.ndarray, np.ndarray, float]:
        """Filtered ranks of all queries of `split`; also returns candidate coverage in %."""
        assert self.model is not None, "call fit() first"
        facts, names = timeline(self.data)
        n = self.data.num_entities
        state = self._new_state(facts)
        target = ("train", "valid", "test").index(split)
        out_q: list[np.ndarray] = []
        out_r: list[np.ndarray] = []
        covered = [0, 0]
        model = self.model

        def on_day(day: int, q: np.ndarray) -> None:
            qg, keys = query_groups(q, n)
            g, o, x = state.features(keys, day)
            score = model.predict(x, num_iteration=model.best_iteration,  # type: ignore
                                  num_threads=self.cfg.threads)
            lab = _labels(g, o, qg, q[:, 2], n)
            covered[0] += int(lab.sum())
            covered[1] += len(q)
            out_r.append(filtered_ranks(qg, q[:, 2], g, o, score, n, bg_const=-1e30))
            out_q.append(q)

        replay(facts, names == target, state, on_day)
        cov = 100.0 * covered[0] / max(covered[1], 1)
        return np.concatenate(out_q), np.concatenate(out_r), cov
