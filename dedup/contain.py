"""Containment: a paragraph that sits inside another (trimmed, merged, lightly edited).

Containment is the share of the shorter paragraph's containment n-grams (word 3-grams;
character 5-grams for Chinese, Japanese and Korean, 15-grams for Thai, Lao, Khmer and
Myanmar: `SIZES`) found in the longer. Jaccard misses these pairs (a paragraph merged
with the next one has Jaccard about 0.5 with the original), so they are found
separately: inside each article every pair of paragraphs is compared, in the workers,
by counting shared n-gram hashes; across articles the LSH candidates that fail the
Jaccard threshold are checked too. Why 3-grams at 0.7: benchmarks/RESULTS.md. Across
articles a pair only counts when the shorter paragraph's 5-grams all sit in the longer
(trimmed or merged, no word changed): formulaic filings share 70-90 % of their 3-grams
and differ in names and figures.
"""

from __future__ import annotations

import itertools
from collections.abc import Set as AbstractSet

import numpy as np

from .arrays import pairs_within_runs, runs, unique_counts
from .changes import word_opcodes, word_parts
from .normalize import WORDS, kind, words
from .shingle import Shingles, Words, grams, ngrams

SIZES: tuple[int, ...] = (3, 5, 15)
"""Units per containment n-gram, by paragraph kind (`normalize.kind`): 3 words; 5
characters of Chinese, Japanese or Korean; 15 of Thai, Lao, Khmer or Myanmar (shorter
ones are shared by unrelated paragraphs of one article: benchmarks/RESULTS.md)."""
MAX_SHARED_BY = 32  # an n-gram in more paragraphs of one article is not evidence
_MUL = np.uint64(0x9E3779B97F4A7C15)
_SPAN = 1 << 15  # n-grams counted at once by `_maybe_shared`


def _bits(n: int) -> int:
    return max(int(n).bit_length(), 1)


def within_articles(
    offsets: np.ndarray,
    hashes: np.ndarray,
    article: np.ndarray,
    eligible: np.ndarray,
    threshold: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (a, b), a < b, of eligible paragraphs of one article with containment >= threshold.

    `offsets`/`hashes` hold each paragraph's n-gram hashes (CSR), `article` the article
    of each paragraph (labels 0..n). Returns the pairs (m, 2) and their containment.
    One sort of 64-bit keys (article, hash, paragraph) finds the shared n-grams; the
    hash keeps the bits the other two leave (36 or more in practice). Only n-grams whose
    hash may occur twice in the article are sorted (`_maybe_shared`): most occur once.
    """
    n = len(offsets) - 1
    owner_bits = _bits(n)
    article_bits = _bits(int(article.max()) if len(article) else 0)
    value_bits = 64 - owner_bits - article_bits
    at = np.flatnonzero(_maybe_shared(offsets, hashes, article, value_bits))
    owner = np.searchsorted(offsets[1:], at, side="right")
    at, owner = at[eligible[owner]], owner[eligible[owner]]
    group = (article[owner].astype(np.uint64) << np.uint64(value_bits)) | (
        hashes[at] >> np.uint64(64 - value_bits)
    )
    repeated = np.bincount(owner, minlength=n)
    keys, _ = unique_counts((group << np.uint64(owner_bits)) | owner.astype(np.uint64))
    owner = (keys & np.uint64((1 << owner_bits) - 1)).astype(np.int64)
    group = keys >> np.uint64(owner_bits)
    sizes = np.diff(offsets) - repeated + np.bincount(owner, minlength=n)  # distinct n-grams
    spans = runs(group[1:] == group[:-1])
    spans = spans[spans[:, 1] - spans[:, 0] <= MAX_SHARED_BY]
    pairs = pairs_within_runs(owner, spans)
    codes, shared = unique_counts(pairs[:, 0] * n + pairs[:, 1])
    a, b = codes // n, codes % n
    share = shared / np.minimum(sizes[a], sizes[b])
    keep_pairs = share >= threshold
    return np.stack([a[keep_pairs], b[keep_pairs]], axis=1), share[keep_pairs]


def _maybe_shared(
    offsets: np.ndarray, hashes: np.ndarray, article: np.ndarray, value_bits: int
) -> np.ndarray:
    """Whether each n-gram may occur twice in its article (True for every one that does,
    hashes compared by their top `value_bits`).

    N-grams are counted by bucket of (article, hash), about eight buckets per n-gram,
    whole articles of about _SPAN n-grams at a time so that the counts stay in cache.
    """
    # XOR is bitwise: a bucket (top bits) depends on the top bits of the hash alone.
    mixed = hashes ^ np.repeat(article.astype(np.uint64) * _MUL, np.diff(offsets))
    cuts: list[int] = []
    if len(article) and (article[1:] >= article[:-1]).all():  # articles one after the other
        firsts = offsets[np.flatnonzero(article[1:] != article[:-1]) + 1]  # their n-grams
        at = np.searchsorted(firsts, np.arange(_SPAN, len(hashes), _SPAN))
        cuts = np.unique(firsts[at[at < len(firsts)]]).tolist()
    maybe = np.empty(len(hashes), dtype=bool)
    for start, end in itertools.pairwise([0, *cuts, len(hashes)]):
        bits = min(min(end - start, _SPAN).bit_length() + 3, value_bits)
        bucket = (mixed[start:end] >> np.uint64(64 - bits)).astype(np.intp)
        maybe[start:end] = np.bincount(bucket, minlength=1 << bits)[bucket] > 1
    return maybe


def grams_of(found: Words) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, hashes): the containment n-gram hashes of already hashed paragraphs."""
    return grams(found, SIZES)


def pairs_within(
    found: Words,
    shingles: Shingles,
    article: np.ndarray,
    eligible: np.ndarray,
    threshold: float,
) -> tuple[np.ndarray, np.ndarray]:
    """`within_articles` on the containment n-grams of already hashed and shingled
    paragraphs (the same pairs as on `grams_of`), kind by kind: where a kind's n-grams
    are as long as the shingles (Chinese, Japanese and Korean characters with the default
    shingle size), the shingles are used, not hashed again."""
    kinds = found.kinds
    present = [WORDS] if kinds is None else np.unique(kinds).tolist()
    if len(present) == 1:
        offsets, hashes = _grams(found, shingles, present[0])
        return within_articles(offsets, hashes, article, eligible, threshold)
    assert kinds is not None
    pairs, shares = [], []
    for of_kind in present:
        mine = kinds == of_kind
        part = found if mine[found.owner].mean() > 0.5 else found.of_paragraphs(mine)
        offsets, hashes = _grams(part, shingles, of_kind)
        found_pairs, share = within_articles(offsets, hashes, article, eligible & mine, threshold)
        pairs.append(found_pairs)
        shares.append(share)
    pair, share = np.concatenate(pairs), np.concatenate(shares)
    order = np.lexsort((pair[:, 1], pair[:, 0]))
    return pair[order], share[order]


def _grams(found: Words, shingles: Shingles, kind: int) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, hashes): the containment n-grams of a kind of paragraph, the shingles
    when they are as long."""
    if SIZES[kind] == shingles.size:
        return shingles.offsets, shingles.hashes
    return ngrams(found, SIZES[kind])


def gram_set(text: str) -> frozenset[tuple[str, ...]]:
    """The containment n-grams of one paragraph (for pairwise checks)."""
    units = words(text)
    size = SIZES[kind(units)]
    return frozenset(tuple(units[i : i + size]) for i in range(len(units) - size + 1))


def containment(a: str, b: str) -> float:
    """The share of the shorter paragraph's containment n-grams found in the longer."""
    return containment_of(gram_set(a), gram_set(b))


def containment_of(first: AbstractSet[object], second: AbstractSet[object]) -> float:
    """`containment` of two paragraphs' n-gram sets."""
    smaller = min(len(first), len(second))
    return len(first & second) / smaller if smaller else 0.0


def span(outer: str, inner: str) -> tuple[int, int]:
    """The characters of `outer` from the first to the last word that `inner` matches."""
    outer_words, outer_keys, gaps = word_parts(outer)
    inner_keys = word_parts(inner)[1]
    equal = [op for op in word_opcodes(inner_keys, outer_keys) if op[0] == "equal"]
    if not equal:
        return (0, 0)
    starts = list(
        itertools.accumulate(
            (len(g) + len(w) for g, w in zip(gaps, outer_words, strict=False)), initial=0
        )
    )
    first, last = equal[0][3], equal[-1][4] - 1
    return starts[first] + len(gaps[first]), starts[last + 1]
