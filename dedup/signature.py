"""MinHash signatures in bulk, bit-identical to datasketch's `affine32` scheme.

datasketch (2.x) builds `num_perm` affine maps h -> a*h + b mod 2^32 from
`numpy.random.RandomState(seed)` and applies them to the MurmurHash3-mixed 32-bit
input hash. We do the same for all paragraphs at once: the signature of paragraph i
equals `datasketch.MinHash(num_perm, seed, hashfunc=int)` updated with the low 32
bits of its shingle hashes (the tests check this against datasketch itself).
"""

from __future__ import annotations

import functools

import numpy as np

from .shingle import Shingles

SCHEME = "affine32"
EMPTY = np.uint32(0xFFFFFFFF)
_CHUNK = 1 << 14  # shingles per block: a num_perm x _CHUNK uint32 block stays in cache


@functools.cache
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) parameters datasketch's affine32 MinHash draws for this seed.

    Cached: drawing them costs more than signing one article's paragraphs.
    """
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    a.flags.writeable = b.flags.writeable = False  # shared by every caller
    return a, b


def fmix32(h: np.ndarray) -> np.ndarray:
    """The MurmurHash3 32-bit finalizer, as datasketch applies it to input hashes."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def signatures(shingles: Shingles, num_perm: int, seed: int) -> np.ndarray:
    """A (num_perm, paragraphs) uint32 matrix; a paragraph without shingles gets EMPTY.

    Whole paragraphs of about _CHUNK shingles at a time, in one reused block: each
    paragraph's minimum is one segment of the block, written straight to its column. A
    paragraph longer than _CHUNK is signed block by block (memory bounded by _CHUNK).
    """
    a, b = permutations(num_perm, seed)
    n = len(shingles)
    out = np.full((num_perm, n), EMPTY, dtype=np.uint32)
    offsets = shingles.offsets
    mixed = fmix32(shingles.hashes.astype(np.uint32))
    a_col, b_col = a[:, None], b[:, None]
    buffer = np.empty(0, dtype=np.uint32)
    first = 0  # paragraph
    while first < n:
        start = int(offsets[first])
        end = int(np.searchsorted(offsets, start + _CHUNK, side="right")) - 1
        end = min(max(end, first + 1), n)  # whole paragraphs; a longer one alone
        width = int(offsets[end]) - start
        if width > _CHUNK:  # one long paragraph: its minimum block by block
            for part in range(start, start + width, _CHUNK):
                piece = mixed[None, part : min(part + _CHUNK, start + width)]
                lowest = (a_col * piece + b_col).min(axis=1)
                np.minimum(out[:, first], lowest, out=out[:, first])
        elif width:
            if num_perm * width > len(buffer):  # a fresh array would be paged in each time
                buffer = np.empty(num_perm * max(width, min(len(mixed), _CHUNK)), np.uint32)
            block = buffer[: num_perm * width].reshape(num_perm, width)
            np.multiply(a_col, mixed[None, start : start + width], out=block)
            block += b_col
            filled = np.flatnonzero(offsets[first + 1 : end + 1] > offsets[first:end])
            block = np.minimum.reduceat(block, offsets[first:end][filled] - start, axis=1)
            if len(filled) == end - first:
                out[:, first:end] = block
            else:
                out[:, first + filled] = block
        first = end
    return out
