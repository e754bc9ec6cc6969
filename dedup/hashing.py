"""Paragraphs to what a scan needs, in bulk, in a process pool when it pays.

For each paragraph: its word count, a digest of its word sequence, the LSH band keys
of its MinHash signature, and its shingle hashes (kept per batch, for verification).
Workers return only these arrays; the signatures themselves stay in the workers.
Batches are hashed while the input is still being read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np

from . import contain
from .arrays import ramp
from .config import Params
from .lsh import band_keys
from .shingle import shingles_of, words_of
from .signature import signatures
from .workers import Workers

Progress = Callable[[str, int, int], None]
"""Called as progress(stage, done, total) while a scan runs; total 0 means not known yet."""

CHUNK = 8192  # paragraphs per batch (whole articles): small enough to balance the workers


@dataclass(frozen=True, slots=True)
class Batch:
    """The hashes of one batch of whole articles (see the module docstring).

    `contained` lists pairs of paragraphs of one article, by index in the batch, whose
    containment (`contain.SIZES`) passes the threshold, with `containment` their share.
    """

    words: np.ndarray
    digests: np.ndarray
    keys: np.ndarray  # (bands, n) uint64
    offsets: np.ndarray
    hashes: np.ndarray
    contained: np.ndarray  # (m, 2) int64
    containment: np.ndarray  # (m,) float64


def hash_batch(texts: Sequence[str], article: np.ndarray, params: Params) -> Batch:
    """Shingle, sign and band one batch; find the contained pairs inside its articles.

    `article` gives each paragraph's article (any labels; equal means same article).
    """
    found = words_of(texts)
    shingles = shingles_of(found, params.shingle_size)
    signed = signatures(shingles, params.num_perm, params.seed)
    keys = band_keys(signed, params.bands, params.rows)
    eligible = shingles.words >= params.min_words
    pairs, share = contain.pairs_within(found, shingles, article, eligible, params.containment)
    return Batch(
        shingles.words, shingles.digests, keys, shingles.offsets, shingles.hashes, pairs, share
    )


class ScanHashes:
    """Every paragraph's hashes; shingle hashes in one CSR array (offsets, hashes)."""

    def __init__(self, batches: list[Batch], bands: int) -> None:
        self.words = np.concatenate([np.empty(0, np.int64), *(b.words for b in batches)])
        self.digests = np.concatenate([np.empty(0, np.uint64), *(b.digests for b in batches)])
        self.keys = np.concatenate(
            [np.empty((bands, 0), np.uint64), *(b.keys for b in batches)], axis=1
        )
        starts = np.cumsum([0, *(len(b.words) for b in batches)])
        self.contained = np.concatenate(
            [np.empty((0, 2), np.int64)]
            + [b.contained + start for b, start in zip(batches, starts.tolist(), strict=False)]
        )
        self.containment = np.concatenate([np.empty(0), *(b.containment for b in batches)])
        sizes = np.concatenate([np.empty(0, np.int64), *(np.diff(b.offsets) for b in batches)])
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.hashes = np.empty(int(self.offsets[-1]), dtype=np.uint64)
        at = 0
        while batches:  # copy batch by batch, letting each go: peak memory stays at one copy
            batch = batches.pop(0)
            self.hashes[at : at + len(batch.hashes)] = batch.hashes
            at += len(batch.hashes)

    def release_keys(self) -> None:
        """Drop the LSH band keys once the candidates are found (a tenth of a scan's memory)."""
        self.keys = self.keys[:, :0]

    def shingle_set(self, paragraph: int) -> frozenset[int]:
        """The set of shingle hashes of one paragraph."""
        start, end = self.offsets[paragraph : paragraph + 2].tolist()
        return frozenset(self.hashes[start:end].tolist())

    def gather(self, paragraphs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(offsets, hashes) of just these paragraphs, in their order: for a worker."""
        starts, ends = self.offsets[paragraphs], self.offsets[paragraphs + 1]
        sizes = ends - starts
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        return offsets, self.hashes[np.repeat(starts, sizes) + ramp(sizes)]


Chunk = tuple[Sequence[str], np.ndarray]
"""A batch of whole articles: paragraph texts and each paragraph's article."""


def hash_all(
    batches: Iterable[Chunk],
    params: Params,
    workers: Workers,
    progress: Progress | None = None,
) -> ScanHashes:
    """Hash batches of whole articles as they come (about CHUNK paragraphs each).

    With several workers, batches are hashed in the pool while the caller goes on
    producing the next ones (reading the input, say); a lone batch is hashed here.
    """
    pending: list[Future[Batch]] = []
    first: Chunk | None = None
    read = 0
    for batch in batches:
        read += len(batch[0])
        if progress:
            progress("reading", read, 0)
        if first is None:  # the pool pays only from a second batch on
            first = batch
            continue
        if not pending:
            pending.append(workers.submit(hash_batch, *first, params))
        pending.append(workers.submit(hash_batch, *batch, params))
    results = [f.result() for f in pending]
    pending.clear()  # the futures hold the batches too: let ScanHashes free them one by one
    if first is not None and not pending and not results:
        results.append(hash_batch(*first, params))
    return ScanHashes(results, params.bands)
