"""Connected components of the candidate graph, labelled by their smallest node.

Components only bound the work: each is clustered whole by the single-process code.
While the edges fit on one worker, SciPy's union-find-like search labels them at once
(`in_memory`); past that, the large-star / small-star rounds of Kiveris et al.
("Connected Components in MapReduce and Beyond", 2014) run over edge partitions
(`large_star`, `small_star`, then `labels`), each round one shuffle, until a round
changes nothing. Nodes are uint64 digests; an edge is a pair of them.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from ..shingle import fmix64

Edges = tuple[np.ndarray, np.ndarray]


def _joined(parts: Sequence[Edges]) -> Edges:
    return (
        np.concatenate([np.empty(0, np.uint64), *(a for a, _ in parts)]),
        np.concatenate([np.empty(0, np.uint64), *(b for _, b in parts)]),
    )


def in_memory(parts: Sequence[Edges]) -> Edges:
    """(node, label) of every node with an edge: label the smallest node of its component.

    Edges repeat (two nodes share a key in several bands): they are made dense numbers
    and counted once before the search, which keeps this worker's memory to a few
    copies of the edge list."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    a, b = _joined(parts)
    nodes = np.unique(np.concatenate([a, b]))
    n = len(nodes)
    if not n:
        return nodes, nodes
    first = np.searchsorted(nodes, a).astype(np.int64)
    second = np.searchsorted(nodes, b).astype(np.int64)
    del a, b
    codes = np.unique(first * n + second)
    del first, second
    rows, columns = (codes // n).astype(np.int32), (codes % n).astype(np.int32)
    graph = csr_matrix((np.ones(len(codes), np.int8), (rows, columns)), (n, n))
    _, component = connected_components(graph, directed=False)
    smallest = np.full(component.max() + 1, n, dtype=np.int64)
    np.minimum.at(smallest, component, np.arange(n))  # nodes are sorted: the first is smallest
    return nodes, nodes[smallest[component]]


def directed(parts: Sequence[Edges], count: int) -> list[Edges]:
    """Each edge both ways, as (u, v) rows cut in `count` parts by u."""
    a, b = _joined(parts)
    u, v = np.concatenate([a, b]), np.concatenate([b, a])
    bucket = (u % np.uint64(count)).astype(np.int64)
    order = np.argsort(bucket, kind="stable")
    bounds = np.searchsorted(bucket[order], np.arange(count + 1)).tolist()
    return [(u[order[s:e]], v[order[s:e]]) for s, e in itertools.pairwise(bounds)]


def _grouped(rows: Sequence[Edges]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(u, v) rows without repeats, sorted by u then v; with each row's group start
    and the smallest v of its u."""
    u, v = _joined(rows)
    order = np.lexsort((v, u))
    u, v = u[order], v[order]
    keep = np.ones(len(u), dtype=bool)
    keep[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    u, v = u[keep], v[keep]
    new = np.ones(len(u), dtype=bool)
    new[1:] = u[1:] != u[:-1]
    group = np.cumsum(new) - 1
    smallest = v[np.flatnonzero(new)][group]  # v sorted within u: the first is the smallest
    return u, v, group, smallest


def large_star(rows: Sequence[Edges]) -> Edges:
    """Every neighbour v > u of each node u joined to the smallest of u and its neighbours."""
    u, v, _, smallest = _grouped(rows)
    m = np.minimum(u, smallest)
    later = v > u
    return v[later], m[later]


def small_star(rows: Sequence[Edges]) -> Edges:
    """Each node u and its neighbours v < u joined to the smallest of them."""
    u, v, group, smallest = _grouped(rows)
    m = np.minimum(u, smallest)
    earlier = v < u
    targets = np.concatenate([v[earlier], np.unique(u)])
    heads = np.concatenate([m[earlier], m[np.flatnonzero(np.r_[True, group[1:] != group[:-1]])]])
    differ = targets != heads
    return targets[differ], heads[differ]


def checksum(rows: Sequence[Edges]) -> tuple[int, int]:
    """(count, sum of hashes) of the distinct edges among rows (u, v) with u < v."""
    u, v, _, _ = _grouped(rows)
    once = u < v
    mixed = fmix64(u[once] * np.uint64(0x9E3779B97F4A7C15) ^ v[once])
    return int(once.sum()), int(mixed.sum(dtype=np.uint64))


def labels(rows: Sequence[Edges]) -> Edges:
    """(node, label) once the rounds converged: each node's smallest neighbour or itself."""
    u, _, _, smallest = _grouped(rows)
    first = np.flatnonzero(np.r_[True, u[1:] != u[:-1]]) if len(u) else np.empty(0, np.int64)
    return u[first], np.minimum(u[first], smallest[first])
