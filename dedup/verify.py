"""Exact verification of LSH candidates: Jaccard for clusters, containment for the rest."""

from __future__ import annotations

from collections.abc import Hashable
from collections.abc import Set as AbstractSet

import numpy as np

from .config import Params
from .hashing import Hashed
from .lsh import candidate_pairs
from .shingle import shingle_set


def jaccard(a: AbstractSet[Hashable], b: AbstractSet[Hashable]) -> float:
    """Exact Jaccard similarity of two shingle sets."""
    if not a and not b:
        return 1.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


def jaccard_text(a: str, b: str, params: Params) -> float:
    """Exact Jaccard similarity of two paragraphs' shingle sets (1.0 when identical)."""
    return jaccard(shingle_set(a, params.shingle_size), shingle_set(b, params.shingle_size))


def verified_edges(
    hashed: Hashed, heads: np.ndarray, params: Params
) -> tuple[dict[tuple[int, int], float], list[tuple[int, int]]]:
    """Candidate node pairs from LSH banding, verified exactly.

    Returns the pairs whose Jaccard passes the threshold (with it), and the near
    misses: pairs below it where every shingle of one is in the other (trimmed or
    merged copies), for the containment report. Pairs come sorted by their first
    node, whose shingle set is built once per run; no other set is kept, so memory
    stays flat on big corpora.
    """
    pairs = candidate_pairs(hashed.keys[:, heads])
    head_of = heads.tolist()
    edges = {}
    near: list[tuple[int, int]] = []
    current, a = -1, frozenset[int]()
    for i, j in pairs.tolist():
        if i != current:
            current, a = i, hashed.shingle_set(head_of[i])
        b = hashed.shingle_set(head_of[j])
        common = len(a & b)
        value = common / (len(a) + len(b) - common)
        if value >= params.threshold:
            edges[(i, j)] = value
        elif common == min(len(a), len(b)):
            near.append((i, j))
    return edges, near
