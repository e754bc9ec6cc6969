"""Exact verification of LSH candidates: Jaccard for clusters, containment for the rest."""

from __future__ import annotations

from collections.abc import Hashable
from collections.abc import Set as AbstractSet

import numpy as np

from .arrays import ramp
from .config import Params
from .hashing import ScanHashes
from .lsh import candidate_pairs
from .shingle import shingle_set
from .workers import Workers


def jaccard(a: AbstractSet[Hashable], b: AbstractSet[Hashable]) -> float:
    """Exact Jaccard similarity of two shingle sets."""
    if not a and not b:
        return 1.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


def jaccard_text(a: str, b: str, params: Params) -> float:
    """Exact Jaccard similarity of two paragraphs' shingle sets (1.0 when identical)."""
    return jaccard(shingle_set(a, params.shingle_size), shingle_set(b, params.shingle_size))


_CHUNKS_PER_WORKER = 4
_PARALLEL_FROM = 20000  # candidate pairs: fewer are verified here, not in the pool


def verify_chunk(
    pairs: np.ndarray, offsets: np.ndarray, hashes: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """Exact Jaccard of each pair (indices into the CSR offsets/hashes), and whether
    the shorter set sits whole in the longer. Pairs sorted by first index build each
    first set once; no other set is kept."""
    bounds = offsets.tolist()
    values = np.empty(len(pairs))
    near = np.zeros(len(pairs), dtype=bool)
    current, a = -1, frozenset[int]()
    for k, (i, j) in enumerate(pairs.tolist()):
        if i != current:
            current, a = i, frozenset(hashes[bounds[i] : bounds[i + 1]].tolist())
        b = frozenset(hashes[bounds[j] : bounds[j + 1]].tolist())
        common = len(a & b)
        values[k] = common / (len(a) + len(b) - common)
        near[k] = values[k] < threshold and common == min(len(a), len(b))
    return values, near


def shared_counts(left: list[np.ndarray], right: list[np.ndarray], pairs: np.ndarray) -> np.ndarray:
    """For each pair (i, j) of `pairs`, how many hashes left[i] and right[j] share.

    Every set holds distinct uint64; `left` is small (one article), `right` the sets
    to compare with it. One sort and a search, whatever the number of pairs.
    """
    if not len(pairs):
        return np.zeros(0, dtype=np.int64)
    mine = np.concatenate(left)
    owner = np.repeat(np.arange(len(left)), [len(s) for s in left])
    order = np.argsort(mine, kind="stable")
    mine, owner = mine[order], owner[order]
    theirs = [right[j] for j in pairs[:, 1].tolist()]
    values = np.concatenate(theirs)
    pair = np.repeat(np.arange(len(pairs)), [len(s) for s in theirs])
    low = np.searchsorted(mine, values, "left")
    counts = np.searchsorted(mine, values, "right") - low
    hit = np.repeat(pair, counts)
    same = owner[np.repeat(low, counts) + ramp(counts)] == pairs[hit, 0]
    return np.bincount(hit[same], minlength=len(pairs))


def verified_edges(
    hashed: ScanHashes, heads: np.ndarray, params: Params, workers: Workers
) -> tuple[dict[tuple[int, int], float], list[tuple[int, int]]]:
    """Candidate node pairs from LSH banding, verified exactly (in the pool when many).

    Returns the pairs whose Jaccard passes the threshold (with it), and the near
    misses: pairs below it where every shingle of one is in the other (trimmed or
    merged copies), for the containment report.
    """
    pairs = candidate_pairs(hashed.keys[:, heads])
    parts = _CHUNKS_PER_WORKER * workers.count if len(pairs) >= _PARALLEL_FROM else 1
    chunks = []
    for chunk in np.array_split(pairs, max(parts, 1)):
        nodes, local = np.unique(chunk, return_inverse=True)
        offsets, hashes = hashed.gather(heads[nodes])
        chunks.append((local.reshape(-1, 2), offsets, hashes, params.threshold))
    edges: dict[tuple[int, int], float] = {}
    near: list[tuple[int, int]] = []
    for chunk, (values, is_near) in zip(
        np.array_split(pairs, max(parts, 1)), workers.map(verify_chunk, chunks), strict=True
    ):
        passed = values >= params.threshold
        edges.update(zip(map(tuple, chunk[passed].tolist()), values[passed].tolist(), strict=True))
        near.extend(map(tuple, chunk[is_near].tolist()))
    return edges, near
