"""A filter index loaded from a scan's tables, so that the pre-ingest filter starts
from the archive without reading it again.

The nodes table of a scan (`Options(nodes=True)`) holds every distinct paragraph of the
archive, hashed, with its earliest copy's article and place. Each article is added to
the index with the paragraphs it was the earliest copy of (a later copy of a paragraph
adds nothing the filter would not find through the first): shingles and band keys from
the table, MinHash signatures made again from the shingles (the Redis index keeps them).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..config import Params
from ..errors import DedupError
from ..index import ArticleHashes, structure
from ..model import Article
from ..shingle import Shingles
from ..signature import signatures
from .inputs import is_remote

_STRUCTURE = ("shingle_size", "min_words", "num_perm", "bands", "rows", "seed")
_ROWS = 50_000  # nodes signed at once


def _read(path: str) -> bytes:
    if is_remote(path):
        import fsspec

        with fsspec.open(path, "rb") as handle:
            return bytes(handle.read())
    with open(path, "rb") as handle:
        return handle.read()


def check(folder: str, params: Params) -> None:
    """Refuse the tables of a scan made with other hashing parameters, or without nodes."""
    where = folder.rstrip("/")
    try:
        manifest = json.loads(_read(f"{where}/manifest.json"))
    except OSError:
        raise DedupError(f"{where}: no manifest.json (not the tables of a finished scan)") from None
    given = manifest.get("params", {})
    wanted = structure(params)
    differ = [
        f"{k} {given.get(k)} (now {wanted[k]})"
        for k in _STRUCTURE
        if str(given.get(k)) != wanted[k]
    ]
    if differ:
        raise DedupError(f"{where}: scanned with other parameters: {'; '.join(differ)}")
    if "nodes" not in manifest.get("tables", {}):
        raise DedupError(f"{where}: scanned without its nodes (dedup scan --keep-nodes)")


def articles(folder: str, params: Params) -> Iterator[tuple[Article, ArticleHashes]]:
    """Each article of the scanned archive with the paragraphs it first carried, hashed
    as `index.hash_article` hashes them; in input order."""
    check(folder, params)
    table = pq.read_table(f"{folder.rstrip('/')}/nodes")
    table = table.take(
        pc.sort_indices(table, [("article_index", "ascending"), ("paragraph", "ascending")])
    )
    index = table.column("article_index").to_numpy()
    starts = np.flatnonzero(np.r_[True, index[1:] != index[:-1]]) if len(index) else index
    bounds = [*starts[:: max(1, len(starts) * _ROWS // max(len(index), 1))].tolist(), len(index)]
    for a, b in itertools.pairwise(bounds):
        yield from _chunk(table.slice(a, b - a), params)


def _chunk(rows: pa.Table, params: Params) -> Iterator[tuple[Article, ArticleHashes]]:
    """The articles of rows holding whole articles."""
    shingles = rows.column("shingles").combine_chunks()
    offsets = shingles.offsets.to_numpy().astype(np.int64)
    offsets -= offsets[0]
    hashes = (
        shingles.values.to_numpy()[: offsets[-1]] if len(offsets) > 1 else np.empty(0, np.uint64)
    )
    n = len(offsets) - 1
    words = rows.column("words").to_numpy()
    found = Shingles(words, offsets, hashes, np.zeros(n, np.uint64), params.shingle_size)
    signed = signatures(found, params.num_perm, params.seed)
    keys = rows.column("keys").combine_chunks().flatten().to_numpy().reshape(n, -1).T
    index = rows.column("article_index").to_numpy()
    ids = rows.column("article").to_pylist()
    paragraphs = rows.column("paragraph").to_pylist()
    texts = rows.column("text").to_pylist()
    starts = np.flatnonzero(np.r_[True, index[1:] != index[:-1]]).tolist() if n else []
    for a, b in itertools.pairwise([*starts, n]):
        yield (
            Article(ids[a], tuple(texts[a:b]), "", "parquet"),
            ArticleHashes(
                tuple(paragraphs[a:b]),
                tuple(texts[a:b]),
                tuple(np.unique(hashes[offsets[k] : offsets[k + 1]]) for k in range(a, b)),
                keys[:, a:b],
                signed[:, a:b],
            ),
        )
