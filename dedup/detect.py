"""A scan: articles in, verified clusters of near-duplicate paragraphs out.

Paragraphs are shingled and signed in chunks (in a process pool when it pays),
identical paragraphs are merged into one node, LSH banding proposes candidate node
pairs, each candidate is verified with the exact Jaccard similarity of its shingle
sets, and verified pairs are grouped by star clustering.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import numpy as np

from .cluster import star_clusters
from .config import Params
from .gcpause import paused
from .hashing import CHUNK, Hashed, Progress, default_workers, hash_all
from .lsh import candidate_pairs, runs
from .model import Article, Cluster, Member, ScanResult, ShortRepeat
from .shingle import shingle_set


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


@dataclass(frozen=True, slots=True)
class _Nodes:
    """Eligible paragraphs merged by identical word sequence.

    `paragraphs` lists eligible paragraphs grouped by node, each group in canonical
    order; node n owns paragraphs[start[n]:start[n + 1]], the first being its head.
    """

    paragraphs: np.ndarray
    start: np.ndarray

    @property
    def heads(self) -> np.ndarray:
        return self.paragraphs[self.start[:-1]]

    @property
    def weights(self) -> list[int]:
        return np.diff(self.start).tolist()

    def members(self, node: int) -> list[int]:
        return self.paragraphs[self.start[node] : self.start[node + 1]].tolist()


def _nodes(words: np.ndarray, digests: np.ndarray, rank: np.ndarray, params: Params) -> _Nodes:
    eligible = np.flatnonzero(words >= params.min_words)
    eligible = eligible[np.lexsort((rank[eligible], digests[eligible]))]
    ordered = digests[eligible]
    cuts = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
    start = np.concatenate([[0], cuts, [len(eligible)]]) if len(eligible) else np.zeros(1, int)
    return _Nodes(eligible, start)


def _verified_edges(
    hashed: Hashed, heads: np.ndarray, params: Params
) -> dict[tuple[int, int], float]:
    """Candidate node pairs from LSH banding, kept when their exact Jaccard passes.

    Pairs come sorted by their first node, whose shingle set is built once per run;
    sets are not cached beyond that, so memory stays flat on big corpora.
    """
    pairs = candidate_pairs(hashed.keys[:, heads])
    head_of = heads.tolist()
    edges = {}
    current, a = -1, frozenset[int]()
    for i, j in pairs.tolist():
        if i != current:
            current, a = i, hashed.shingle_set(head_of[i])
        value = jaccard(a, hashed.shingle_set(head_of[j]))
        if value >= params.threshold:
            edges[(i, j)] = value
    return edges


def scan(
    articles: Iterable[Article],
    params: Params,
    workers: int | None = None,
    progress: Progress | None = None,
) -> ScanResult:
    """Find every cluster of near-duplicate paragraphs, within and across articles.

    `articles` may be a lazy iterator (see `iter_articles`): paragraphs are hashed
    in the background while it is still being read.
    """
    with paused():
        return _scan(articles, params, workers, progress)


def _batches(articles: Iterable[Article], seen: list[Article]) -> Iterator[list[str]]:
    """Paragraph texts in batches of CHUNK, remembering every article in `seen`."""
    pending: list[str] = []
    for article in articles:
        seen.append(article)
        pending.extend(article.paragraphs)
        while len(pending) >= CHUNK:
            yield pending[:CHUNK]
            del pending[:CHUNK]
    if pending:
        yield pending


def _scan(
    stream: Iterable[Article], params: Params, workers: int | None, progress: Progress | None
) -> ScanResult:
    started = time.perf_counter()
    articles: list[Article] = []
    hashed = hash_all(_batches(stream, articles), params, workers or default_workers(), progress)
    texts = [p for a in articles for p in a.paragraphs]
    layout = _Layout(articles)
    words, digests = hashed.words, hashed.digests
    nodes = _nodes(words, digests, layout.rank, params)
    heads = nodes.heads
    if progress:
        progress("verifying", 0, 1)
    edges = _verified_edges(hashed, heads, params)
    if progress:
        progress("verifying", 1, 1)

    article_of, position, rank = (
        layout.article.tolist(),
        layout.position.tolist(),
        layout.rank.tolist(),
    )
    found = []
    for group in star_clusters(nodes.weights, edges, [rank[h] for h in heads.tolist()]):
        center = group[0]
        members: list[tuple[int, int, float]] = []
        for node in group:
            similarity = 1.0 if node == center else edges[(min(center, node), max(center, node))]
            members.extend((rank[p], p, similarity) for p in nodes.members(node))
        representative = members[0]
        members.sort(key=lambda m: (m is not representative, m[0]))
        cluster = Cluster(
            id=f"{int(digests[heads[center]]):016x}",
            members=tuple(
                Member(articles[article_of[p]].id, position[p], similarity, texts[p], article_of[p])
                for _, p, similarity in members
            ),
        )
        found.append((-len(members), representative[0], cluster))
    found.sort(key=lambda f: f[:2])

    return ScanResult(
        articles=len(articles),
        paragraphs=len(texts),
        clusters=tuple(cluster for _, _, cluster in found),
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
    short = short[np.lexsort((short, digests[short], layout.article[short]))]
    key_article, key_digest = layout.article[short], digests[short]
    same = (key_article[1:] == key_article[:-1]) & (key_digest[1:] == key_digest[:-1])
    repeats = []
    for first, end in runs(same).tolist():
        paras = short[first:end]
        article = articles[int(layout.article[paras[0]])]
        positions = tuple(int(layout.position[p]) for p in paras)
        repeats.append(ShortRepeat(article.id, positions, article.paragraphs[positions[0]]))
    repeats.sort(key=lambda r: (r.article, r.paragraphs))
    return tuple(repeats)


def jaccard_text(a: str, b: str, params: Params) -> float:
    """Exact Jaccard similarity of two paragraphs' shingle sets (1.0 when identical)."""
    return jaccard(shingle_set(a, params.shingle_size), shingle_set(b, params.shingle_size))
