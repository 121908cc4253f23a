"""Near-duplicate stories (wire copies, re-publications, small edits): MinHash over word
shingles with locality-sensitive hashing by bands, kept in the database.

A story's 128-value MinHash signature is cut into 16 bands of 8 values; two stories that
share a band are candidates, and a candidate whose estimated Jaccard similarity of
5-word shingles reaches the threshold (0.8 by default) is a near-duplicate. The bands
live in the ``story_bands`` table, so a story is found as a copy of one ingested in any
earlier run.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash

NUM_PERM = 128
BANDS = 16
ROWS = NUM_PERM // BANDS
SHINGLE = 5
MIN_WORDS = 20  # shorter texts are too short to call near-duplicates safely
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Signature:
    """A story's MinHash values and its band keys."""

    values: np.ndarray  # uint32[NUM_PERM]
    bands: tuple[int, ...]  # one 63-bit key per band

    def similarity(self, other: np.ndarray) -> float:
        return float(np.mean(self.values == other))


def signature(text: str) -> Signature | None:
    """The signature of a text, or None when it is too short to compare."""
    words = _WORD.findall(text.lower())
    if len(words) < MIN_WORDS:
        return None
    shingles = {" ".join(words[i : i + SHINGLE]).encode() for i in
                range(len(words) - SHINGLE + 1)}
    m = MinHash(num_perm=NUM_PERM, seed=1)
    m.update_batch(list(shingles))
    values = m.hashvalues.astype(np.uint32)
    bands = tuple(
        int.from_bytes(hashlib.blake2b(bytes([b]) + values[b * ROWS : (b + 1) * ROWS].tobytes(),
                                       digest_size=8).digest(), "little") >> 1
        for b in range(BANDS)
    )
    return Signature(values, bands)


@dataclass(frozen=True)
class NearDuplicate:
    """A story that is a near-copy of ``cluster_id`` (a stored or earlier story); not coded."""

    story: object  # a dyadwatch.stories.Story
    cluster_id: str
    similarity: float
