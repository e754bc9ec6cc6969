"""New stories checked against an archive already scanned, without scanning it again.

A scan run with `Options(nodes=True)` leaves, beside its tables, every distinct
paragraph of the archive hashed (`nodes/`: band keys and shingles, the earliest copy's
text and place). Checking the day's stories reads those hashes, part by part on the
workers, never the archive's texts again: each new node is a candidate for the archive
nodes it shares a band key with, verified exactly as the scan verifies (Jaccard at the
threshold; or every shingle of the shorter in the longer: contained). Each new paragraph
is reported with its most similar archive paragraph (the earliest of equals), and what
changed from it (`ARCHIVE`).
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..arrays import ramp
from ..changes import classify
from ..config import Params
from ..verify import verify_chunk
from .clusters import NODES, index_of
from .inputs import is_remote
from .nodes import NodeSet, column, texts_of

ARCHIVE = pa.schema(
    [
        ("article", pa.string()),
        ("article_index", pa.int64()),
        ("paragraph", pa.int64()),
        ("text", pa.string()),
        ("similarity", pa.float64()),
        ("contained", pa.bool_()),
        ("changes", pa.list_(pa.string())),
        ("archive_cluster", pa.string()),
        ("archive_article", pa.string()),
        ("archive_article_index", pa.int64()),
        ("archive_paragraph", pa.int64()),
        ("archive_text", pa.string()),
    ]
)
"""One row per paragraph of the new stories that repeats the archive."""


@dataclass(frozen=True, slots=True)
class New:
    """The new stories' nodes: digests (sorted), band keys (bands, n), shingles (CSR)."""

    nodes: np.ndarray
    keys: np.ndarray
    offsets: np.ndarray
    hashes: np.ndarray


def new_nodes(buckets: list[NodeSet]) -> New:
    """The nodes of the new stories' node buckets, as one."""
    sizes = np.concatenate([np.empty(0, np.int64), *(np.diff(b.nodes.offsets) for b in buckets)])
    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    nodes = np.concatenate([np.empty(0, np.uint64), *(b.nodes.nodes for b in buckets)])
    keys = [b.nodes.keys for b in buckets]
    bands = keys[0].shape[0] if keys else 0
    return New(
        nodes,
        np.concatenate([np.empty((bands, 0), np.uint64), *keys], axis=1),
        offsets,
        np.concatenate([np.empty(0, np.uint64), *(b.nodes.hashes for b in buckets)]),
    )


def parts(folder: str) -> list[str]:
    """The node parts of an archive's tables."""
    pattern = folder.rstrip("/") + "/nodes/part-*.parquet"
    if is_remote(folder):
        import fsspec

        _, _, found = fsspec.get_fs_token_paths(pattern)
        protocol = folder.split("://", 1)[0]
        return [f"{protocol}://{p}" for p in sorted(found)]
    return sorted(glob.glob(pattern)) if os.path.isdir(folder) else []


Match = tuple[np.ndarray, np.ndarray, np.ndarray, pa.Table]
"""(new node, similarity, contained, the archive rows), one per verified pair."""
Chosen = Match


def matches(part: str, new: New, params: Params) -> Match:
    """The verified pairs of the new nodes and the archive nodes of one part."""
    table = pq.read_table(part)
    keys = table.column("keys").combine_chunks()
    bands = new.keys.shape[0]
    theirs = keys.values.to_numpy().reshape(-1, bands).T  # (bands, archive nodes)
    found = []
    for band in range(bands):
        mine = new.keys[band]
        order = np.argsort(mine, kind="stable")
        sorted_keys = mine[order]
        low = np.searchsorted(sorted_keys, theirs[band], "left")
        count = np.searchsorted(sorted_keys, theirs[band], "right") - low
        archive = np.repeat(np.arange(theirs.shape[1]), count)
        found.append(np.stack([archive, order[np.repeat(low, count) + ramp(count)]], axis=1))
    pairs = np.unique(np.concatenate([np.empty((0, 2), np.int64), *found]), axis=0)
    empty = (np.empty(0, np.int64), np.empty(0), np.empty(0, bool), table.slice(0, 0))
    if not len(pairs):
        return empty
    shingles = table.column("shingles").combine_chunks()
    theirs_offsets = shingles.offsets.to_numpy().astype(np.int64)
    offsets = np.concatenate([theirs_offsets, theirs_offsets[-1] + new.offsets[1:]])
    hashes = np.concatenate([shingles.values.to_numpy(), new.hashes])
    shifted = pairs + np.array([0, len(theirs_offsets) - 1])
    values, near = verify_chunk(shifted, offsets, hashes, params.threshold)
    kept = (values >= params.threshold) | near
    chosen = pairs[kept]
    return (
        chosen[:, 1],
        values[kept],
        near[kept] & (values[kept] < params.threshold),
        table.take(pa.array(chosen[:, 0])),
    )


def best(found: list[Match]) -> Chosen:
    """For each new node with a match, the most similar archive node (the earliest in
    the archive of equals): (new node, similarity, contained, archive row)."""
    node = np.concatenate([np.empty(0, np.int64), *(f[0] for f in found)])
    similarity = np.concatenate([np.empty(0), *(f[1] for f in found)])
    contained = np.concatenate([np.empty(0, bool), *(f[2] for f in found)])
    rows = pa.concat_tables([NODES.empty_table(), *(f[3] for f in found)])
    place = rows.column("article_index").to_numpy()
    paragraph = rows.column("paragraph").to_numpy()
    order = np.lexsort((paragraph, place, -similarity, node))
    first = order[np.r_[True, node[order][1:] != node[order][:-1]]]
    return node[first], similarity[first], contained[first], rows.take(pa.array(first))


def report(
    bucket: NodeSet,
    new: New,
    chosen: tuple[np.ndarray, np.ndarray, np.ndarray, pa.Table],
    offsets: np.ndarray,
) -> pa.Table:
    """The rows of `ARCHIVE` for the paragraphs of one node bucket of the new stories."""
    node, similarity, contained, rows = chosen
    digests = new.nodes[node]
    order = np.argsort(digests)
    digests = digests[order]
    refs = bucket.refs
    at = np.minimum(np.searchsorted(digests, refs.digest), max(len(digests) - 1, 0))
    hit = np.flatnonzero(digests[at] == refs.digest) if len(digests) else np.empty(0, np.int64)
    which = order[at[hit]]
    texts = texts_of(refs, hit)
    theirs = rows.column("text").to_pylist()
    archive_text = [theirs[k] for k in which.tolist()]
    changes = [list(classify(a, b)) for a, b in zip(archive_text, texts, strict=True)]
    return pa.Table.from_arrays(
        [
            column(refs.ids, refs.article[hit]),
            pa.array(index_of(refs.seq[hit], offsets)),
            pa.array(refs.position[hit]),
            pa.array(texts, pa.string()),
            pa.array(similarity[which]),
            pa.array(contained[which]),
            pa.array(changes, pa.list_(pa.string())),
            rows.column("cluster").take(pa.array(which)),
            rows.column("article").take(pa.array(which)),
            rows.column("article_index").take(pa.array(which)),
            rows.column("paragraph").take(pa.array(which)),
            pa.array(archive_text, pa.string()),
        ],
        schema=ARCHIVE,
    )
