"""A scan: articles in; clusters, contained pairs and standing text out.

Paragraphs are hashed in batches of whole articles (in a process pool, while the
input is still being read). Identical paragraphs are merged into one node, LSH
banding proposes candidate node pairs, each candidate is verified with the exact
Jaccard similarity of its shingle sets, and verified pairs are grouped by star
clustering. Contained pairs come from the batches (inside articles) and from the
near misses of verification (across articles). Clusters of standing text and
newsroom furniture are then set apart.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from . import contain, standing
from .changes import classify
from .cluster import star_clusters
from .config import Params
from .gcpause import paused
from .hashing import CHUNK, Chunk, Hashed, Progress, default_workers, hash_all
from .lsh import runs
from .model import Article, Cluster, Contained, Member, ScanResult, ShortRepeat, Standing
from .verify import jaccard, jaccard_text, verified_edges


class _Layout:
    """Where each flat paragraph comes from, and the canonical order of paragraphs."""

    def __init__(self, articles: Sequence[Article]) -> None:
        self.articles = articles
        self.texts = [p for a in articles for p in a.paragraphs]
        sizes = np.array([len(a.paragraphs) for a in articles], dtype=np.int64)
        article = np.repeat(np.arange(len(articles)), sizes)
        first = np.concatenate([[0], np.cumsum(sizes)[:-1]]) if len(sizes) else sizes
        position = np.arange(len(article)) - first[article]
        by_id = sorted(range(len(articles)), key=lambda i: (articles[i].id, i))
        article_rank = np.empty(len(articles), dtype=np.int64)
        article_rank[by_id] = np.arange(len(articles))
        order = np.lexsort((position, article_rank[article]))
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        self.article, self.position, self.rank = article, position, rank
        self.article_of, self.position_of, self.rank_of = (
            article.tolist(),
            position.tolist(),
            rank.tolist(),
        )
        self.first_of = first.tolist()

    def index(self, member: Member) -> int:
        """The flat paragraph index of a member."""
        return int(self.first_of[member.article_index]) + member.paragraph

    def member(self, p: int, similarity: float = 1.0, changes: tuple[str, ...] = ()) -> Member:
        """Paragraph p as a report member."""
        a = self.article_of[p]
        return Member(
            self.articles[a].id, self.position_of[p], similarity, self.texts[p], a, changes
        )


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


def _batches(articles: Iterable[Article], seen: list[Article]) -> Iterator[Chunk]:
    """Whole articles in batches of about CHUNK paragraphs, remembering each in `seen`."""
    texts: list[str] = []
    owners: list[int] = []
    for article in articles:
        seen.append(article)
        texts.extend(article.paragraphs)
        owners.extend([len(seen)] * len(article.paragraphs))
        if len(texts) >= CHUNK:
            yield texts, np.array(owners, dtype=np.int64)
            texts, owners = [], []
    if texts:
        yield texts, np.array(owners, dtype=np.int64)


def _scan(
    stream: Iterable[Article], params: Params, workers: int | None, progress: Progress | None
) -> ScanResult:
    started = time.perf_counter()
    articles: list[Article] = []
    hashed = hash_all(_batches(stream, articles), params, workers or default_workers(), progress)
    layout = _Layout(articles)
    nodes = _nodes(hashed.words, hashed.digests, layout.rank, params)
    heads = nodes.heads
    if progress:
        progress("verifying", 0, 1)
    edges, near = verified_edges(hashed, heads, params)
    if progress:
        progress("verifying", 1, 1)

    clusters = _clusters(layout, nodes, edges, hashed.digests)
    in_cluster = {(m.article_index, m.paragraph): c.id for c in clusters for m in c.members}
    head_of = heads.tolist()
    near_pairs = [(head_of[i], head_of[j]) for i, j in near]
    contained = _contained(layout, hashed, near_pairs, in_cluster, params)
    clusters, set_apart = _standing(layout, clusters, params)
    return ScanResult(
        articles=len(articles),
        paragraphs=len(layout.texts),
        clusters=tuple(clusters),
        contained=contained,
        standing=set_apart,
        short_repeats=_short_repeats(layout, hashed.words, hashed.digests, params),
        params=params.as_dict(),
        seconds=time.perf_counter() - started,
    )


def _clusters(
    layout: _Layout, nodes: _Nodes, edges: dict[tuple[int, int], float], digests: np.ndarray
) -> list[Cluster]:
    """Star clusters of nodes, expanded to their paragraphs, biggest first."""
    heads = nodes.heads
    rank = layout.rank_of
    found = []
    for group in star_clusters(nodes.weights, edges, [rank[h] for h in heads.tolist()]):
        center = group[0]
        members: list[tuple[int, int, float]] = []
        for node in group:
            similarity = 1.0 if node == center else edges[(min(center, node), max(center, node))]
            members.extend((rank[p], p, similarity) for p in nodes.members(node))
        representative = members[0]
        members.sort(key=lambda m: (m is not representative, m[0]))
        first = layout.texts[representative[1]]
        cluster = Cluster(
            id=f"{int(digests[heads[center]]):016x}",
            members=tuple(
                layout.member(p, similarity, tuple(classify(first, layout.texts[p])))
                for _, p, similarity in members
            ),
        )
        found.append((-len(members), representative[0], cluster))
    found.sort(key=lambda f: f[:2])
    return [cluster for _, _, cluster in found]


def _contained(
    layout: _Layout,
    hashed: Hashed,
    near: list[tuple[int, int]],
    in_cluster: dict[tuple[int, int], str],
    params: Params,
) -> tuple[Contained, ...]:
    """Contained pairs not already in one cluster: inside articles, and near misses."""
    found: dict[tuple[int, int], float] = {}
    for (a, b), share in zip(hashed.contained.tolist(), hashed.containment.tolist(), strict=True):
        found[(a, b)] = share
    for a, b in near:
        key = (min(a, b), max(a, b))
        if key not in found:
            share = contain.containment(layout.texts[a], layout.texts[b])
            if share >= params.containment:
                found[key] = share
    rank = layout.rank_of
    reported = []
    for (a, b), share in found.items():
        ka = (layout.article_of[a], layout.position_of[a])
        kb = (layout.article_of[b], layout.position_of[b])
        if ka in in_cluster and in_cluster[ka] == in_cluster.get(kb):
            continue
        earlier, later = (a, b) if rank[a] < rank[b] else (b, a)
        outer, inner = (a, b) if hashed.words[a] >= hashed.words[b] else (b, a)
        similarity = jaccard(hashed.shingle_set(a), hashed.shingle_set(b))
        changes = tuple(classify(layout.texts[earlier], layout.texts[later]))
        reported.append(
            (
                rank[earlier],
                Contained(
                    outer=layout.member(outer, similarity),
                    inner=layout.member(inner, similarity),
                    containment=share,
                    similarity=similarity,
                    span=contain.span(layout.texts[outer], layout.texts[inner]),
                    changes=changes,
                ),
            )
        )
    reported.sort(key=lambda r: r[0])
    return tuple(c for _, c in reported)


def _standing(
    layout: _Layout, clusters: list[Cluster], params: Params
) -> tuple[list[Cluster], tuple[Standing, ...]]:
    """Set standing text and furniture apart from the clusters."""
    texts = layout.texts
    kind_of = standing.furniture_of(texts)
    recurring = standing.recurring(clusters, params.standing_articles)
    groups: dict[tuple[str, str], list[int]] = {}
    kept, entries = [], []
    for cluster in clusters:
        flat = [layout.index(m) for m in cluster.members]
        kinds = {kind_of.get(p) for p in flat}
        furniture = kinds.pop() if len(kinds) == 1 else None
        if furniture is not None:
            groups.setdefault(furniture, []).extend(flat)
        elif cluster.id in recurring:
            members = cluster.members
            df = standing.document_frequency(members)
            entries.append(Standing("recurring", members[0].text, df, members))
        else:
            kept.append(cluster)
    grouped = {p for flat in groups.values() for p in flat}
    for p, key in kind_of.items():
        if p not in grouped:
            groups.setdefault(key, []).append(p)
    for (category, label), flat in groups.items():
        flat.sort(key=layout.rank_of.__getitem__)
        first = texts[flat[0]]
        found_in = tuple(layout.member(p, jaccard_text(first, texts[p], params)) for p in flat)
        entries.append(Standing(category, label, standing.document_frequency(found_in), found_in))
    entries.sort(key=lambda s: (-s.articles, -len(s.members), s.kind, s.label))
    return kept, tuple(entries)


def _short_repeats(
    layout: _Layout, words: np.ndarray, digests: np.ndarray, params: Params
) -> tuple[ShortRepeat, ...]:
    """Exact repeats, inside one article, of paragraphs too short to cluster."""
    short = np.flatnonzero((words > 0) & (words < params.min_words))
    short = short[np.lexsort((short, digests[short], layout.article[short]))]
    key_article, key_digest = layout.article[short], digests[short]
    same = (key_article[1:] == key_article[:-1]) & (key_digest[1:] == key_digest[:-1])
    repeats = []
    for first, end in runs(same).tolist():
        paras = short[first:end]
        article = layout.articles[int(layout.article[paras[0]])]
        positions = tuple(int(layout.position[p]) for p in paras)
        repeats.append(ShortRepeat(article.id, positions, article.paragraphs[positions[0]]))
    repeats.sort(key=lambda r: (r.article, r.paragraphs))
    return tuple(repeats)
