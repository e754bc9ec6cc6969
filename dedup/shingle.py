"""Paragraphs to shingle hashes, in bulk and without a Python object per shingle.

All paragraphs of a batch are normalized, joined into one byte buffer and cut into
units (words, and single characters of the scripts written without spaces; see
`normalize`) with NumPy. Each unit is hashed once (its first bytes packed into 64 bits
and mixed); a shingle's hash combines the hashes of its units. Shingle hashes are
64-bit, so two different shingles of a paragraph pair collide with probability about
2^-64.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .arrays import ramp
from .normalize import (
    ASTRAL_KIND,
    BMP_KINDS,
    CJK,
    SEA,
    UNSPACED,
    WORDS,
    fold_ascii,
    match_joined,
    utf8_folded,
    words,
)

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
    identical normalized paragraphs. A shingle is `size` units.
    """

    words: np.ndarray
    offsets: np.ndarray
    hashes: np.ndarray
    digests: np.ndarray
    size: int

    def __len__(self) -> int:
        return len(self.words)

    def of(self, i: int) -> np.ndarray:
        """The shingle hashes of paragraph i."""
        return self.hashes[self.offsets[i] : self.offsets[i + 1]]


def fmix64(h: np.ndarray) -> np.ndarray:
    """The MurmurHash3 64-bit finalizer: a bijective avalanche mix."""
    shifted = h >> _U64(33)
    h = h ^ shifted  # a new array: the argument is left as it is
    h *= _U64(0xFF51AFD7ED558CCD)
    h ^= np.right_shift(h, _U64(33), out=shifted)
    h *= _U64(0xC4CEB9FE1A85EC53)
    h ^= np.right_shift(h, _U64(33), out=shifted)
    return h


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


_BMP_KINDS = np.frombuffer(BMP_KINDS, dtype=np.uint8)  # a view: one table
_ASTRAL_UNSPACED = [(a, b) for a, b in UNSPACED if b > 0xFFFF]
_FIRST_UNSPACED = UNSPACED[0][0]


def _kinds(codes: np.ndarray) -> np.ndarray:
    """The kind of each code point (`normalize.unit_kind`): CJK or SEA for a character
    that is a unit of its own, WORDS for the others."""
    kind = _BMP_KINDS.take(codes, mode="clip")  # beyond the BMP: 0xFFFF, a WORDS one
    if len(codes) and codes.max() > 0xFFFF:  # Han extensions, Kana supplements
        astral = np.flatnonzero(codes > 0xFFFF)
        point = codes[astral]
        inside = np.zeros(len(astral), dtype=bool)
        for first, last in _ASTRAL_UNSPACED:
            inside |= (point >= first) & (point <= last)
        kind[astral[inside]] = ASTRAL_KIND
    return kind


def _utf8(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(bytes little-endian in a uint64, length) of the UTF-8 encoding of each code point."""
    c = codes.astype(np.uint64)
    length = _utf8_lengths(codes).astype(np.uint64)
    low = (c & 0x3F) | 0x80  # the last byte of a multi-byte encoding
    mid = ((c >> _U64(6)) & 0x3F) | 0x80
    high = ((c >> _U64(12)) & 0x3F) | 0x80
    packed = c.copy()  # one byte
    packed = np.where(length == 2, (0xC0 | (c >> _U64(6))) | low << _U64(8), packed)
    three = (0xE0 | (c >> _U64(12))) | mid << _U64(8) | low << _U64(16)
    packed = np.where(length == 3, three, packed)
    four = (0xF0 | (c >> _U64(18))) | high << _U64(8) | mid << _U64(16) | low << _U64(24)
    return np.where(length == 4, four, packed), length


@functools.cache
def _char_hashes() -> np.ndarray:
    """The unit hash (`_word_hashes`) of every BMP character as a unit of its own."""
    packed, length = _utf8(np.arange(0x10000, dtype=np.uint32))
    return fmix64(fmix64(packed) ^ length)


def _by_character(joined: str, codes: np.ndarray, kind: np.ndarray, count: int) -> Words:
    """The Words of a batch holding characters of unspaced scripts: `joined` as
    `match_joined` gives it, `codes` its code points folded, and their `kind`s."""
    is_word = np.zeros(len(codes) + 2, dtype=bool)
    np.greater(codes, 32, out=is_word[1:-1])
    single = np.zeros(len(codes) + 2, dtype=bool)
    np.not_equal(kind, WORDS, out=single[1:-1])
    here, before, after = is_word[1:-1], is_word[:-2], is_word[2:]
    alone, single_before, single_after = single[1:-1], single[:-2], single[2:]
    starts = np.flatnonzero(here & (~before | alone | single_before))
    ends = np.flatnonzero(here & (~after | alone | single_after)) + 1
    unit_kind = kind[starts]
    hashes = _char_hashes_of(codes[starts])  # the characters' (words are hashed below)
    worded = np.flatnonzero(unit_kind == WORDS)
    if len(worded):  # digits, Latin names...: by their bytes, gathered back to back
        lengths = ends[worded] - starts[worded]
        chars = codes[np.repeat(starts[worded], lengths) + ramp(lengths)]
        if chars.max() < 0x80:
            data = chars.astype(np.uint8)
        else:
            data = np.frombuffer(chars.tobytes().decode("utf-32-le").encode("utf-8"), np.uint8)
            lengths = np.add.reduceat(_utf8_lengths(chars), np.cumsum(lengths) - lengths)
        ends_w = np.cumsum(lengths)
        hashes[worded] = _word_hashes(data, ends_w - lengths, ends_w)
    bounds = np.searchsorted(starts, np.flatnonzero(codes == 0))  # first unit of each
    per_paragraph = np.diff(bounds, prepend=0, append=len(starts))
    owner = np.repeat(np.arange(count), per_paragraph)
    kinds = np.zeros(count, dtype=np.uint8)
    bounds = np.concatenate([[0], bounds, [len(starts)]])
    for value in (CJK, SEA):
        if (of_value := np.cumsum(unit_kind == value))[-1]:
            of_paragraph = np.diff(np.concatenate([[0], of_value])[bounds])
            kinds[of_paragraph * 2 > per_paragraph] = value
    return Words(hashes, owner, count, kinds)


def _char_hashes_of(codes: np.ndarray) -> np.ndarray:
    """The unit hashes of these characters, each a unit of its own."""
    if codes.max(initial=0) <= 0xFFFF:
        return _char_hashes().take(codes)
    packed, length = _utf8(codes)
    return fmix64(fmix64(packed) ^ length)


def _utf8_lengths(codes: np.ndarray) -> np.ndarray:
    return 1 + (codes >= 0x80).astype(np.int64) + (codes >= 0x800) + (codes >= 0x10000)


@dataclass(frozen=True, slots=True)
class Words:
    """The unit hashes of a batch of paragraphs, in text order, with their paragraph.

    `kinds[i]` is paragraph i's kind (`normalize.kind`); None when every paragraph is
    WORDS (no unspaced script in the batch).
    """

    hashes: np.ndarray
    owner: np.ndarray
    count: int  # paragraphs in the batch
    kinds: np.ndarray | None = None

    @property
    def per_paragraph(self) -> np.ndarray:
        return np.bincount(self.owner, minlength=self.count).astype(np.int64)

    def of_paragraphs(self, chosen: np.ndarray) -> Words:
        """The units of the chosen paragraphs only (`chosen`: a mask over paragraphs)."""
        mine = chosen[self.owner]
        return Words(self.hashes[mine], self.owner[mine], self.count, self.kinds)


def words_of(texts: Sequence[str]) -> Words:
    """Normalize, cut into units and hash every unit of every paragraph at once.

    Runs of bytes above 32 are words. When the batch holds characters of unspaced
    scripts, the runs are cut around each of them, on code points: such a character is
    hashed through a table, the words between them by their bytes.
    """
    joined = match_joined(texts)
    if not joined.isascii():
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
        if (codes >= _FIRST_UNSPACED).any():  # not in Latin, Cyrillic, Arabic...
            codes = fold_ascii(codes)
            kind = _kinds(codes)
            if kind.any():
                return _by_character(joined, codes, kind, len(texts))
    data = np.frombuffer(utf8_folded(joined), dtype=np.uint8)
    is_word = np.zeros(len(data) + 2, dtype=bool)
    np.greater(data, 32, out=is_word[1:-1])
    edges = np.flatnonzero(is_word[1:] != is_word[:-1])
    starts, ends = edges[0::2], edges[1::2]
    owner = np.searchsorted(np.flatnonzero(data == 0), starts)  # paragraph of each word
    return Words(_word_hashes(data, starts, ends), owner, len(texts))


def ngrams(found: Words, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, hashes): the unit `size`-gram hashes of each paragraph, CSR layout."""
    token, owner = found.hashes, found.owner
    count = max(len(token) - size + 1, 0)
    same = owner[:count] == owner[size - 1 : size - 1 + count]
    if size <= _HORNER_UP_TO:
        combined = token[:count].copy()
        for k in range(1, size):
            combined *= _MUL
            combined += token[k : k + count]
    else:  # the same sums from prefix sums, in a few passes whatever the size
        combined = _rolling(token, size, count)
    per_paragraph = np.bincount(owner[:count][same], minlength=found.count)
    offsets = np.zeros(found.count + 1, dtype=np.int64)
    np.cumsum(per_paragraph, out=offsets[1:])
    return offsets, fmix64(combined[same])


_HORNER_UP_TO = 6  # n-gram sizes summed term by term; longer ones from prefix sums
_MUL_INVERSE = _U64(pow(0x9E3779B97F4A7C15, -1, 1 << 64))


def _rolling(token: np.ndarray, size: int, count: int) -> np.ndarray:
    """sum(token[i + k] * _MUL ** (size - 1 - k) for k < size) mod 2^64 for each i < count.

    _MUL is odd, so invertible mod 2^64: with prefix sums P of token[j] * _MUL ** -j, the
    sum at i is _MUL ** (size - 1 + i) * (P[i + size] - P[i]).
    """
    if not count:
        return np.zeros(0, dtype=np.uint64)
    powers = np.full(len(token), _MUL_INVERSE, dtype=np.uint64)
    powers[0] = 1
    prefix = np.zeros(len(token) + 1, dtype=np.uint64)
    np.cumsum(token * np.cumprod(powers, dtype=np.uint64), out=prefix[1:])
    powers[1:] = _MUL
    scale = np.cumprod(powers[:count], dtype=np.uint64) * _U64(pow(int(_MUL), size - 1, 1 << 64))
    return (prefix[size : size + count] - prefix[:count]) * scale


def grams(found: Words, sizes: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, hashes): each paragraph's unit n-gram hashes, CSR layout, where n is
    `sizes[kind]` for the paragraph's kind (`normalize.kind`)."""
    kinds = found.kinds
    present = [WORDS] if kinds is None else np.unique(kinds).tolist()
    if len(present) == 1:
        return ngrams(found, sizes[present[0]])
    assert kinds is not None
    owners, hashes = [], []
    for kind in present:
        offsets, found_hashes = ngrams(found, sizes[kind])
        owner = np.repeat(np.arange(found.count), np.diff(offsets))
        mine = kinds[owner] == kind
        owners.append(owner[mine])
        hashes.append(found_hashes[mine])
    owner = np.concatenate(owners)
    order = np.argsort(owner, kind="stable")
    offsets = np.zeros(found.count + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=found.count), out=offsets[1:])
    return offsets, np.concatenate(hashes)[order]


def shingle(texts: Sequence[str], size: int) -> Shingles:
    """Unit `size`-gram hashes of every paragraph in `texts`.

    A paragraph with fewer than `size` units has no shingles.
    """
    return shingles_of(words_of(texts), size)


def shingles_of(found: Words, size: int) -> Shingles:
    """The Shingles of already hashed words."""
    words = found.per_paragraph
    offsets, hashes = ngrams(found, size)
    return Shingles(words, offsets, hashes, _digests(found.hashes, found.owner, words), size)


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
    """The unit `size`-grams of one paragraph as Python tuples (for pairwise checks)."""
    w = words(text)
    return frozenset(tuple(w[i : i + size]) for i in range(len(w) - size + 1))
