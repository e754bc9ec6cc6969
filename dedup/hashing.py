"""Paragraphs to what a scan needs, in bulk, in a process pool when it pays.

For each paragraph: its word count, a digest of its word sequence, the LSH band keys
of its MinHash signature, and its shingle hashes (kept per batch, for verification).
Workers return only these arrays; the signatures themselves stay in the workers.
Batches are hashed while the input is still being read.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from . import contain
from .config import Params
from .lsh import band_keys
from .shingle import ngrams, shingles_of, words_of
from .signature import signatures

Progress = Callable[[str, int, int], None]
"""Called as progress(stage, done, total) while a scan runs; total 0 means not known yet."""

CHUNK = 8192  # paragraphs per batch (whole articles): small enough to balance the workers


def default_workers() -> int:
    """Every core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True, slots=True)
class Batch:
    """The hashes of one batch of whole articles (see the module docstring).

    `contained` lists pairs of paragraphs of one article, by index in the batch, whose
    3-gram containment passes the threshold, with `containment` their share.
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
    offsets, hashes = ngrams(found, contain.SIZE)
    eligible = shingles.words >= params.min_words
    pairs, share = contain.within_articles(offsets, hashes, article, eligible, params.containment)
    return Batch(
        shingles.words, shingles.digests, keys, shingles.offsets, shingles.hashes, pairs, share
    )


class Hashed:
    """Every batch of a corpus, in order; paragraph i is found by the batch starts."""

    def __init__(self, batches: Sequence[Batch], bands: int) -> None:
        sizes = [len(b.words) for b in batches]
        self._starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.words = np.concatenate([np.empty(0, np.int64), *(b.words for b in batches)])
        self.digests = np.concatenate([np.empty(0, np.uint64), *(b.digests for b in batches)])
        empty_keys = np.empty((bands, 0), np.uint64)
        self.keys = np.concatenate([empty_keys, *(b.keys for b in batches)], axis=1)
        self.contained = np.concatenate(
            [np.empty((0, 2), np.int64)]
            + [b.contained + start for b, start in zip(batches, self._starts, strict=False)]
        )
        self.containment = np.concatenate([np.empty(0), *(b.containment for b in batches)])
        self._hashes = [b.hashes for b in batches]
        self._offsets = [b.offsets for b in batches]

    def shingle_set(self, paragraph: int) -> frozenset[int]:
        """The set of shingle hashes of one paragraph."""
        batch = int(np.searchsorted(self._starts, paragraph, side="right")) - 1
        local = paragraph - int(self._starts[batch])
        start, end = self._offsets[batch][local : local + 2].tolist()
        return frozenset(self._hashes[batch][start:end].tolist())


def _pool(workers: int) -> ProcessPoolExecutor:
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    return ProcessPoolExecutor(workers, mp_context=context)


Chunk = tuple[Sequence[str], np.ndarray]
"""A batch of whole articles: paragraph texts and each paragraph's article."""


def hash_all(
    batches: Iterable[Chunk],
    params: Params,
    workers: int,
    progress: Progress | None = None,
) -> Hashed:
    """Hash batches of whole articles as they come (about CHUNK paragraphs each).

    With `workers` > 1, batches are hashed in a process pool while the caller goes on
    producing the next ones (reading the input, say); a single batch is hashed here.
    """
    pool: ProcessPoolExecutor | None = None
    pending: list[Future[Batch]] = []
    first: Chunk | None = None
    done = 0

    def report(count: int) -> None:
        nonlocal done
        done += count
        if progress:
            progress("hashing", done, 0)

    try:
        for batch in batches:
            if workers < 2:
                report(len(batch[0]))
                pending.append(_finished(hash_batch(*batch, params)))
                continue
            if first is None:  # the pool pays only from a second batch on
                first = batch
                continue
            if pool is None:
                pool = _pool(workers)
                pending.append(pool.submit(hash_batch, *first, params))
            pending.append(pool.submit(hash_batch, *batch, params))
        if pool is None and first is not None:
            pending.append(_finished(hash_batch(*first, params)))
        results = []
        for future in pending:
            results.append(future.result())
            if pool is not None:
                report(len(results[-1].words))
        return Hashed(results, params.bands)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _finished(batch: Batch) -> Future[Batch]:
    future: Future[Batch] = Future()
    future.set_result(batch)
    return future
