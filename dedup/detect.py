"""A scan: articles in, verified clusters of near-duplicate paragraphs out.

Paragraphs are shingled and signed in chunks (in a process pool when it pays),
identical paragraphs are merged into one node, LSH banding proposes candidate node
pairs, each candidate is verified with the exact Jaccard similarity of its shingle
sets, and verified pairs are grouped by star clustering.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Hashable, Sequence
from collections.abc import Set as AbstractSet
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from .cluster import star_clusters
from .config import Params
from .lsh import band_keys, candidate_pairs
from .model import Article, Cluster, Member, ScanResult, ShortRepeat
from .shingle import Shingles, shingle, shingle_set
from .signature import signatures

Progress = Callable[[str, int, int], None]
"""Called as progress(stage, done, total) while a scan runs."""

_CHUNK = 16384  # paragraphs per task


def default_workers() -> int:
    """Every core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True, slots=True)
class Signed:
    """Shingles and MinHash signatures of a batch of paragraphs."""

    shingles: Shingles
    signatures: np.ndarray


def sign(texts: Sequence[str], params: Params) -> Signed:
    """Shingle and sign one batch of paragraphs."""
    found = shingle(texts, params.shingle_size)
    return Signed(found, signatures(found, params.num_perm, params.seed))


def _concat(parts: Sequence[Signed]) -> Signed:
    if len(parts) == 1:
        return parts[0]
    offsets = [parts[0].shingles.offsets]
    for part in parts[1:]:
        offsets.append(part.shingles.offsets[1:] + offsets[-1][-1])
    return Signed(
        Shingles(
            np.concatenate([p.shingles.words for p in parts]),
            np.concatenate(offsets),
            np.concatenate([p.shingles.hashes for p in parts]),
            np.concatenate([p.shingles.digests for p in parts]),
        ),
        np.concatenate([p.signatures for p in parts], axis=1),
    )


def _pool(workers: int) -> Executor:
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


def sign_all(
    texts: Sequence[str], params: Params, workers: int, progress: Progress | None = None
) -> Signed:
    """Sign every paragraph, in a pool of `workers` processes when there is enough work."""
    chunks = [texts[i : i + _CHUNK] for i in range(0, len(texts), _CHUNK)] or [texts]
    parts: list[Signed] = []
    if workers > 1 and len(chunks) > 1:
        with _pool(min(workers, len(chunks))) as pool:
            for part in pool.map(sign, chunks, [params] * len(chunks)):
                parts.append(part)
                if progress:
                    progress("hashing", len(parts) * _CHUNK, len(texts))
    else:
        for chunk in chunks:
            parts.append(sign(chunk, params))
            if progress:
                progress("hashing", len(parts) * _CHUNK, len(texts))
    return _concat(parts)


def jaccard(a: AbstractSet[Hashable], b: AbstractSet[Hashable]) -> float:
    """Exact Jaccard similarity of two shingle sets."""
    if not a and not b:
        return 1.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


class _Layout:
    """Where each flat paragraph comes from, and the canonical order of paragraphs."""

    def __init__(self, articles: Sequence[Article]) -> None:
        sizes = np.array([len(a.paragraphs) for a in articles], dtype=np.int64)
        self.article = np.repeat(np.arange(len(articles)), sizes)
        first = np.concatenate([[0], np.cumsum(sizes)[:-1]]) if len(sizes) else sizes
        self.position = np.arange(len(self.article)) - first[self.article]
        by_id = sorted(range(len(articles)), key=lambda i: (articles[i].id, i))
        article_rank = np.empty(len(articles), dtype=np.int64)
        article_rank[by_id] = np.arange(len(articles))
        order = np.lexsort((self.position, article_rank[self.article]))
        self.rank = np.empty(len(order), dtype=np.int64)
        self.rank[order] = np.arange(len(order))


def scan(
    articles: Sequence[Article],
    params: Params,
    workers: int | None = None,
    progress: Progress | None = None,
) -> ScanResult:
    """Find every cluster of near-duplicate paragraphs, within and across articles."""
    started = time.perf_counter()
    texts = [p for a in articles for p in a.paragraphs]
    layout = _Layout(articles)
    signed = sign_all(texts, params, workers or default_workers(), progress)
    words, digests = signed.shingles.words, signed.shingles.digests

    # Nodes: eligible paragraphs merged by identical word sequence; head = earliest.
    eligible = np.flatnonzero(words >= params.min_words)
    eligible = eligible[np.lexsort((layout.rank[eligible], digests[eligible]))]
    new_node = np.ones(len(eligible), dtype=bool)
    new_node[1:] = digests[eligible][1:] != digests[eligible][:-1]
    node_of = np.cumsum(new_node) - 1
    heads = eligible[new_node]
    weights = np.bincount(node_of).tolist() if len(eligible) else []

    if progress:
        progress("verifying", 0, 1)
    keys = band_keys(signed.signatures[:, heads], params.bands, params.rows)
    pairs = candidate_pairs(keys)
    sets: dict[int, frozenset[int]] = {}

    def shingle_set(node: int) -> frozenset[int]:
        if node not in sets:
            sets[node] = frozenset(signed.shingles.of(int(heads[node])).tolist())
        return sets[node]

    edges: dict[tuple[int, int], float] = {}
    for i, j in pairs.tolist():
        value = jaccard(shingle_set(i), shingle_set(j))
        if value >= params.threshold:
            edges[(i, j)] = value
    if progress:
        progress("verifying", 1, 1)

    node_rank = layout.rank[heads].tolist()
    members_of: dict[int, list[int]] = {}
    for para, node in zip(eligible.tolist(), node_of.tolist(), strict=True):
        members_of.setdefault(node, []).append(para)

    clusters = []
    for nodes in star_clusters(weights, edges, node_rank):
        center = nodes[0]
        similarity = {center: 1.0}
        for node in nodes[1:]:
            similarity[node] = edges[(min(center, node), max(center, node))]
        paras = [(p, n) for n in nodes for p in members_of[n]]
        representative = members_of[center][0]
        paras.sort(key=lambda pn: (pn[0] != representative, layout.rank[pn[0]]))
        members = tuple(
            Member(
                article=articles[int(layout.article[p])].id,
                paragraph=int(layout.position[p]),
                similarity=similarity[n],
                text=texts[p],
                article_index=int(layout.article[p]),
            )
            for p, n in paras
        )
        clusters.append(
            (len(members), int(layout.rank[representative]), digests[heads[center]], members)
        )
    clusters.sort(key=lambda c: (-c[0], c[1]))

    return ScanResult(
        articles=len(articles),
        paragraphs=len(texts),
        clusters=tuple(Cluster(id=f"{int(d):016x}", members=m) for _, _, d, m in clusters),
        short_repeats=_short_repeats(articles, layout, words, digests, params),
        params=params.as_dict(),
        seconds=time.perf_counter() - started,
    )


def _short_repeats(
    articles: Sequence[Article],
    layout: _Layout,
    words: np.ndarray,
    digests: np.ndarray,
    params: Params,
) -> tuple[ShortRepeat, ...]:
    """Exact repeats, inside one article, of paragraphs too short to cluster."""
    short = np.flatnonzero((words > 0) & (words < params.min_words))
    groups: dict[tuple[int, int], list[int]] = {}
    for p, article, digest in zip(
        short.tolist(), layout.article[short].tolist(), digests[short].tolist(), strict=True
    ):
        groups.setdefault((article, digest), []).append(p)
    repeats = [
        ShortRepeat(
            article=articles[article].id,
            paragraphs=tuple(int(layout.position[p]) for p in paras),
            text=articles[article].paragraphs[int(layout.position[paras[0]])],
        )
        for (article, _), paras in groups.items()
        if len(paras) > 1
    ]
    repeats.sort(key=lambda r: (r.article, r.paragraphs))
    return tuple(repeats)


def jaccard_text(a: str, b: str, params: Params) -> float:
    """Exact Jaccard similarity of two paragraphs' shingle sets (1.0 when identical)."""
    return jaccard(shingle_set(a, params.shingle_size), shingle_set(b, params.shingle_size))
