"""Array helpers the stages share: counting, runs of equal values, pairs inside runs.

NumPy building blocks for working on many small groups at once without a Python loop
per group (candidate pairs in a band, 3-grams shared inside an article, article pairs
of a cluster).

>>> import numpy as np
>>> ramp(np.array([2, 3])).tolist()
[0, 1, 0, 1, 2]
"""

from __future__ import annotations

import numpy as np


def unique_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and how often each occurs (np.unique's hash path is slower)."""
    ordered = np.sort(values)
    if not len(ordered):
        return ordered, np.empty(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    return ordered[starts], np.diff(np.append(starts, len(ordered)))


def runs(same: np.ndarray) -> np.ndarray:
    """(start, end) rows, one per run of 2+ equal neighbours, given same[i] = x[i + 1] == x[i]."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], same.astype(np.int8), [0]])))
    return np.stack([edges[0::2], edges[1::2] + 1], axis=1).astype(np.int64)


def pairs_within_runs(
    order: np.ndarray, spans: np.ndarray, heads: np.ndarray | None = None
) -> np.ndarray:
    """Every pair (order[a], order[b]), a < b, inside each [start, end) span, a among the
    first heads[k] members of span k (default: all of them); shape (m, 2)."""
    start, end = spans[:, 0], spans[:, 1]
    heads = end - start if heads is None else heads
    position = np.repeat(start, heads) + ramp(heads)  # each head of each run
    later = np.repeat(end, heads) - position - 1  # how many members follow it in its run
    first = np.repeat(position, later)
    second = first + 1 + ramp(later)
    return np.stack([order[first], order[second]], axis=1)


def ramp(sizes: np.ndarray) -> np.ndarray:
    """0, 1, ..., size - 1 for each size, concatenated."""
    total = int(sizes.sum())
    starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
    return np.arange(total, dtype=np.int64) - starts
