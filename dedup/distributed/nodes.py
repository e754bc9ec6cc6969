"""Eligible paragraphs with the hashes of their nodes, as one movable piece of an archive.

A node is a distinct normalized text (one digest), as in the single-process scan. A
`NodeSet` holds, for some nodes, every paragraph (ref) that has their text, and each
node's hashes once: its band keys and shingles. Pieces are split by a key per node
(digest, band key, component) and combined again on the other side of a shuffle.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..hashing import Hashed
from ..lsh import ramp

SEQ_BITS = 24
"""An article's `seq` is its unit's number << SEQ_BITS | its place in the unit: input order."""


@dataclass(frozen=True, slots=True)
class NodeSet:
    """Paragraphs (refs) sorted by node, then by presentation order, and their nodes.

    Per ref: `digest` (its node), `time` (the article's publication time, inf when
    unknown), `seq` (its article), `position` (in the article), `text` (index into
    `texts`) and `article` (index into `ids`, `sources`, `lines`). Per node, sorted by
    digest: `nodes`, `words`, `keys` (bands, n) and shingles (`offsets`, `hashes`).
    """

    digest: np.ndarray
    time: np.ndarray
    seq: np.ndarray
    position: np.ndarray
    text: np.ndarray
    article: np.ndarray
    texts: list[str]
    ids: list[str]
    sources: list[str]
    lines: list[int | None]
    nodes: np.ndarray
    words: np.ndarray
    keys: np.ndarray
    offsets: np.ndarray
    hashes: np.ndarray

    def __len__(self) -> int:
        return len(self.digest)

    @property
    def node_of(self) -> np.ndarray:
        """The node (index into `nodes`) of each ref."""
        return np.searchsorted(self.nodes, self.digest)


def _csr(
    offsets: np.ndarray, hashes: np.ndarray, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, hashes) of just these rows of a CSR array, in their order."""
    starts, sizes = offsets[rows], offsets[rows + 1] - offsets[rows]
    out = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(sizes, out=out[1:])
    return out, hashes[np.repeat(starts, sizes) + ramp(sizes)]


def of_unit(
    hashed: Hashed,
    eligible: np.ndarray,
    time: np.ndarray,
    seq: np.ndarray,
    position: np.ndarray,
    article: np.ndarray,
    texts: Sequence[str],
    ids: list[str],
    sources: list[str],
    lines: list[int | None],
) -> NodeSet:
    """The NodeSet of a unit's eligible paragraphs (flat indices `eligible`; the other
    arrays are per flat paragraph, `ids`, `sources` and `lines` per article)."""
    digest = hashed.digests[eligible]
    nodes, first = np.unique(digest, return_index=True)
    heads = eligible[first]
    offsets, hashes = hashed.gather(heads)
    unsorted = NodeSet(
        digest,
        time[eligible],
        seq[eligible],
        position[eligible],
        eligible,
        article[eligible],
        list(texts),
        ids,
        sources,
        lines,
        nodes,
        hashed.words[heads],
        hashed.keys[:, heads],
        offsets,
        hashes,
    )
    return _compact(_sorted(unsorted))


def _sorted(found: NodeSet) -> NodeSet:
    order = np.lexsort((found.position, found.seq, found.time, found.digest))
    return dataclasses.replace(
        found,
        digest=found.digest[order],
        time=found.time[order],
        seq=found.seq[order],
        position=found.position[order],
        text=found.text[order],
        article=found.article[order],
    )


def _compact(found: NodeSet) -> NodeSet:
    """Only the texts and articles its refs use."""
    texts, text = np.unique(found.text, return_inverse=True)
    articles, article = np.unique(found.article, return_inverse=True)
    every_id, every_source, every_line = found.ids, found.sources, found.lines
    return NodeSet(
        found.digest,
        found.time,
        found.seq,
        found.position,
        text.astype(np.int64),
        article.astype(np.int64),
        [found.texts[i] for i in texts.tolist()],
        [every_id[i] for i in articles.tolist()],
        [every_source[i] for i in articles.tolist()],
        [every_line[i] for i in articles.tolist()],
        found.nodes,
        found.words,
        found.keys,
        found.offsets,
        found.hashes,
    )


def take(found: NodeSet, nodes: np.ndarray) -> NodeSet:
    """The NodeSet of these nodes (indices into `found.nodes`, ascending), compacted."""
    wanted = np.zeros(len(found.nodes), dtype=bool)
    wanted[nodes] = True
    refs = np.flatnonzero(wanted[found.node_of])
    offsets, hashes = _csr(found.offsets, found.hashes, nodes)
    return _compact(
        NodeSet(
            found.digest[refs],
            found.time[refs],
            found.seq[refs],
            found.position[refs],
            found.text[refs],
            found.article[refs],
            found.texts,
            found.ids,
            found.sources,
            found.lines,
            found.nodes[nodes],
            found.words[nodes],
            found.keys[:, nodes],
            offsets,
            hashes,
        )
    )


def split(found: NodeSet, key: np.ndarray, parts: int) -> list[NodeSet]:
    """The NodeSet cut in `parts` by a uint64 key per node (key % parts)."""
    bucket = (key % np.uint64(parts)).astype(np.int64)
    order = np.argsort(bucket, kind="stable")
    bounds = np.searchsorted(bucket[order], np.arange(parts + 1))
    return [take(found, order[a:b]) for a, b in itertools.pairwise(bounds)]


def combine(parts: Sequence[NodeSet]) -> NodeSet:
    """One NodeSet of several; a node held by several parts is kept once."""
    if len(parts) == 1:
        return parts[0]
    text_base = np.cumsum([0, *(len(p.texts) for p in parts)])[:-1]
    article_base = np.cumsum([0, *(len(p.ids) for p in parts)])[:-1]
    every = np.concatenate([np.empty(0, np.uint64), *(p.nodes for p in parts)])
    nodes, first = np.unique(every, return_index=True)
    sizes = np.concatenate([np.empty(0, np.int64), *(np.diff(p.offsets) for p in parts)])
    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    hashes = np.concatenate([np.empty(0, np.uint64), *(p.hashes for p in parts)])
    offsets, hashes = _csr(offsets, hashes, first)
    bands = parts[0].keys.shape[0]
    return _sorted(
        NodeSet(
            np.concatenate([np.empty(0, np.uint64), *(p.digest for p in parts)]),
            np.concatenate([np.empty(0), *(p.time for p in parts)]),
            np.concatenate([np.empty(0, np.int64), *(p.seq for p in parts)]),
            np.concatenate([np.empty(0, np.int64), *(p.position for p in parts)]),
            np.concatenate(
                [
                    np.empty(0, np.int64),
                    *(p.text + b for p, b in zip(parts, text_base, strict=True)),
                ]
            ),
            np.concatenate(
                [
                    np.empty(0, np.int64),
                    *(p.article + b for p, b in zip(parts, article_base, strict=True)),
                ]
            ),
            [t for p in parts for t in p.texts],
            [i for p in parts for i in p.ids],
            [s for p in parts for s in p.sources],
            [line for p in parts for line in p.lines],
            nodes,
            np.concatenate([np.empty(0, np.int64), *(p.words for p in parts)])[first],
            np.concatenate([np.empty((bands, 0), np.uint64), *(p.keys for p in parts)], axis=1)[
                :, first
            ],
            offsets,
            hashes,
        )
    )


def band_rows(found: NodeSet, parts: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(band key, node digest) of every node and band, cut in `parts` by key.

    The band itself is left out: a key shared across two bands (a 64-bit collision of
    keys already mixed with their band) only joins two components, which are bounds
    on the work, never decisions."""
    keys = found.keys.ravel()
    digests = np.tile(found.nodes, found.keys.shape[0])
    bucket = (keys % np.uint64(parts)).astype(np.int64)
    order = np.argsort(bucket, kind="stable")
    bounds = np.searchsorted(bucket[order], np.arange(parts + 1)).tolist()
    return [(keys[order[a:b]], digests[order[a:b]]) for a, b in itertools.pairwise(bounds)]


def star_edges(rows: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Edges from the smallest node of each bucket (nodes sharing a band key) to the
    others: as connected as all the bucket's pairs, in linear size."""
    keys = np.concatenate([np.empty(0, np.uint64), *(k for k, _ in rows)])
    digests = np.concatenate([np.empty(0, np.uint64), *(d for _, d in rows)])
    order = np.lexsort((digests, keys))
    keys, digests = keys[order], digests[order]
    new = np.ones(len(keys), dtype=bool)
    new[1:] = keys[1:] != keys[:-1]
    smallest = digests[np.flatnonzero(new)][np.cumsum(new) - 1]
    other = smallest != digests
    return smallest[other], digests[other]
