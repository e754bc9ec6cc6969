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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from . import contain, dates, relations, standing, versions
from .arrays import ramp, runs
from .changes import SUBSTANTIVE, classify, classify_many
from .cluster import star_clusters
from .config import Params
from .errors import printable
from .gcpause import paused
from .hashing import CHUNK, Chunk, Progress, ScanHashes, hash_all
from .model import (
    Article,
    Cluster,
    Contained,
    Member,
    Relation,
    ScanResult,
    ShortRepeat,
    Standing,
)
from .verify import jaccard, jaccard_text, verified_edges
from .workers import Workers

_IDENTICAL = ("identical",)


class _Layout:
    """Where each flat paragraph comes from, and the order copies are shown in.

    Articles are ordered by publication time from their own metadata (known times
    first), then by their order in the input; never by id or file name. A paragraph's
    `rank` is its place in that order (article, then position): it decides which copy
    comes first and reads as the original, never which paragraphs cluster.
    """

    def __init__(self, articles: Sequence[Article]) -> None:
        self.articles = articles
        self.ids = [a.id for a in articles]
        self.sources = [printable(a.source) for a in articles]
        self.lines = [a.line for a in articles]
        self.texts = [p for a in articles for p in a.paragraphs]
        sizes = np.array([len(a.paragraphs) for a in articles], dtype=np.int64)
        article = np.repeat(np.arange(len(articles)), sizes)
        first = np.concatenate([[0], np.cumsum(sizes)[:-1]]) if len(sizes) else sizes
        position = np.arange(len(article)) - first[article]
        found = [dates.published(a) for a in articles]
        self.published = [f[1] if f else None for f in found]
        times = np.array([f[0] if f else np.nan for f in found], dtype=float)
        known = ~np.isnan(times)
        by_time = np.lexsort((np.arange(len(articles)), np.where(known, times, 0.0), ~known))
        article_rank = np.empty(len(articles), dtype=np.int64)
        article_rank[by_time] = np.arange(len(articles))
        order = np.lexsort((position, article_rank[article]))
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        self.article, self.position, self.rank = article, position, rank
        self.article_rank = article_rank
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
            self.ids[a],
            self.position_of[p],
            similarity,
            self.texts[p],
            a,
            changes,
            self.sources[a],
            self.lines[a],
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

    >>> from dedup import Article, Params, scan
    >>> lead = "The minister said the talks would resume next week in Geneva after a long pause"
    >>> story = Article("wire-1", (lead + ".", "No comment.", lead), "mem", "text")
    >>> [cluster] = scan([story], Params()).clusters
    >>> [(m.paragraph, m.changes) for m in cluster.members]
    [(0, ('identical',)), (2, ('punctuation',))]
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
        clustered, changed = _clusters(layout, nodes, edges, hashed, pool)
    cluster_of = np.full(len(layout.texts), -1, dtype=np.int64)
    for i, (_, flat) in enumerate(clustered):
        cluster_of[flat] = i
    head_of = heads.tolist()
    near_pairs = [(head_of[i], head_of[j]) for i, j in near]
    contained = _contained(layout, hashed, near_pairs, cluster_of.tolist())
    kept, set_apart = _standing(layout, clustered, hashed.words, params)
    told = versions.stories(articles)
    story_of = {i: key for key, members in told.items() for i in members}
    first_rank = layout.rank_of
    labelled = sorted(
        ((_label(c, c.members, story_of), flat) for c, flat in kept),
        key=lambda cf: (
            cf[0].story is not None,
            not cf[0].substantive,
            -len(cf[0].members),
            first_rank[cf[1][0]],
        ),
    )
    pairs = sorted(
        (_label(c, (c.outer, c.inner), story_of) for c in contained),
        key=lambda c: (
            c.story is not None,
            not c.substantive,
            first_rank[layout.index(c.earlier)],
        ),
    )
    clusters = tuple(c for c, _ in labelled)
    return ScanResult(
        articles=len(articles),
        paragraphs=len(layout.texts),
        clusters=clusters,
        contained=tuple(pairs),
        standing=set_apart,
        short_repeats=_short_repeats(layout, hashed.words, hashed.digests, params),
        stories=versions.story_versions(articles, told, params),
        params=params.as_dict(),
        seconds=time.perf_counter() - started,
        relations=_relations(layout, labelled, pairs, set_apart, changed, hashed, params, story_of),
    )


def _relations(
    layout: _Layout,
    clustered: list[tuple[Cluster, list[int]]],
    contained: list[Contained],
    set_apart: tuple[Standing, ...],
    changed: np.ndarray,
    hashed: ScanHashes,
    params: Params,
    story_of: dict[int, str],
) -> tuple[Relation, ...]:
    """The story relations between articles, from the clusters left after standing text.

    `changed` flags the paragraphs with a number or a word changed from the first copy
    of their cluster."""
    comparable = hashed.words >= params.min_words
    for entry in set_apart:
        comparable[[layout.index(m) for m in entry.members]] = False
    sizes = [len(flat) for _, flat in clustered]
    flat_all = np.fromiter(itertools.chain.from_iterable(f for _, f in clustered), np.int64)
    owner = np.repeat(np.arange(len(clustered)), sizes)
    cluster_at = np.full(len(layout.texts), -1, dtype=np.int64)
    cluster_at[flat_all] = owner
    in_pairs = {}
    for pair in contained:
        if pair.outer.article_index == pair.inner.article_index:
            continue  # relations join two articles
        for m in (pair.outer, pair.inner):
            c = int(cluster_at[layout.index(m)])
            if c >= 0:
                in_pairs[(m.article_index, m.paragraph)] = c
    articles = relations.Articles(
        layout.ids,
        layout.sources,
        layout.lines,
        layout.published,
        layout.article_rank,
        np.bincount(layout.article[comparable], minlength=len(layout.ids)),
        story_of,
    )
    kept = [c for c, _ in clustered]
    found = relations.arrays(
        kept, owner, layout.article[flat_all], changed[flat_all], contained, in_pairs, articles
    )
    return relations.built(found, [c.id for c in kept], articles)


@dataclass(frozen=True, slots=True)
class Grouping:
    """Star clusters expanded to their paragraphs, as arrays: one entry per member,
    grouped by cluster (cluster g holds entries bounds[g]:bounds[g + 1]), the earliest
    copy first within each. `center` is, per cluster, the index of its center among its
    members; `similarity` and `changes` compare each member with its cluster's first."""

    paragraph: np.ndarray
    bounds: list[int]
    similarity: np.ndarray
    changes: list[tuple[str, ...]]
    center: list[int]
    ids: list[str]


def group(
    nodes: _Nodes,
    edges: dict[tuple[int, int], float],
    hashed: ScanHashes,
    rank: np.ndarray,
    texts: Sequence[str],
    workers: Workers,
) -> Grouping:
    """Star clusters of nodes, expanded to their paragraphs, the earliest copy first.

    Centers are chosen by node (distinct normalized texts, in digest order), so the
    clusters and their ids never depend on the input order or on article names; the
    members are then put in presentation order (`rank`, by flat paragraph), and
    similarity and change classes read from the first member (the earliest copy).
    `hashed` needs the shingles of the nodes' heads only.
    """
    heads = nodes.heads
    groups = star_clusters(nodes.weights, edges, range(len(heads)))
    if not groups:
        return Grouping(np.empty(0, np.int64), [0], np.empty(0), [], [], [])
    node_of = np.array([n for group in groups for n in group], dtype=np.int64)
    group_of = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    centers = np.array([group[0] for group in groups], dtype=np.int64)
    sizes = nodes.start[node_of + 1] - nodes.start[node_of]
    paragraph = nodes.paragraphs[np.repeat(nodes.start[node_of], sizes) + ramp(sizes)]
    owner = np.repeat(group_of, sizes)
    node = np.repeat(node_of, sizes)
    order = np.lexsort((rank[paragraph], owner))
    paragraph, owner, node = paragraph[order], owner[order], node[order]
    starts = np.flatnonzero(np.concatenate([[True], owner[1:] != owner[:-1]]))
    counts = np.diff(np.append(starts, len(owner)))
    first_node = np.repeat(node[starts], counts)
    similarity = _similarity_to_first(first_node, node, edges, hashed, heads)
    is_center = np.flatnonzero(node == centers[owner])
    center_at = is_center[np.concatenate([[True], owner[is_center][1:] != owner[is_center][:-1]])]

    bounds = np.concatenate([[0], np.cumsum(counts)]).tolist()
    every = np.array(texts, dtype=object)
    member_texts = every[paragraph]
    first_texts = every[np.repeat(paragraph[starts], counts)]
    changes: list[tuple[str, ...]] = [_IDENTICAL] * len(paragraph)
    differ = np.flatnonzero(member_texts != first_texts)
    pairs = list(zip(first_texts[differ].tolist(), member_texts[differ].tolist(), strict=True))
    for k, found in zip(differ.tolist(), _changes(pairs, workers), strict=True):
        changes[k] = found
    center_digest = hashed.digests[heads[centers]].tolist()
    return Grouping(
        paragraph,
        bounds,
        similarity,
        changes,
        (center_at - starts).tolist(),
        [f"{int(d):016x}" for d in center_digest],
    )


def _clusters(
    layout: _Layout,
    nodes: _Nodes,
    edges: dict[tuple[int, int], float],
    hashed: ScanHashes,
    workers: Workers,
) -> tuple[list[tuple[Cluster, list[int]]], np.ndarray]:
    """The clusters of `group` as report clusters, each with its members' flat paragraph
    indices, in member order; with them, which paragraphs change a number or a word of
    their cluster's first copy."""
    found = group(nodes, edges, hashed, layout.rank, layout.texts, workers)
    paragraph, changes = found.paragraph, found.changes
    substantive = np.zeros(len(layout.texts), dtype=bool)
    flagged = [k for k, c in enumerate(changes) if not SUBSTANTIVE.isdisjoint(c)]
    substantive[paragraph[flagged]] = True
    article = layout.article[paragraph]
    members = list(
        map(
            Member._make,
            zip(
                np.array(layout.ids, dtype=object)[article].tolist(),
                layout.position[paragraph].tolist(),
                found.similarity.tolist(),
                np.array(layout.texts, dtype=object)[paragraph].tolist(),
                article.tolist(),
                changes,
                np.array(layout.sources, dtype=object)[article].tolist(),
                np.array(layout.lines, dtype=object)[article].tolist(),
                strict=True,
            ),
        )
    )
    flat = paragraph.tolist()
    clusters = [
        (Cluster(found.ids[g], tuple(members[a:b]), center=found.center[g]), flat[a:b])
        for g, (a, b) in enumerate(itertools.pairwise(found.bounds))
    ]
    return clusters, substantive


def _similarity_to_first(
    first: np.ndarray,
    node: np.ndarray,
    edges: dict[tuple[int, int], float],
    hashed: ScanHashes,
    heads: np.ndarray,
) -> np.ndarray:
    """Each member's exact Jaccard similarity to its cluster's first member, by node:
    1.0 for the same words, else the verified edge, else computed (two members that
    are both not the center were never compared)."""
    similarity = np.ones(len(node))
    differ = np.flatnonzero(node != first)
    known: dict[tuple[int, int], float] = {}
    for k, a, b in zip(differ.tolist(), first[differ].tolist(), node[differ].tolist(), strict=True):
        key = (a, b) if a < b else (b, a)
        value = edges.get(key)
        if value is None:
            value = known.get(key)
            if value is None:
                value = known[key] = jaccard(
                    hashed.shingle_set(int(heads[a])), hashed.shingle_set(int(heads[b]))
                )
        similarity[k] = value
    return similarity


_CLASSIFY_CHUNK = 20000  # distinct text pairs per worker task


def _changes(pairs: list[tuple[str, str]], workers: Workers) -> list[tuple[str, ...]]:
    """Change classes of each (first, other) pair, each distinct pair classified once."""
    todo = list(dict.fromkeys(pairs))
    chunks = [(todo[i : i + _CLASSIFY_CHUNK],) for i in range(0, len(todo), _CLASSIFY_CHUNK)]
    results = workers.map(classify_many, chunks)
    known = dict(zip(todo, (c for found in results for c in found), strict=True))
    return [known[pair] for pair in pairs]


def _contained(
    layout: _Layout, hashed: ScanHashes, near: list[tuple[int, int]], cluster_of: list[int]
) -> list[Contained]:
    """Contained pairs not already in one cluster: inside articles, and near misses.

    A near miss has every 5-gram of its shorter paragraph in the longer, so every
    3-gram too: its containment is 1. Change classes read from the earlier paragraph
    (in presentation order) to the later.
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
        reported.append(contained_pair(a, b, share, rank, layout.texts, hashed, layout.member))
    return reported


def contained_pair(
    a: int,
    b: int,
    share: float,
    rank: Sequence[int],
    texts: Sequence[str],
    hashed: ScanHashes,
    member: Callable[[int, float], Member],
) -> Contained:
    """The contained pair of flat paragraphs a and b (`share`: its containment): the
    longer is the outer; `member(p, similarity)` makes a report member of paragraph p."""
    earlier, later = (a, b) if rank[a] < rank[b] else (b, a)
    outer, inner = (a, b) if hashed.words[a] >= hashed.words[b] else (b, a)
    similarity = jaccard(hashed.shingle_set(a), hashed.shingle_set(b))
    return Contained(
        outer=member(outer, similarity),
        inner=member(inner, similarity),
        containment=share,
        similarity=similarity,
        span=contain.span(texts[outer], texts[inner]),
        changes=classify(texts[earlier], texts[later]),
        inner_first=inner == earlier,
    )


def _standing(
    layout: _Layout, clustered: list[tuple[Cluster, list[int]]], words: np.ndarray, params: Params
) -> tuple[list[tuple[Cluster, list[int]]], tuple[Standing, ...]]:
    """Set standing text and furniture apart from the clusters (`words`: each paragraph's
    units, to count the paragraphs of each article long enough to cluster)."""
    texts = layout.texts
    kind_of = standing.furniture_of(texts)
    owner = np.repeat(np.arange(len(clustered)), [len(flat) for _, flat in clustered])
    flat_all = np.array([p for _, flat in clustered for p in flat], dtype=np.int64)
    is_furniture = np.array(
        [
            kind_of.get(flat[0]) is not None
            and all(kind_of.get(p) == kind_of.get(flat[0]) for p in flat)
            for _, flat in clustered
        ],
        dtype=bool,
    )
    recurring = standing.recurring(
        owner,
        layout.article[flat_all],
        [c.id for c, _ in clustered],
        params.standing_articles,
        is_furniture,
        np.bincount(layout.article[words >= params.min_words], minlength=len(layout.articles)),
    )
    groups: dict[tuple[str, str], list[int]] = {}
    kept, entries = [], []
    for index, (cluster, flat) in enumerate(clustered):
        if is_furniture[index]:
            groups.setdefault(kind_of[flat[0]], []).extend(flat)
        elif index in recurring:
            members = cluster.members
            df = standing.document_frequency(members)
            entries.append(Standing("recurring", members[0].text, df, members))
        else:
            kept.append((cluster, flat))
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
    repeats = short_repeat_rows(layout, words, digests, params)
    repeats.sort(key=lambda r: (int(layout.article_rank[r[0]]), r[1].paragraphs))
    return tuple(r for _, r in repeats)


def short_repeat_rows(
    layout: _Layout, words: np.ndarray, digests: np.ndarray, params: Params
) -> list[tuple[int, ShortRepeat]]:
    """`_short_repeats` with each one's article index, in no particular order."""
    short = np.flatnonzero((words > 0) & (words < params.min_words))
    short = short[np.lexsort((short, digests[short], layout.article[short]))]
    key_article, key_digest = layout.article[short], digests[short]
    same = (key_article[1:] == key_article[:-1]) & (key_digest[1:] == key_digest[:-1])
    repeats = []
    for first, end in runs(same).tolist():
        paras = short[first:end]
        a = int(layout.article[paras[0]])
        positions = tuple(int(layout.position[p]) for p in paras)
        text = layout.articles[a].paragraphs[positions[0]]
        repeats.append(
            (a, ShortRepeat(layout.ids[a], positions, text, layout.sources[a], layout.lines[a]))
        )
    return repeats
