"""Verified pairs to clusters that never chain: every member is verified against the center.

Star clustering, greedy and deterministic: in each connected component the node that
covers the most paragraphs (ties: the earliest in canonical order) becomes a center
and takes its verified neighbours; repeat on what is left. Node weights count the
identical paragraphs a node stands for.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence


def star_clusters(
    weights: Sequence[int], edges: Mapping[tuple[int, int], float], rank: Sequence[int]
) -> list[list[int]]:
    """Clusters of node ids, center first, the rest by rank.

    `edges` maps verified pairs (i, j) to their similarity; `rank` orders nodes
    canonically. A lone node is a cluster only when it stands for several paragraphs.
    """
    neighbours: dict[int, set[int]] = {}
    for i, j in edges:
        neighbours.setdefault(i, set()).add(j)
        neighbours.setdefault(j, set()).add(i)
    clusters = [
        [node] for node, weight in enumerate(weights) if weight > 1 and node not in neighbours
    ]
    taken: set[int] = set()

    def coverage(node: int) -> int:
        return weights[node] + sum(weights[u] for u in neighbours[node] if u not in taken)

    heap = [(-coverage(node), rank[node], node) for node in neighbours]
    heapq.heapify(heap)
    while heap:
        score, node_rank, node = heapq.heappop(heap)
        if node in taken:
            continue
        current = coverage(node)
        if current < -score:  # stale: coverage only shrinks as nodes are taken
            heapq.heappush(heap, (-current, node_rank, node))
            continue
        members = sorted((u for u in neighbours[node] if u not in taken), key=rank.__getitem__)
        taken.add(node)
        taken.update(members)
        if members or weights[node] > 1:
            clusters.append([node, *members])
    return clusters
