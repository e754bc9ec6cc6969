"""Paragraphs to word-shingle hashes, in bulk and without a Python object per shingle.

All paragraphs of a batch are normalized, joined into one byte buffer and cut into
words with NumPy. Each word is hashed once (its first bytes packed into 64 bits and
mixed); a shingle's hash combines the hashes of its words. Shingle hashes are 64-bit,
so two different shingles of a paragraph pair collide with probability about 2^-64.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .normalize import match_buffer, words

_U64 = np.uint64
_MUL = _U64(0x9E3779B97F4A7C15)
_LONG_WORD = 64  # bytes; longer words are hashed one by one with blake2b
_MASKS = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)  # low k bytes


@dataclass(frozen=True, slots=True)
class Shingles:
    """Shingle hashes of a batch of paragraphs, in CSR layout.

    Paragraph i has `words[i]` words and the shingle hashes
    `hashes[offsets[i]:offsets[i + 1]]` (in text order, repeats kept). `digests[i]`
    hashes its whole word sequence (0 when it has no words): equal digests mean
    identical normalized paragraphs.
    """

    words: np.ndarray
    offsets: np.ndarray
    hashes: np.ndarray
    digests: np.ndarray

    def __len__(self) -> int:
        return len(self.words)

    def of(self, i: int) -> np.ndarray:
        """The shingle hashes of paragraph i."""
        return self.hashes[self.offsets[i] : self.offsets[i + 1]]


def fmix64(h: np.ndarray) -> np.ndarray:
    """The MurmurHash3 64-bit finalizer: a bijective avalanche mix."""
    h = h ^ (h >> _U64(33))
    h = h * _U64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> _U64(33))
    h = h * _U64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> _U64(33))


def _word_hashes(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Hash each word data[starts[i]:ends[i]] to 64 bits, 8 bytes at a time."""
    lengths = ends - starts
    padded = np.concatenate([data, np.zeros(8, dtype=np.uint8)])
    # An unaligned view: element p is the 8 bytes starting at byte p, little-endian.
    windows = np.ndarray(shape=(len(data),), dtype="<u8", buffer=padded, strides=(1,))
    hashes = fmix64(windows[starts] & _MASKS[np.minimum(lengths, 8)])
    longer = np.flatnonzero((lengths > 8) & (lengths <= _LONG_WORD))
    for offset in range(8, _LONG_WORD, 8):
        longer = longer[lengths[longer] > offset]
        chunk = windows[starts[longer] + offset] & _MASKS[np.minimum(lengths[longer] - offset, 8)]
        hashes[longer] = fmix64(hashes[longer] * _MUL + chunk)
    for i in np.flatnonzero(lengths > _LONG_WORD):
        digest = hashlib.blake2b(data[starts[i] : ends[i]].tobytes(), digest_size=8).digest()
        hashes[i] = np.frombuffer(digest, dtype=np.uint64)[0]
    return fmix64(hashes ^ lengths.astype(np.uint64))


@dataclass(frozen=True, slots=True)
class Words:
    """The word hashes of a batch of paragraphs, in text order, with their paragraph."""

    hashes: np.ndarray
    owner: np.ndarray
    count: int  # paragraphs in the batch

    @property
    def per_paragraph(self) -> np.ndarray:
        return np.bincount(self.owner, minlength=self.count).astype(np.int64)


def words_of(texts: Sequence[str]) -> Words:
    """Normalize, cut into words and hash every word of every paragraph at once."""
    data = np.frombuffer(match_buffer(texts), dtype=np.uint8)
    is_word = np.zeros(len(data) + 2, dtype=bool)
    np.greater(data, 32, out=is_word[1:-1])
    edges = np.flatnonzero(is_word[1:] != is_word[:-1])
    starts, ends = edges[0::2], edges[1::2]
    separators = np.flatnonzero(data == 0)
    owner = np.searchsorted(separators, starts)  # paragraph of each word
    return Words(_word_hashes(data, starts, ends), owner, len(texts))


def ngrams(found: Words, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, hashes): the word `size`-gram hashes of each paragraph, CSR layout."""
    token, owner = found.hashes, found.owner
    count = max(len(token) - size + 1, 0)
    same = owner[:count] == owner[size - 1 : size - 1 + count]
    combined = token[:count].copy()
    for k in range(1, size):
        combined = combined * _MUL + token[k : k + count]
    per_paragraph = np.bincount(owner[:count][same], minlength=found.count)
    offsets = np.zeros(found.count + 1, dtype=np.int64)
    np.cumsum(per_paragraph, out=offsets[1:])
    return offsets, fmix64(combined[same])


def shingle(texts: Sequence[str], size: int) -> Shingles:
    """Word `size`-gram hashes of every paragraph in `texts`.

    A paragraph with fewer than `size` words has no shingles.
    """
    return shingles_of(words_of(texts), size)


def shingles_of(found: Words, size: int) -> Shingles:
    """The Shingles of already hashed words."""
    words = found.per_paragraph
    offsets, hashes = ngrams(found, size)
    return Shingles(words, offsets, hashes, _digests(found.hashes, found.owner, words))


def _digests(token: np.ndarray, owner: np.ndarray, words: np.ndarray) -> np.ndarray:
    """Order-sensitive hash of each paragraph's word sequence (0 for no words)."""
    digests = np.zeros(len(words), dtype=np.uint64)
    if not len(token):
        return digests
    first = np.zeros(len(words), dtype=np.int64)
    np.cumsum(words[:-1], out=first[1:])
    position = np.arange(len(token), dtype=np.int64) - first[owner]
    powers = np.full(int(words.max()), _MUL, dtype=np.uint64)
    powers[0] = 1
    powers = np.cumprod(powers, dtype=np.uint64)
    weighted = token * powers[position]
    filled = words > 0
    digests[filled] = np.add.reduceat(weighted, first[filled])
    digests[filled] = fmix64(digests[filled] ^ words[filled].astype(np.uint64))
    return digests


def shingle_set(text: str, size: int) -> frozenset[tuple[str, ...]]:
    """The word `size`-grams of one paragraph as Python tuples (for pairwise checks)."""
    w = words(text)
    return frozenset(tuple(w[i : i + size]) for i in range(len(w) - size + 1))
