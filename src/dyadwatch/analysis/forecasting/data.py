"""Read TKG benchmark files (`subject relation object t`) into integer numpy arrays."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

SPLITS = ("train", "valid", "test")


@dataclass
class TKGData:
    """Train/valid/test quadruples as (n, 4) int64 arrays of (subject, relation, object, day)."""

    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray
    num_entities: int
    num_relations: int
    time_step: int = 1

    def split(self, name: str) -> np.ndarray:
        if name not in SPLITS:
            raise ValueError(f"unknown split {name!r}")
        arr: np.ndarray = getattr(self, name)
        return arr

    def all_facts(self) -> np.ndarray:
        return np.concatenate([self.train, self.valid, self.test])


def _read_quads(path: Path) -> np.ndarray:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 4:
                rows.append(parts[:4])
    if not rows:
        return np.zeros((0, 4), dtype=np.int64)
    return np.asarray(rows, dtype=np.int64)


def _read_stat(path: Path) -> tuple[int, int] | None:
    if not path.exists():
        return None
    parts = path.read_text(encoding="utf-8").split()
    if len(parts) < 2:
        return None
    return int(parts[0]), int(parts[1])


def to_days(t: np.ndarray, step: int | None = None) -> tuple[np.ndarray, int]:
    """Map raw timestamps to day indices; the step is the gcd of the time stamps (24 for hours)."""
    if step is None:
        nz = np.unique(t[t != 0])
        step = int(np.gcd.reduce(nz)) if len(nz) else 1
        step = max(step, 1)
    return t // step, step


def load_tkg(dataset_dir: str | Path) -> TKGData:
    """Load a dataset directory with train.txt, valid.txt, test.txt (and optional stat.txt)."""
    d = Path(dataset_dir)
    raw = {name: _read_quads(d / f"{name}.txt") for name in SPLITS}
    all_t = np.concatenate([raw[n][:, 3] for n in SPLITS])
    _, step = to_days(all_t)
    for name in SPLITS:
        raw[name][:, 3] //= step
    stat = _read_stat(d / "stat.txt")
    stacked = np.concatenate([raw[n] for n in SPLITS])
    n_ent = int(max(stacked[:, 0].max(initial=-1), stacked[:, 2].max(initial=-1))) + 1
    n_rel = int(stacked[:, 1].max(initial=-1)) + 1
    if stat is not None:
        n_ent, n_rel = max(n_ent, stat[0]), max(n_rel, stat[1])
    return TKGData(raw["train"], raw["valid"], raw["test"], n_ent, n_rel, step)


def add_inverse(quads: np.ndarray, num_relations: int) -> np.ndarray:
    """Append inverse quadruples (o, r + R, s, t) so every query predicts an object."""
    inv = quads[:, [2, 1, 0, 3]].copy()
    inv[:, 1] += num_relations
    return np.concatenate([quads, inv])


def inverse_relation(r: np.ndarray, num_relations: int) -> np.ndarray:
    """Map r to its inverse in the 2R relation space."""
    return np.where(r < num_relations, r + num_relations, r - num_relations)
