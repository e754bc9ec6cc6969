"""LSH banding of a batch of signatures: the candidate pairs a full scan verifies.

This is MinHashLSH's banding (b bands of r rows; two signatures are candidates when
they agree on every row of some band) done for a whole batch with NumPy sorts instead
of one dict insert per band and key: on Reuters datasketch's `MinHashLSH` insert and
query took longer than the rest of the scan (see benchmarks/RESULTS.md). The persistent
index for `dedup filter` uses `MinHashLSH` itself.
"""

from __future__ import annotations

import numpy as np

from .shingle import fmix64

_MUL = np.uint64(0x9E3779B97F4A7C15)


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """A (bands, n) uint64 matrix: one hash per band of each signature's rows."""
    keys = np.zeros((bands, signatures.shape[1]), dtype=np.uint64)
    for row in range(rows):
        keys = keys * _MUL + signatures[row::rows][:bands].astype(np.uint64)
    return fmix64(keys + np.arange(bands, dtype=np.uint64)[:, None])


def candidate_pairs(keys: np.ndarray) -> np.ndarray:
    """Unique (i, j) column pairs, i < j, that share a key in some band; shape (m, 2)."""
    n = keys.shape[1]
    found = []
    for band in keys:
        order = np.argsort(band, kind="stable")
        ordered = band[order]
        same = ordered[1:] == ordered[:-1]
        if not same.any():
            continue
        # Runs of equal keys: [run_start, run_end) in `order`.
        edges = np.flatnonzero(np.diff(np.concatenate([[False], same, [False]]).astype(np.int8)))
        run_starts, run_ends = edges[0::2], edges[1::2] + 1
        pairs = order[run_starts[run_ends - run_starts == 2, None] + np.array([0, 1])]
        found.append(pairs)
        for run in np.flatnonzero(run_ends - run_starts > 2):
            members = order[run_starts[run] : run_ends[run]]
            first, second = np.triu_indices(len(members), 1)
            found.append(np.stack([members[first], members[second]], axis=1))
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.concatenate(found).astype(np.int64)
    pairs.sort(axis=1)
    codes = np.unique(pairs[:, 0] * n + pairs[:, 1])
    return np.stack([codes // n, codes % n], axis=1)
