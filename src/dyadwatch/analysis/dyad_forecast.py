"""Forecasting a dyad from its own history: the chance of each quad class and CAMEO root in
the next horizon, with a backtest against a frequency baseline.

The core works on plain arrays of (day, label). History is cut into windows of the
horizon's length going back from the forecast day; a label's probability is the
recency-weighted share of past windows in which it occurred (weights halve every
``half_life`` days), shrunk toward its plain share over the whole history. The
frequency baseline is that plain share. The backtest walks forward over the later half
of the history: at each cut it forecasts from the events before the cut and compares
with what happened in the following window (Brier score, and MIRAI-style precision,
recall and F1 of the set of labels forecast at probability >= 0.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date as Date

import numpy as np

HALF_LIFE = 60.0
SHRINK = 1.0  # pseudo-windows of the plain share added to the weighted one


def _windows(days: np.ndarray, labels: np.ndarray, t: int, horizon: int,
             n_labels: int) -> np.ndarray:
    """presence[k, label]: whether ``label`` occurred in window k = [t-(k+1)h, t-kh)."""
    past = days < t
    if not past.any():
        return np.zeros((0, n_labels), dtype=bool)
    first = int(days[past].min())
    k_max = (t - first - 1) // horizon + 1
    k = (t - 1 - days[past]) // horizon
    presence = np.zeros((k_max, n_labels), dtype=bool)
    presence[k, labels[past]] = True
    return presence


def frequency_baseline(days: np.ndarray, labels: np.ndarray, t: int, horizon: int,
                       n_labels: int) -> np.ndarray:
    """The share of past windows (since the first event) in which each label occurred."""
    presence = _windows(days, labels, t, horizon, n_labels)
    if len(presence) == 0:
        return np.zeros(n_labels)
    return presence.mean(axis=0)


def forecast(days: np.ndarray, labels: np.ndarray, t: int, horizon: int, n_labels: int,
             half_life: float = HALF_LIFE) -> np.ndarray:
    """P(label occurs in [t, t + horizon)) for each label, from events before day t."""
    presence = _windows(days, labels, t, horizon, n_labels)
    if len(presence) == 0:
        return np.zeros(n_labels)
    ages = np.arange(len(presence)) * horizon
    w = 0.5 ** (ages / half_life)
    weighted = (w[:, None] * presence).sum(axis=0)
    plain = presence.mean(axis=0)
    return (weighted + SHRINK * plain) / (w.sum() + SHRINK)


@dataclass
class Backtest:
    """Walk-forward scores of the model and the frequency baseline."""

    cuts: int
    brier: float
    brier_baseline: float
    precision: float
    recall: float
    f1: float
    precision_baseline: float
    recall_baseline: float
    f1_baseline: float

    def to_dict(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in vars(self).items()}


def _set_scores(pred: np.ndarray, actual: np.ndarray) -> tuple[float, float, float]:
    tp = float((pred & actual).sum())
    p = tp / pred.sum() if pred.sum() else 0.0
    r = tp / actual.sum() if actual.sum() else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def backtest(days: np.ndarray, labels: np.ndarray, horizon: int, n_labels: int,
             half_life: float = HALF_LIFE) -> Backtest | None:
    """Walk forward over the later half of the history, one cut per horizon."""
    if len(days) == 0:
        return None
    first, last = int(days.min()), int(days.max())
    start = first + max((last - first) // 2, 2 * horizon)
    cuts = list(range(start, last - horizon + 2, horizon))
    if not cuts:
        return None
    ours, base, actual = [], [], []
    for t in cuts:
        ours.append(forecast(days, labels, t, horizon, n_labels, half_life))
        base.append(frequency_baseline(days, labels, t, horizon, n_labels))
        window = (days >= t) & (days < t + horizon)
        y = np.zeros(n_labels, dtype=bool)
        y[labels[window]] = True
        actual.append(y)
    o, b, y = np.array(ours), np.array(base), np.array(actual)
    po, ro, fo = _set_scores(o >= 0.5, y)
    pb, rb, fb = _set_scores(b >= 0.5, y)
    return Backtest(len(cuts), float(((o - y) ** 2).mean()), float(((b - y) ** 2).mean()),
                    po, ro, fo, pb, rb, fb)


def to_days(dates: list[Date]) -> np.ndarray:
    return np.array([d.toordinal() for d in dates], dtype=np.int64)
