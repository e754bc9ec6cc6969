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

from .lsh import ramp, unique_counts
from .model import Cluster, Contained, Relation, Side

# A quotation: paired marks, or an opening mark that runs to the end of the paragraph
# (a quote continued in the next paragraph leaves its closing mark out).
_QUOTATION = re.compile(
    r'“[^”]*(?:”|$)|"[^"]*(?:"|$)|«[^»]*(?:»|$)|„[^“”]*(?:[“”]|$)|「[^」]*(?:」|$)|『[^』]*(?:』|$)'
)
QUOTE_SHARE = 0.5  # of a paragraph's characters inside quotation marks: a quote


def is_quote(text: str) -> bool:
    """Whether a paragraph is mostly a quotation."""
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


def find(
    clusters: Sequence[Cluster],
    owner: np.ndarray,
    article: np.ndarray,
    substantive: np.ndarray,
    contained: Sequence[Contained],
    clustered: dict[tuple[int, int], int],
    articles: Articles,
) -> tuple[Relation, ...]:
    """The relations between the articles of a scan, substantive ones first.

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
    if not len(pairs):
        return ()
    shared = _shared(rows, row_cluster, row_article, pairs, width)
    found = []
    held = np.zeros((len(pairs), 2), dtype=np.int64)
    pair_substantive = np.zeros(len(pairs), dtype=bool)
    index_of = {(int(a), int(b)): k for k, (a, b) in enumerate(pairs.tolist())}
    for k, (row_a, row_b) in shared.items():
        held[k] = counts[row_a].sum(), counts[row_b].sum()
        pair_substantive[k] = bool(flagged[row_a].any() or flagged[row_b].any())
    extra = _contained(contained, clustered, index_of, articles.rank, rows, width)
    for k, (in_a, in_b, _, substantive_pair) in extra.items():
        held[k] += in_a, in_b
        pair_substantive[k] |= substantive_pair
    for k, (a, b) in enumerate(pairs.tolist()):
        cluster_rows = shared.get(k, (np.empty(0, np.int64), None))[0]
        ids = tuple(clusters[c].id for c in row_cluster[cluster_rows].tolist())
        listed = extra[k][2] if k in extra else ()
        if not ids and not listed:
            continue
        kind = _kind(
            a, b, held[k], articles, clusters, row_cluster[cluster_rows], contained, listed
        )
        found.append(
            Relation(
                kind,
                _side(a, articles, int(held[k][0])),
                _side(b, articles, int(held[k][1])),
                bool(pair_substantive[k]),
                ids,
                listed,
                articles.story.get(a) if kind == "version" else None,
            )
        )
    found.sort(
        key=lambda r: (
            not r.substantive,
            int(articles.rank[r.earlier.article_index]),
            int(articles.rank[r.later.article_index]),
        )
    )
    return tuple(found)


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
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """For each pair k that shares clusters: the (cluster, article) rows of its first and
    of its second article in those clusters, in the same cluster order."""
    by_article = np.argsort(row_article, kind="stable")  # each article's rows, cluster order
    starts = np.searchsorted(row_article[by_article], np.arange(width + 1))
    later = pairs[:, 1]
    sizes = starts[later + 1] - starts[later]
    pair = np.repeat(np.arange(len(pairs)), sizes)
    mine = by_article[np.repeat(starts[later], sizes) + ramp(sizes)]  # rows of the later
    wanted = row_cluster[mine] * width + pairs[pair, 0]  # the earlier in the same cluster
    at = np.minimum(np.searchsorted(rows, wanted), max(len(rows) - 1, 0))
    hit = rows[at] == wanted if len(rows) else np.zeros(0, dtype=bool)
    pair, theirs, mine = pair[hit], at[hit], mine[hit]
    bounds = np.flatnonzero(np.diff(np.concatenate([[-1], pair, [len(pairs)]])))
    shared = {}
    for start, end in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        shared[int(pair[start])] = (theirs[start:end], mine[start:end])
    return shared


def _contained(
    contained: Sequence[Contained],
    clustered: dict[tuple[int, int], int],
    index_of: dict[tuple[int, int], int],
    rank: np.ndarray,
    rows: np.ndarray,
    width: int,
) -> dict[int, tuple[int, int, tuple[int, ...], bool]]:
    """For each pair with contained pairs across its articles: the paragraphs they add
    to each side's count (those not already counted in a shared cluster), their
    indices, and whether one of them is substantive."""
    found: dict[int, tuple[int, int, tuple[int, ...], bool]] = {}
    counted: set[tuple[int, int, int]] = set()  # (pair, article, paragraph)
    for i, p in enumerate(contained):
        x, y = p.earlier.article_index, p.later.article_index
        if x == y:
            continue
        a, b = (x, y) if rank[x] < rank[y] else (y, x)
        k = index_of[(a, b)]
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


def _kind(
    a: int,
    b: int,
    held: np.ndarray,
    articles: Articles,
    clusters: Sequence[Cluster],
    shared: np.ndarray,
    contained: Sequence[Contained],
    listed: tuple[int, ...],
) -> str:
    story = articles.story.get(a)
    if story is not None and story == articles.story.get(b):
        return "version"
    all_of_earlier = held[0] >= articles.comparable[a]
    all_of_later = held[1] >= articles.comparable[b]
    if all_of_earlier and all_of_later:
        return "republished"
    if all_of_earlier:
        return "extended"
    if all_of_later:
        return "shortened"
    texts = [clusters[c].members[0].text for c in shared.tolist()]
    texts += [contained[i].inner.text for i in listed]
    return "quotes" if all(is_quote(t) for t in texts) else "partial"


def _side(a: int, articles: Articles, shared: int) -> Side:
    return Side(
        articles.ids[a],
        a,
        articles.sources[a],
        articles.lines[a],
        int(articles.comparable[a]),
        shared,
        articles.published[a],
    )
