"""Invariants that must hold for any input (hypothesis)."""

import random

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup import Article, Params, clean, lsh, scan
from dedup.verify import jaccard_text

WORDS = [
    "the",
    "minister",
    "said",
    "talks",
    "would",
    "resume",
    "12",
    "15",
    "in",
    "Geneva",
    "next",
    "week",
]
paragraph = st.lists(st.sampled_from(WORDS), min_size=1, max_size=14).map(" ".join)
article = st.lists(paragraph, min_size=1, max_size=8)
PARAMS = Params(min_words=5)


def build(texts: list[list[str]]) -> list[Article]:
    return [Article(f"a{i}", tuple(p), "mem", "text") for i, p in enumerate(texts)]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(article, min_size=1, max_size=5))
def test_clean_is_idempotent_and_a_subsequence(texts: list[list[str]]) -> None:
    articles = build(texts)
    once = clean(articles, scan(articles, PARAMS, workers=1), PARAMS)
    again_input = [
        Article(c.article.id, tuple(c.article.paragraphs[i] for i in c.kept), "mem", "text")
        for c in once
    ]
    twice = clean(again_input, scan(again_input, PARAMS, workers=1), PARAMS)
    for first, second in zip(once, twice, strict=True):
        assert list(first.kept) == sorted(first.kept)  # order preserved: a subsequence
        assert not second.removed  # nothing left to remove


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(article, min_size=1, max_size=6), st.randoms(use_true_random=False))
def test_shuffling_articles_does_not_change_clusters(
    texts: list[list[str]], rng: random.Random
) -> None:
    articles = build(texts)
    shuffled = articles[:]
    rng.shuffle(shuffled)

    def shape(items: list[Article]) -> set[tuple[str, frozenset[tuple[str, int, float]]]]:
        return {
            (c.id, frozenset((m.article, m.paragraph, m.similarity) for m in c.members))
            for c in scan(items, PARAMS, workers=1).clusters
        }

    assert shape(articles) == shape(shuffled)


@given(paragraph, paragraph)
def test_similarity_is_symmetric_and_in_unit_interval(a: str, b: str) -> None:
    forward, backward = jaccard_text(a, b, PARAMS), jaccard_text(b, a, PARAMS)
    assert forward == backward and 0.0 <= forward <= 1.0


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 6), st.integers(0, 90), st.integers(1, 5), st.randoms(use_true_random=False))
def test_both_banding_paths_give_the_same_pairs(
    bands: int, columns: int, spread: int, rng: random.Random
) -> None:
    # few distinct keys per band, so that columns collide
    keys = np.array(
        [[rng.randrange(spread) + 10 * b for _ in range(columns)] for b in range(bands)],
        dtype=np.uint64,
    )
    small, large = lsh._pairs_small(keys), lsh._pairs_sorted(keys)
    assert small.dtype == large.dtype == np.int64
    assert small.shape == large.shape and (small == large).all()
