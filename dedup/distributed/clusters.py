"""Clustering whole components on a worker, with the single-process scan's own steps.

A NodeSet that holds every node of its components is, for the single-process scan's
functions, a small archive whose paragraphs are already hashed: the same nodes
(`detect._nodes`), the same LSH candidates and exact verification
(`verify.verified_edges`: a bucket never spans two components), the same star
clusters and members (`detect.group`), the same near misses (`detect.contained_pair`).
So the clusters, ids, members and similarities are those of the single-process scan by
construction; only the flat paragraph numbers are the NodeSet's own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ..changes import SUBSTANTIVE
from ..config import Params
from ..detect import _nodes, contained_pair, group
from ..hashing import Batch, ScanHashes
from ..model import Contained, Member
from ..relations import is_quote
from ..verify import verified_edges
from ..workers import Workers
from .nodes import SEQ_BITS, NodeSet, column, texts_of

MEMBERS = pa.schema(
    [
        ("cluster", pa.string()),
        ("article", pa.string()),
        ("article_index", pa.int64()),
        ("paragraph", pa.int64()),
        ("similarity", pa.float64()),
        ("changes", pa.list_(pa.string())),
        ("first", pa.bool_()),
        ("center", pa.bool_()),
        ("text", pa.string()),
        ("source", pa.string()),
        ("line", pa.int64()),
    ]
)
"""One row per clustered paragraph, by cluster, the earliest copy first."""


@dataclass(frozen=True, slots=True)
class Found:
    """What the driver needs of a piece's clusters, one entry per member (by cluster,
    earliest first): its cluster (the center's digest), article, paragraph, whether
    it changes a number or a word of the first; and per cluster (in order) the first
    member's text when it is a quotation (else "": only quotations matter there)."""

    cluster: np.ndarray
    article: np.ndarray
    paragraph: np.ndarray
    substantive: np.ndarray
    quotes: list[str]


def index_of(seq: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Global article indices of article seqs (`offsets`: each unit's first article)."""
    return offsets[seq >> SEQ_BITS] + (seq & ((1 << SEQ_BITS) - 1))


Miss = tuple[tuple[int, int], tuple[int, int, int, int], Contained]
"""A near miss: its nodes' digests (the smaller first: the single-process scan lists
them in that order), its paragraphs' (article, paragraph, article, paragraph) in input
order, and the pair."""


def cluster(
    found: NodeSet, params: Params, offsets: np.ndarray, with_nodes: bool = False
) -> tuple[pa.Table, Found, list[Miss], pa.Table | None]:
    """The clusters of whole components: their members as a table, what the driver
    needs of them, the near misses (contained pairs across articles) not inside one
    cluster, and (`with_nodes`) the nodes as a table (`NODES`)."""
    n = len(found)
    node_of = found.node_of
    words = found.nodes.words[node_of]
    rank = np.empty(n, dtype=np.int64)
    rank[np.lexsort((found.refs.position, found.refs.seq, found.refs.time))] = np.arange(n)
    nodes = _nodes(words, found.refs.digest, rank, params)
    heads = nodes.heads
    hashed = _hashed(found, words, heads, params)
    pool = Workers(1)
    edges, near = verified_edges(hashed, heads, params, pool)
    texts = texts_of(found.refs, np.arange(n))
    grouping = group(nodes, edges, hashed, rank, texts, pool)
    article = index_of(found.refs.seq, offsets)
    paragraph = grouping.paragraph
    owner = np.repeat(np.arange(len(grouping.ids)), np.diff(grouping.bounds))
    first = np.zeros(len(paragraph), dtype=bool)
    first[grouping.bounds[:-1]] = True
    center = np.zeros(len(paragraph), dtype=bool)
    center[
        np.array(grouping.bounds[:-1], dtype=np.int64) + np.array(grouping.center, dtype=np.int64)
    ] = True
    which = found.refs.article[paragraph]
    kinds: dict[tuple[str, ...], int] = {}
    code = np.array([kinds.setdefault(c, len(kinds)) for c in grouping.changes], dtype=np.int64)
    distinct = pa.array([list(c) for c in kinds], pa.list_(pa.string()))
    substantive = np.array([not SUBSTANTIVE.isdisjoint(c) for c in kinds], dtype=bool)
    table = pa.Table.from_arrays(
        [
            pa.array(np.array(grouping.ids, dtype=object)[owner], pa.string()),
            column(found.refs.ids, which),
            pa.array(article[paragraph]),
            pa.array(found.refs.position[paragraph]),
            pa.array(grouping.similarity),
            distinct.take(pa.array(code, pa.int64())),
            pa.array(first),
            pa.array(center),
            column(found.refs.texts, found.refs.text[paragraph]),
            column(found.refs.sources, which),
            column(found.refs.lines, which),
        ],
        schema=MEMBERS,
    )
    summary = Found(
        np.array([int(i, 16) for i in grouping.ids], dtype=np.uint64)[owner],
        article[paragraph],
        found.refs.position[paragraph],
        substantive[code] if len(code) else np.zeros(0, dtype=bool),
        [t if is_quote(t) else "" for t in (texts[p] for p in paragraph[first].tolist())],
    )
    cluster_of = np.full(n, -1, dtype=np.int64)
    cluster_of[paragraph] = owner
    position = found.refs.position

    def member(p: int, similarity: float) -> Member:
        refs, a = found.refs, int(found.refs.article[p])
        name, source, line = (refs.ids[a].as_py(), refs.sources[a].as_py(), refs.lines[a].as_py())
        place = int(position[p])
        return Member(name, place, similarity, texts[p], int(article[p]), (), source, line)

    misses: list[Miss] = []
    ranks = rank.tolist()
    for i, j in near:
        a, b = int(heads[i]), int(heads[j])
        if (article[a], position[a]) > (article[b], position[b]):
            a, b = b, a
        if cluster_of[a] >= 0 and cluster_of[a] == cluster_of[b]:
            continue
        key = (int(article[a]), int(position[a]), int(article[b]), int(position[b]))
        order = (int(found.nodes.nodes[i]), int(found.nodes.nodes[j]))
        misses.append((order, key, contained_pair(a, b, 1.0, ranks, texts, hashed, member)))
    listed = None
    if with_nodes:
        named = np.array([None, *grouping.ids], dtype=object)
        listed = _nodes_table(found, heads, article, named[cluster_of[heads] + 1])
    return table, summary, misses, listed


NODES = pa.schema(
    [
        ("node", pa.uint64()),
        ("cluster", pa.string()),
        ("article", pa.string()),
        ("article_index", pa.int64()),
        ("paragraph", pa.int64()),
        ("text", pa.string()),
        ("words", pa.int64()),
        ("keys", pa.list_(pa.uint64())),
        ("shingles", pa.list_(pa.uint64())),
    ]
)
"""One row per node (distinct text) and its earliest copy: what new stories are checked
against (`against`), and what a filter index is loaded from."""


def _nodes_table(
    found: NodeSet, heads: np.ndarray, article: np.ndarray, clusters: np.ndarray
) -> pa.Table:
    had = found.nodes
    bands = had.keys.shape[0]
    return pa.Table.from_arrays(
        [
            pa.array(had.nodes),
            pa.array(clusters, pa.string()),
            column(found.refs.ids, found.refs.article[heads]),
            pa.array(article[heads]),
            pa.array(found.refs.position[heads]),
            column(found.refs.texts, found.refs.text[heads]),
            pa.array(had.words),
            pa.ListArray.from_arrays(
                pa.array(np.arange(0, bands * len(heads) + 1, bands, dtype=np.int32)),
                pa.array(np.ascontiguousarray(had.keys.T).ravel()),
            ),
            pa.ListArray.from_arrays(pa.array(had.offsets.astype(np.int32)), pa.array(had.hashes)),
        ],
        schema=NODES,
    )


def _hashed(found: NodeSet, words: np.ndarray, heads: np.ndarray, params: Params) -> ScanHashes:
    """The NodeSet as the single-process scan's ScanHashes: band keys and shingles at each
    node's head (the only paragraphs they are read at), none elsewhere."""
    n = len(found)
    keys = np.zeros((params.bands, n), dtype=np.uint64)
    keys[:, heads] = found.nodes.keys
    sizes = np.zeros(n, dtype=np.int64)
    sizes[heads] = np.diff(found.nodes.offsets)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    empty = np.empty((0, 2), dtype=np.int64)
    batch = Batch(words, found.refs.digest, keys, offsets, found.nodes.hashes, empty, np.empty(0))
    return ScanHashes([batch], params.bands)
