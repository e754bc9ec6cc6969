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

import dataclasses
import functools
import itertools
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from . import contain, standing, versions
from .changes import classify, classify_many
from .cluster import star_clusters
from .config import Params
from .gcpause import paused
from .hashing import CHUNK, Chunk, Hashed, Progress, hash_all
from .lsh import ramp, runs
from .model import Article, Cluster, Contained, Member, ScanResult, ShortRepeat, Standing
from .verify import jaccard, jaccard_text, verified_edges
from .workers import Workers

_IDENTICAL = ("identical",)


class _Layout:
    """Where each flat paragraph comes from, and the canonical order of paragraphs."""

    def __init__(self, articles: Sequence[Article]) -> None:
        self.articles = articles
        self.ids = [a.id for a in articles]
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
    with Workers(workers) as pool:
        hashed = hash_all(_batches(stream, articles), params, pool, progress)
        layout = _Layout(articles)
        nodes = _nodes(hashed.words, hashed.digests, layout.rank, params)
        heads = nodes.heads
        if progress:
            progress("verifying", 0, 1)
        edges, near = verified_edges(hashed, heads, params, pool)
        hashed.release_keys()
        if progress:
            progress("verifying", 1, 1)
        clustered = _clusters(layout, nodes, edges, hashed.digests, pool)
    cluster_of = np.full(len(layout.texts), -1, dtype=np.int64)
    for i, (_, flat) in enumerate(clustered):
        cluster_of[flat] = i
    head_of = heads.tolist()
    near_pairs = [(head_of[i], head_of[j]) for i, j in near]
    contained = _contained(layout, hashed, near_pairs, cluster_of.tolist())
    clusters, set_apart = _standing(layout, clustered, params)
    told = versions.stories(articles)
    story_of = {i: key for key, members in told.items() for i in members}
    return ScanResult(
        articles=len(articles),
        paragraphs=len(layout.texts),
        clusters=tuple(_label(c, c.members, story_of) for c in clusters),
        contained=tuple(_label(c, (c.outer, c.inner), story_of) for c in contained),
        standing=set_apart,
        short_repeats=_short_repeats(layout, hashed.words, hashed.digests, params),
        stories=versions.story_versions(articles, told, params),
        params=params.as_dict(),
        seconds=time.perf_counter() - started,
    )


def _clusters(
    layout: _Layout,
    nodes: _Nodes,
    edges: dict[tuple[int, int], float],
    digests: np.ndarray,
    workers: Workers,
) -> list[tuple[Cluster, list[int]]]:
    """Star clusters of nodes, expanded to their paragraphs, biggest first.

    In each cluster the representative (the center's earliest paragraph) comes first,
    then the others in canonical order. Each cluster comes with its members' flat
    paragraph indices, in member order.
    """
    heads = nodes.heads
    groups = star_clusters(nodes.weights, edges, layout.rank[heads].tolist())
    if not groups:
        return []
    node_list: list[int] = []
    group_list: list[int] = []
    similarity_list: list[float] = []
    for index, group in enumerate(groups):
        center = group[0]
        for node in group:
            node_list.append(node)
            group_list.append(index)
            similarity_list.append(
                1.0 if node == center else edges[(min(center, node), max(center, node))]
            )
    node_of = np.array(node_list, dtype=np.int64)
    sizes = nodes.start[node_of + 1] - nodes.start[node_of]
    paragraph = nodes.paragraphs[np.repeat(nodes.start[node_of], sizes) + ramp(sizes)]
    owner = np.repeat(np.array(group_list, dtype=np.int64), sizes)
    similarity = np.repeat(np.array(similarity_list), sizes)
    is_first = np.ones(len(owner), dtype=bool)
    is_first[1:] = owner[1:] != owner[:-1]  # each group starts with its center's head
    order = np.lexsort((layout.rank[paragraph], ~is_first, owner))
    paragraph, owner, similarity = paragraph[order], owner[order], similarity[order]
    starts = np.flatnonzero(np.concatenate([[True], owner[1:] != owner[:-1]]))
    ends = np.append(starts[1:], len(owner)).astype(np.int64)
    by_size = np.lexsort((layout.rank[paragraph[starts]], starts - ends))

    sizes = (ends - starts)[by_size]
    pick = np.repeat(starts[by_size], sizes) + ramp(sizes)  # members, biggest cluster first
    paragraph, similarity = paragraph[pick], similarity[pick]
    bounds = np.concatenate([[0], np.cumsum(sizes)]).tolist()
    texts = np.array(layout.texts, dtype=object)
    member_texts = texts[paragraph]
    first_texts = texts[np.repeat(paragraph[bounds[:-1]], sizes)]
    changes: list[tuple[str, ...]] = [_IDENTICAL] * len(paragraph)
    differ = np.flatnonzero(member_texts != first_texts)
    pairs = list(zip(first_texts[differ].tolist(), member_texts[differ].tolist(), strict=True))
    for k, found in zip(differ.tolist(), _changes(pairs, workers), strict=True):
        changes[k] = found
    article = layout.article[paragraph]
    members = list(
        map(
            Member._make,
            zip(
                np.array(layout.ids, dtype=object)[article].tolist(),
                layout.position[paragraph].tolist(),
                similarity.tolist(),
                member_texts.tolist(),
                article.tolist(),
                changes,
                strict=True,
            ),
        )
    )
    flat = paragraph.tolist()
    return [
        (Cluster(f"{int(digests[flat[a]]):016x}", tuple(members[a:b])), flat[a:b])
        for a, b in itertools.pairwise(bounds)
    ]


_CLASSIFY_CHUNK = 20000  # distinct text pairs per worker task


def _changes(pairs: list[tuple[str, str]], workers: Workers) -> list[tuple[str, ...]]:
    """Change classes of each (first, other) pair, each distinct pair classified once."""
    todo = list(dict.fromkeys(pairs))
    chunks = [(todo[i : i + _CLASSIFY_CHUNK],) for i in range(0, len(todo), _CLASSIFY_CHUNK)]
    results = workers.map(classify_many, chunks)
    known = dict(zip(todo, (c for found in results for c in found), strict=True))
    return [known[pair] for pair in pairs]


def _contained(
    layout: _Layout, hashed: Hashed, near: list[tuple[int, int]], cluster_of: list[int]
) -> tuple[Contained, ...]:
    """Contained pairs not already in one cluster: inside articles, and near misses.

    A near miss has every 5-gram of its shorter paragraph in the longer, so every
    3-gram too: its containment is 1.
    """
    found: dict[tuple[int, int], float] = {}
    for (a, b), share in zip(hashed.contained.tolist(), hashed.containment.tolist(), strict=True):
        found[(a, b)] = share
    for a, b in near:
        found.setdefault((min(a, b), max(a, b)), 1.0)
    rank = layout.rank_of
    reported = []
    for (a, b), share in found.items():
        if cluster_of[a] >= 0 and cluster_of[a] == cluster_of[b]:
            continue
        earlier, later = (a, b) if rank[a] < rank[b] else (b, a)
        outer, inner = (a, b) if hashed.words[a] >= hashed.words[b] else (b, a)
        similarity = jaccard(hashed.shingle_set(a), hashed.shingle_set(b))
        changes = classify(layout.texts[earlier], layout.texts[later])
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
    layout: _Layout, clustered: list[tuple[Cluster, list[int]]], params: Params
) -> tuple[list[Cluster], tuple[Standing, ...]]:
    """Set standing text and furniture apart from the clusters."""
    texts = layout.texts
    kind_of = standing.furniture_of(texts)
    owner = np.repeat(np.arange(len(clustered)), [len(flat) for _, flat in clustered])
    flat_all = np.array([p for _, flat in clustered for p in flat], dtype=np.int64)
    recurring = standing.recurring(
        owner, layout.article[flat_all], [c.id for c, _ in clustered], params.standing_articles
    )
    groups: dict[tuple[str, str], list[int]] = {}
    kept, entries = [], []
    for index, (cluster, flat) in enumerate(clustered):
        furniture = kind_of.get(flat[0])
        if furniture is not None and all(kind_of.get(p) == furniture for p in flat):
            groups.setdefault(furniture, []).extend(flat)
        elif index in recurring:
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
        # A sign-off in every story: each distinct text is compared with the first once.
        similarity = functools.cache(functools.partial(jaccard_text, first, params=params))
        found_in = tuple(layout.member(p, similarity(texts[p])) for p in flat)
        entries.append(Standing(category, label, standing.document_frequency(found_in), found_in))
    entries.sort(key=lambda s: (-s.articles, -len(s.members), s.kind, s.label))
    return kept, tuple(entries)


Labelled = TypeVar("Labelled", Cluster, Contained)


def _label(found: Labelled, members: Sequence[Member], story_of: dict[int, str]) -> Labelled:
    """Mark a cluster or pair whose paragraphs all come from versions of one story."""
    keys = {story_of.get(m.article_index) for m in members}
    spread = {m.article_index for m in members}
    if len(keys) == 1 and None not in keys and len(spread) > 1:
        return dataclasses.replace(found, story=keys.pop())
    return found


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
