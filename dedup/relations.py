"""Story relations: two articles that share near-duplicate paragraphs, reported once.

A relation says which article is earlier, how many of each one's paragraphs the other
holds, and what kind of relation it is (see `dedup.model.Relation`). Standing text is
set apart before (a sign-off in 100,000 articles relates none of them).

Which pairs: in every cluster, each article is paired with the earliest article of
that cluster; across articles, the two articles of each contained pair. So a story
republished by ten outlets gives ten relations to the original, not the 45 pairs of
its copies (two copies of one original are related to each other only when they share
a paragraph the original lacks). The candidates are linear in the clustered paragraphs,
and each is then counted exactly: every cluster the two articles share.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .arrays import ramp, unique_counts
from .model import Cluster, Contained, Relation, Side

# A quotation: paired marks, or an opening mark that runs to the end of the paragraph
# (a quote continued in the next paragraph leaves its closing mark out).
_QUOTATION = re.compile(
    r'“[^”]*(?:”|$)|"[^"]*(?:"|$)|«[^»]*(?:»|$)|„[^“”]*(?:[“”]|$)|「[^」]*(?:」|$)|『[^』]*(?:』|$)'
)
_MARK = re.compile(r'["“«„「『]')
QUOTE_SHARE = 0.5  # of a paragraph's characters inside quotation marks: a quote


def is_quote(text: str) -> bool:
    """Whether a paragraph is mostly a quotation."""
    if not _MARK.search(text):
        return False
    quoted = sum(len(m[0]) for m in _QUOTATION.finditer(text))
    return quoted >= QUOTE_SHARE * len(text.strip()) > 0


@dataclass(frozen=True, slots=True)
class Articles:
    """What relations need to know about the scanned articles, by article index.

    `rank`: the place of each article in presentation order (earliest first);
    `comparable`: its paragraphs long enough to compare and not standing text;
    `story`: the story key of each article told in several versions.
    """

    ids: Sequence[str]
    sources: Sequence[str]
    lines: Sequence[int | None]
    published: Sequence[str | None]
    rank: np.ndarray
    comparable: np.ndarray
    story: dict[int, str]


@dataclass(frozen=True, slots=True)
class Found:
    """The relations as arrays, in report order (substantive first, then by the ranks
    of their articles): per relation its (earlier, later) articles, the paragraphs of
    each the other holds, whether one is substantive, its kind (an index into KINDS),
    the clusters it shares (indices, `cluster_bounds` per relation) and its contained
    pairs (indices into the contained pairs)."""

    pairs: np.ndarray
    held: np.ndarray
    substantive: np.ndarray
    kinds: np.ndarray
    clusters: np.ndarray
    cluster_bounds: np.ndarray
    contained: list[tuple[int, ...]]

    def __len__(self) -> int:
        return len(self.pairs)


def arrays(
    clusters: Sequence[Cluster],
    owner: np.ndarray,
    article: np.ndarray,
    substantive: np.ndarray,
    contained: Sequence[Contained],
    clustered: dict[tuple[int, int], int],
    articles: Articles,
) -> Found:
    """The relations between the articles of a scan, substantive ones first, as arrays
    (`built` makes them `Relation`s; a table of millions is written from the arrays).

    `owner`, `article` and `substantive` give, for every member of `clusters` in order,
    its cluster index, its article index and whether it changes a number or a word.
    `clustered` maps (article index, paragraph) of each paragraph of a contained pair
    that is in one of `clusters` to that cluster's index.
    """
    width = max(len(articles.ids), 1)
    codes = owner * width + article  # one per member; rows: one per (cluster, article)
    rows, counts = unique_counts(codes)
    flagged = np.zeros(len(rows), dtype=bool)
    if len(rows):
        flagged[np.searchsorted(rows, codes[substantive])] = True
    row_cluster, row_article = rows // width, rows % width
    pairs = _candidates(row_cluster, row_article, articles.rank, contained)
    n = len(pairs)
    if not n:
        none = np.empty(0, np.int64)
        return Found(pairs, pairs, none.astype(bool), none, none, np.zeros(1, np.int64), [])
    pair, theirs, mine = _shared(rows, row_cluster, row_article, pairs, width)
    held = np.stack(
        [
            np.bincount(pair, weights=counts[theirs], minlength=n),
            np.bincount(pair, weights=counts[mine], minlength=n),
        ],
        axis=1,
    ).astype(np.int64)
    changed = np.bincount(pair, weights=flagged[theirs] | flagged[mine], minlength=n) > 0
    shares = np.bincount(pair, minlength=n) > 0
    extra = _contained(contained, clustered, pairs, articles.rank, rows, width)
    for k, (in_a, in_b, _, substantive_pair) in extra.items():
        held[k] += in_a, in_b
        changed[k] |= substantive_pair
        shares[k] = True
    kinds = _kinds(pairs, held, articles, pair, row_cluster[theirs], clusters, contained, extra)
    order = np.lexsort((articles.rank[pairs[:, 1]], articles.rank[pairs[:, 0]], ~changed))
    order = order[shares[order]]
    bounds = np.searchsorted(pair, np.arange(n + 1))
    sizes = (bounds[1:] - bounds[:-1])[order]
    cluster_bounds = np.zeros(len(order) + 1, dtype=np.int64)
    np.cumsum(sizes, out=cluster_bounds[1:])
    shared_rows = np.repeat(bounds[:-1][order], sizes) + ramp(sizes)
    return Found(
        pairs[order],
        held[order],
        changed[order],
        kinds[order],
        row_cluster[theirs][shared_rows],
        cluster_bounds,
        [extra[k][2] if k in extra else () for k in order.tolist()],
    )


def built(found: Found, cluster_ids: Sequence[str], articles: Articles) -> tuple[Relation, ...]:
    """The relations of `arrays` as `Relation`s (`cluster_ids`: each cluster's id)."""
    ids, sources, lines = articles.ids, articles.sources, articles.lines
    published, comparable = articles.published, articles.comparable
    listed, counted, flags = found.pairs.tolist(), found.held.tolist(), found.substantive.tolist()
    shared = [cluster_ids[c] for c in found.clusters.tolist()]
    bounds = found.cluster_bounds.tolist()
    relations = []
    for k, ((a, b), (held_a, held_b), kind, story) in enumerate(
        zip(listed, counted, found.kinds.tolist(), stories(found, articles), strict=True)
    ):
        relations.append(
            Relation(
                KINDS[kind],
                Side(ids[a], a, sources[a], lines[a], int(comparable[a]), held_a, published[a]),
                Side(ids[b], b, sources[b], lines[b], int(comparable[b]), held_b, published[b]),
                flags[k],
                tuple(shared[bounds[k] : bounds[k + 1]]),
                found.contained[k],
                story,
            )
        )
    return tuple(relations)


def stories(found: Found, articles: Articles) -> list[str | None]:
    """Each relation's story: for versions of one story, its key; else None."""
    version = KINDS.index("version")
    return [
        articles.story.get(a) if kind == version else None
        for a, kind in zip(found.pairs[:, 0].tolist(), found.kinds.tolist(), strict=True)
    ]


def _candidates(
    row_cluster: np.ndarray,
    row_article: np.ndarray,
    rank: np.ndarray,
    contained: Sequence[Contained],
) -> np.ndarray:
    """(earlier, later) article pairs worth counting: each article of a cluster with the
    cluster's earliest article, and the two articles of each contained pair."""
    order = np.lexsort((rank[row_article], row_cluster))
    cluster, member = row_cluster[order], row_article[order]
    first = np.ones(len(cluster), dtype=bool)
    first[1:] = cluster[1:] != cluster[:-1]
    earliest = member[np.flatnonzero(first)][np.cumsum(first) - 1]
    found = [np.stack([earliest[~first], member[~first]], axis=1)]
    across = [
        (p.earlier.article_index, p.later.article_index)
        for p in contained
        if p.earlier.article_index != p.later.article_index
    ]
    if across:
        found.append(np.array(across, dtype=np.int64))
    pairs = np.concatenate(found).astype(np.int64)
    swap = rank[pairs[:, 0]] > rank[pairs[:, 1]]
    pairs[swap] = pairs[swap][:, ::-1]
    width = int(rank.size) or 1
    codes, _ = unique_counts(pairs[:, 0] * width + pairs[:, 1])
    return np.stack([codes // width, codes % width], axis=1)


def _shared(
    rows: np.ndarray,
    row_cluster: np.ndarray,
    row_article: np.ndarray,
    pairs: np.ndarray,
    width: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every cluster two articles of a pair share: (pair index, the earlier's row, the
    later's row) for each, sorted by pair (rows: one per cluster and article)."""
    by_article = np.argsort(row_article, kind="stable")  # each article's rows, cluster order
    starts = np.searchsorted(row_article[by_article], np.arange(width + 1))
    later = pairs[:, 1]
    sizes = starts[later + 1] - starts[later]
    pair = np.repeat(np.arange(len(pairs)), sizes)
    mine = by_article[np.repeat(starts[later], sizes) + ramp(sizes)]  # rows of the later
    wanted = row_cluster[mine] * width + pairs[pair, 0]  # the earlier in the same cluster
    at = np.minimum(np.searchsorted(rows, wanted), max(len(rows) - 1, 0))
    hit = rows[at] == wanted if len(rows) else np.zeros(0, dtype=bool)
    return pair[hit], at[hit], mine[hit]


def _contained(
    contained: Sequence[Contained],
    clustered: dict[tuple[int, int], int],
    pairs: np.ndarray,
    rank: np.ndarray,
    rows: np.ndarray,
    width: int,
) -> dict[int, tuple[int, int, tuple[int, ...], bool]]:
    """For each pair (index into `pairs`, sorted) with contained pairs across its
    articles: the paragraphs they add to each side's count (those not already counted in
    a shared cluster), their indices, and whether one of them is substantive."""
    found: dict[int, tuple[int, int, tuple[int, ...], bool]] = {}
    counted: set[tuple[int, int, int]] = set()  # (pair, article, paragraph)
    codes = pairs[:, 0] * width + pairs[:, 1]
    for i, p in enumerate(contained):
        x, y = p.outer.article_index, p.inner.article_index
        if x == y:
            continue
        a, b = (x, y) if rank[x] < rank[y] else (y, x)
        k = int(np.searchsorted(codes, a * width + b))
        add = [0, 0]
        for m in (p.earlier, p.later):
            mine, other = (a, b) if m.article_index == a else (b, a)
            cluster = clustered.get((mine, m.paragraph))
            if cluster is not None and _has(rows, cluster * width + other):
                continue  # counted with the cluster the two articles share
            if (k, mine, m.paragraph) not in counted:
                counted.add((k, mine, m.paragraph))
                add[0 if mine == a else 1] += 1
        in_a, in_b, listed, substantive = found.get(k, (0, 0, (), False))
        found[k] = (in_a + add[0], in_b + add[1], (*listed, i), substantive or p.substantive)
    return found


def _has(rows: np.ndarray, code: int) -> bool:
    at = int(np.searchsorted(rows, code))
    return at < len(rows) and int(rows[at]) == code


KINDS = ("version", "republished", "extended", "shortened", "quotes", "partial")
"""The kinds of relation (see `dedup.model.Relation`), as `Found.kinds` numbers them."""
_PARTIAL, _QUOTES = KINDS.index("partial"), KINDS.index("quotes")


def _kinds(
    pairs: np.ndarray,
    held: np.ndarray,
    articles: Articles,
    pair: np.ndarray,
    cluster: np.ndarray,
    clusters: Sequence[Cluster],
    contained: Sequence[Contained],
    extra: dict[int, tuple[int, int, tuple[int, ...], bool]],
) -> np.ndarray:
    """The kind of each relation, as an index into KINDS (see `dedup.model.Relation`);
    `pair` and `cluster` list the clusters each pair shares."""
    a, b = pairs[:, 0], pairs[:, 1]
    story = np.full(len(articles.ids), -1, dtype=np.int64)
    keys = {key: i for i, key in enumerate(sorted(set(articles.story.values())))}
    for i, key in articles.story.items():
        story[i] = keys[key]
    all_of_earlier = held[:, 0] >= articles.comparable[a]
    all_of_later = held[:, 1] >= articles.comparable[b]
    kinds = np.select(
        [
            (story[a] >= 0) & (story[a] == story[b]),
            all_of_earlier & all_of_later,
            all_of_earlier,
            all_of_later,
        ],
        [0, 1, 2, 3],
        _PARTIAL,
    )
    partial = kinds[pair] == _PARTIAL
    needed = np.unique(cluster[partial])
    quoted = np.zeros(len(clusters), dtype=bool)
    quoted[needed] = [is_quote(clusters[c].members[0].text) for c in needed.tolist()]
    unquoted = np.bincount(pair[partial], ~quoted[cluster[partial]], len(pairs)) > 0
    for k, (_, _, listed, _) in extra.items():
        unquoted[k] |= not all(is_quote(contained[i].inner.text) for i in listed)
    kinds[(kinds == _PARTIAL) & ~unquoted] = _QUOTES
    return kinds
