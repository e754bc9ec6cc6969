"""Paragraphs to what a scan needs, in bulk, in a process pool when it pays.

For each paragraph: its word count, a digest of its word sequence, the LSH band keys
of its MinHash signature, and its shingle hashes (kept per batch, for verification).
Workers return only these arrays; the signatures themselves stay in the workers.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from .config import Params
from .lsh import band_keys
from .shingle import shingle
from .signature import signatures

Progress = Callable[[str, int, int], None]
"""Called as progress(stage, done, total) while a scan runs."""

CHUNK = 8192  # paragraphs per task: small enough to balance the workers


def default_workers() -> int:
    """Every core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True, slots=True)
class Batch:
    """The hashes of one batch of paragraphs (see the module docstring)."""

    words: np.ndarray
    digests: np.ndarray
    keys: np.ndarray  # (bands, n) uint64
    offsets: np.ndarray
    hashes: np.ndarray


def hash_batch(texts: Sequence[str], params: Params) -> Batch:
    """Shingle, sign and band one batch of paragraphs."""
    found = shingle(texts, params.shingle_size)
    signed = signatures(found, params.num_perm, params.seed)
    keys = band_keys(signed, params.bands, params.rows)
    return Batch(found.words, found.digests, keys, found.offsets, found.hashes)


class Hashed:
    """Every batch of a corpus, paragraph i being paragraph i % CHUNK of batch i // CHUNK."""

    def __init__(self, batches: Sequence[Batch], bands: int) -> None:
        self.words = np.concatenate([np.empty(0, np.int64), *(b.words for b in batches)])
        self.digests = np.concatenate([np.empty(0, np.uint64), *(b.digests for b in batches)])
        empty_keys = np.empty((bands, 0), np.uint64)
        self.keys = np.concatenate([empty_keys, *(b.keys for b in batches)], axis=1)
        self._hashes = [b.hashes for b in batches]
        self._offsets = [b.offsets for b in batches]

    def shingle_set(self, paragraph: int) -> frozenset[int]:
        """The set of shingle hashes of one paragraph."""
        batch, local = divmod(paragraph, CHUNK)
        start, end = self._offsets[batch][local : local + 2].tolist()
        return frozenset(self._hashes[batch][start:end].tolist())


_FORKED_TEXTS: Sequence[str] = ()  # what forked workers read their batches from


def _hash_slice(start: int, params: Params) -> Batch:
    return hash_batch(_FORKED_TEXTS[start : start + CHUNK], params)


def _batches(texts: Sequence[str], params: Params, workers: int) -> Iterator[Batch]:
    starts = range(0, len(texts), CHUNK)
    if workers < 2 or len(starts) < 2:
        yield from (hash_batch(texts[i : i + CHUNK], params) for i in starts)
        return
    global _FORKED_TEXTS
    if "fork" in multiprocessing.get_all_start_methods():
        # Forked workers read the texts from the parent's memory instead of having
        # them pickled over.
        _FORKED_TEXTS = texts
        gc.freeze()  # what exists now is not traversed (and copied) by the children's gc
        context = multiprocessing.get_context("fork")
        tasks, args = _hash_slice, [list(starts)]
    else:
        context = multiprocessing.get_context()
        tasks, args = hash_batch, [[texts[i : i + CHUNK] for i in starts]]  # type: ignore[assignment]
    try:
        with ProcessPoolExecutor(min(workers, len(starts)), mp_context=context) as pool:
            yield from pool.map(tasks, *args, [params] * len(starts))
    finally:
        _FORKED_TEXTS = ()


def hash_all(
    texts: Sequence[str], params: Params, workers: int, progress: Progress | None = None
) -> Hashed:
    """Hash every paragraph, with `workers` processes when there is more than one batch."""
    batches = []
    for batch in _batches(texts, params, workers):
        batches.append(batch)
        if progress:
            progress("hashing", min(len(batches) * CHUNK, len(texts)), len(texts))
    return Hashed(batches, params.bands)
