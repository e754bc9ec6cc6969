"""LSH banding of a batch of signatures: the candidate pairs a full scan verifies.

This is MinHashLSH's banding (b bands of r rows; two signatures are candidates when
they agree on every row of some band) done for a whole batch with NumPy sorts instead
of one dict insert per band and key: on Reuters datasketch's `MinHashLSH` insert and
query took longer than the rest of the scan (see benchmarks/RESULTS.md). The Redis
index of `dedup filter` uses `MinHashLSH` itself; the embedded index bands the same way
(`index/bandmap.py`).
"""

from __future__ import annotations

import itertools

import numpy as np

from .arrays import pairs_within_runs, runs, unique_counts
from .shingle import fmix64

_MUL = np.uint64(0x9E3779B97F4A7C15)
MAX_BUCKET = 128  # columns sharing one band key that are all paired with each other
FIRST_OF_BUCKET = 16  # in a bigger bucket, the columns paired with all the others


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """A (bands, n) uint64 matrix: one hash per band of each signature's rows."""
    keys = np.zeros((bands, signatures.shape[1]), dtype=np.uint64)
    for row in range(rows):
        keys = keys * _MUL + signatures[row::rows][:bands].astype(np.uint64)
    return fmix64(keys + np.arange(bands, dtype=np.uint64)[:, None])


SMALL = 64
"""Up to this many columns (one article in `dedup filter`) dicts beat NumPy's per-call cost."""


def _pairs_small(keys: np.ndarray) -> np.ndarray:
    found: set[tuple[int, int]] = set()
    for band in keys.tolist():
        groups: dict[int, list[int]] = {}
        for column, key in enumerate(band):
            groups.setdefault(key, []).append(column)
        for group in groups.values():
            if len(group) > 1:
                found.update(itertools.combinations(group, 2))
    return np.array(sorted(found), dtype=np.int64).reshape(-1, 2)


def candidate_pairs(keys: np.ndarray) -> np.ndarray:
    """Unique (i, j) column pairs, i < j, that share a key in some band; shape (m, 2), sorted.

    A key shared by more than MAX_BUCKET columns (never seen in real copy: at most 16
    of Reuters' 87,610 distinct paragraphs) would give a quadratic number of pairs;
    its first FIRST_OF_BUCKET columns are paired with all the others instead, enough
    to find a cluster it holds in linear time.
    """
    return _pairs_small(keys) if keys.shape[1] <= SMALL else _pairs_sorted(keys)


def _pairs_sorted(keys: np.ndarray) -> np.ndarray:
    n = keys.shape[1]
    found = [np.empty((0, 2), dtype=np.int64)]
    for band in keys:
        order = np.argsort(band, kind="stable")
        ordered = band[order]
        spans = runs(ordered[1:] == ordered[:-1])
        sizes = spans[:, 1] - spans[:, 0]
        heads = np.where(sizes > MAX_BUCKET, FIRST_OF_BUCKET, sizes)
        found.append(pairs_within_runs(order, spans, heads))
    pairs = np.concatenate(found).astype(np.int64)
    pairs.sort(axis=1)
    codes, _ = unique_counts(pairs[:, 0] * n + pairs[:, 1])
    return np.stack([codes // n, codes % n], axis=1)
