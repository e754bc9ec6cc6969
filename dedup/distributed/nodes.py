"""Eligible paragraphs by node, as movable pieces of an archive.

A node is a distinct normalized text (one digest), as in the single-process scan. A
`Refs` holds paragraphs (refs) with their text and where they come from; the node
shuffle brings every ref of a node together, and there each node is hashed once, from
its earliest copy's text (`Nodes`: its words, band keys and shingles), however many
stories carry it. Only texts travel: hashes are made again where they are needed,
which costs less than moving them.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from dask.sizeof import sizeof

from ..arrays import ramp
from ..config import Params
from ..hashing import CHUNK
from ..lsh import band_keys
from ..shingle import shingles_of, words_of
from ..signature import signatures

SEQ_BITS = 24
"""An article's `seq` is its unit's number << SEQ_BITS | its place in the unit: input order."""


@dataclass(frozen=True, slots=True)
class Refs:
    """Paragraphs: per ref its node (`digest`), its article's publication time (`time`,
    inf when unknown) and `seq`, its `position` in the article, its text (index into
    `texts`) and article (index into `ids`, `sources`, `lines`).

    Texts and names are Arrow arrays, not lists of str: a few buffers, which Dask moves
    and spills as they are, where a list of millions of str is pickled one by one."""

    digest: np.ndarray
    time: np.ndarray
    seq: np.ndarray
    position: np.ndarray
    text: np.ndarray
    article: np.ndarray
    texts: pa.Array  # large_string
    ids: pa.Array  # large_string
    sources: pa.Array  # large_string
    lines: pa.Array  # int64, null when unknown

    def __len__(self) -> int:
        return len(self.digest)


@dataclass(frozen=True, slots=True)
class Nodes:
    """Nodes sorted by digest: `nodes` (the digests), `words`, band `keys` (bands, n)
    and shingles (`offsets`, `hashes`: CSR, in text order), hashed from a copy's text."""

    nodes: np.ndarray
    words: np.ndarray
    keys: np.ndarray
    offsets: np.ndarray
    hashes: np.ndarray


@dataclass(frozen=True, slots=True)
class NodeSet:
    """Refs sorted by node, then in presentation order (time, seq, position), with
    their nodes."""

    refs: Refs
    nodes: Nodes

    def __len__(self) -> int:
        return len(self.refs)

    @property
    def node_of(self) -> np.ndarray:
        """The node (index into `nodes.nodes`) of each ref."""
        return np.searchsorted(self.nodes.nodes, self.refs.digest)


def _csr(
    offsets: np.ndarray, hashes: np.ndarray, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, hashes) of just these rows of a CSR array, in their order."""
    starts, sizes = offsets[rows], offsets[rows + 1] - offsets[rows]
    out = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(sizes, out=out[1:])
    return out, hashes[np.repeat(starts, sizes) + ramp(sizes)]


def strings(values: Sequence[str]) -> pa.Array:
    """Texts or names as Refs holds them."""
    return pa.array(values, pa.large_string())


def texts_of(refs: Refs, rows: np.ndarray) -> list[str]:
    """The texts of these refs."""
    return refs.texts.take(pa.array(refs.text[rows])).to_pylist()


def column(values: pa.Array, rows: np.ndarray) -> pa.Array:
    """These rows of a Refs array (`texts`, `ids`, `sources`, `lines`), as a table's
    column holds them (string, not large_string)."""
    taken = values.take(pa.array(rows, pa.int64()))
    return taken.cast(pa.string()) if pa.types.is_large_string(taken.type) else taken


def _refs_taken(refs: Refs, rows: np.ndarray) -> Refs:
    """These refs, with only the texts and articles they use."""
    texts, text = np.unique(refs.text[rows], return_inverse=True)
    articles, article = np.unique(refs.article[rows], return_inverse=True)
    named = pa.array(articles)
    return Refs(
        refs.digest[rows],
        refs.time[rows],
        refs.seq[rows],
        refs.position[rows],
        text.astype(np.int64),
        article.astype(np.int64),
        refs.texts.take(pa.array(texts)),
        refs.ids.take(named),
        refs.sources.take(named),
        refs.lines.take(named),
    )


def pieces(refs: Refs, parts: int) -> list[Refs]:
    """The refs cut in `parts` by digest (digest % parts), in one pass over the unit."""
    bucket_of = (refs.digest % np.uint64(parts)).astype(np.int64)
    order = np.argsort(bucket_of, kind="stable")
    bounds = np.searchsorted(bucket_of[order], np.arange(parts + 1))
    return [_refs_taken(refs, order[a:b]) for a, b in itertools.pairwise(bounds)]


def _sorted(refs: Refs) -> Refs:
    order = np.lexsort((refs.position, refs.seq, refs.time, refs.digest))
    return dataclasses.replace(
        refs,
        digest=refs.digest[order],
        time=refs.time[order],
        seq=refs.seq[order],
        position=refs.position[order],
        text=refs.text[order],
        article=refs.article[order],
    )


def _joined(parts: Sequence[Refs]) -> Refs:
    """One Refs of several; equal texts kept once."""
    every = pc.dictionary_encode(_concat([p.texts for p in parts], pa.large_string()))
    code = every.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    starts = np.cumsum([0, *(len(p.texts) for p in parts)])[:-1]
    text = np.concatenate(
        [np.empty(0, np.int64)]
        + [code[start + p.text] for p, start in zip(parts, starts, strict=True)]
    )
    base = np.cumsum([0, *(len(p.ids) for p in parts)])[:-1]
    return Refs(
        np.concatenate([np.empty(0, np.uint64), *(p.digest for p in parts)]),
        np.concatenate([np.empty(0), *(p.time for p in parts)]),
        np.concatenate([np.empty(0, np.int64), *(p.seq for p in parts)]),
        np.concatenate([np.empty(0, np.int64), *(p.position for p in parts)]),
        text,
        np.concatenate(
            [np.empty(0, np.int64), *(p.article + b for p, b in zip(parts, base, strict=True))]
        ),
        every.dictionary,
        _concat([p.ids for p in parts], pa.large_string()),
        _concat([p.sources for p in parts], pa.large_string()),
        _concat([p.lines for p in parts], pa.int64()),
    )


def _concat(arrays: Sequence[pa.Array], kind: pa.DataType) -> pa.Array:
    return pa.concat_arrays([pa.array([], kind), *arrays])


def hashed(
    texts: Sequence[str], params: Params
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(words, band keys, offsets, hashes) of these paragraphs, as `hashing.hash_batch`
    makes them (in batches of CHUNK, to bound the signatures' memory)."""
    words, keys, sizes, hashes = [np.empty(0, np.int64)], [], [np.empty(0, np.int64)], []
    for start in range(0, len(texts), CHUNK):
        found = shingles_of(words_of(texts[start : start + CHUNK]), params.shingle_size)
        signed = signatures(found, params.num_perm, params.seed)
        keys.append(band_keys(signed, params.bands, params.rows))
        words.append(found.words)
        sizes.append(np.diff(found.offsets))
        hashes.append(found.hashes)
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.concatenate(sizes), out=offsets[1:])
    return (
        np.concatenate(words),
        np.concatenate([np.empty((params.bands, 0), np.uint64), *keys], axis=1),
        offsets,
        np.concatenate([np.empty(0, np.uint64), *hashes]),
    )


def bucket(parts: Sequence[Refs], params: Params) -> NodeSet:
    """The refs of whole nodes brought together, each node hashed from its earliest copy."""
    refs = _sorted(_joined(parts))
    first = (
        np.flatnonzero(np.r_[True, refs.digest[1:] != refs.digest[:-1]])
        if len(refs)
        else np.empty(0, np.int64)
    )
    words, keys, offsets, hashes = hashed(texts_of(refs, first), params)
    return NodeSet(refs, Nodes(refs.digest[first], words, keys, offsets, hashes))


def take(found: NodeSet, nodes: np.ndarray) -> NodeSet:
    """The NodeSet of these nodes (indices into `found.nodes.nodes`, ascending)."""
    wanted = np.zeros(len(found.nodes.nodes), dtype=bool)
    wanted[nodes] = True
    refs = _refs_taken(found.refs, np.flatnonzero(wanted[found.node_of]))
    offsets, hashes = _csr(found.nodes.offsets, found.nodes.hashes, nodes)
    had = found.nodes
    return NodeSet(
        refs, Nodes(had.nodes[nodes], had.words[nodes], had.keys[:, nodes], offsets, hashes)
    )


def split(found: NodeSet, key: np.ndarray, parts: int) -> list[NodeSet]:
    """The NodeSet cut in `parts` by a uint64 key per node (key % parts)."""
    bucket_of = (key % np.uint64(parts)).astype(np.int64)
    order = np.argsort(bucket_of, kind="stable")
    bounds = np.searchsorted(bucket_of[order], np.arange(parts + 1))
    return [take(found, np.sort(order[a:b])) for a, b in itertools.pairwise(bounds)]


def combine(parts: Sequence[NodeSet]) -> NodeSet:
    """One NodeSet of several holding distinct nodes."""
    if len(parts) == 1:
        return parts[0]
    refs = _sorted(_joined([p.refs for p in parts]))
    nodes = np.concatenate([np.empty(0, np.uint64), *(p.nodes.nodes for p in parts)])
    order = np.argsort(nodes, kind="stable")
    sizes = np.concatenate([np.empty(0, np.int64), *(np.diff(p.nodes.offsets) for p in parts)])
    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    hashes = np.concatenate([np.empty(0, np.uint64), *(p.nodes.hashes for p in parts)])
    offsets, hashes = _csr(offsets, hashes, order)
    bands = parts[0].nodes.keys.shape[0]
    keys = np.concatenate([np.empty((bands, 0), np.uint64), *(p.nodes.keys for p in parts)], axis=1)
    words = np.concatenate([np.empty(0, np.int64), *(p.nodes.words for p in parts)])
    return NodeSet(refs, Nodes(nodes[order], words[order], keys[:, order], offsets, hashes))


def band_rows(found: NodeSet, parts: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(band key, node digest) of every node and band, cut in `parts` by key.

    The band itself is left out: a key shared across two bands (a 64-bit collision of
    keys already mixed with their band) only joins two components, which are bounds
    on the work, never decisions."""
    keys = found.nodes.keys.ravel()
    digests = np.tile(found.nodes.nodes, found.nodes.keys.shape[0])
    bucket_of = (keys % np.uint64(parts)).astype(np.int64)
    order = np.argsort(bucket_of, kind="stable")
    bounds = np.searchsorted(bucket_of[order], np.arange(parts + 1)).tolist()
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


def _sizeof_refs(refs: Refs) -> int:
    """What Dask counts a piece as (its spilling decisions rest on it): the arrays,
    the texts and the article names, not just the object's header."""
    arrays = (refs.digest, refs.time, refs.seq, refs.position, refs.text, refs.article)
    named = (refs.texts, refs.ids, refs.sources, refs.lines)
    return sum(a.nbytes for a in arrays) + sum(a.nbytes for a in named)


def _sizeof_nodes(found: NodeSet) -> int:
    had = found.nodes
    arrays = (had.nodes, had.words, had.keys, had.offsets, had.hashes)
    return _sizeof_refs(found.refs) + sum(a.nbytes for a in arrays)


sizeof.register(Refs)(_sizeof_refs)
sizeof.register(NodeSet)(_sizeof_nodes)
