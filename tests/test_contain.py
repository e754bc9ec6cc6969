"""Containment: trimmed, merged and lightly edited copies, found and located."""

import itertools
import random

import numpy as np
import pytest
from edits import paste_copy

from dedup import Article, Params, scan
from dedup.contain import containment, span, within_articles
from dedup.shingle import ngrams, words_of


@pytest.mark.parametrize("labels", ["in order", "shuffled"])
def test_within_articles_is_exact_and_complete(reuters: list, labels: str) -> None:
    records = reuters[:1500]  # 200,000 3-grams: counted in several spans (`contain._SPAN`)
    texts = [p for r in records for p in r["paragraphs"]]
    label = np.arange(len(records))
    if labels == "shuffled":  # any labels: equal means same article
        np.random.default_rng(1).shuffle(label)
    article = np.repeat(label, [len(r["paragraphs"]) for r in records])
    found = words_of(texts)
    offsets, hashes = ngrams(found, 3)
    eligible = found.per_paragraph >= 9
    pairs, share = within_articles(offsets, hashes, article, eligible, 0.7)
    got = {tuple(p): s for p, s in zip(pairs.tolist(), share.tolist(), strict=True)}
    expected = {}
    start = 0
    for r in records:
        idx = [start + i for i in range(len(r["paragraphs"])) if eligible[start + i]]
        for a, b in itertools.combinations(idx, 2):
            c = containment(texts[a], texts[b])
            if c >= 0.7:
                expected[(a, b)] = c
        start += len(r["paragraphs"])
    assert expected  # Reuters has such pairs
    assert got.keys() == expected.keys()
    assert all(abs(got[k] - expected[k]) < 1e-9 for k in got)


def test_span_locates_the_inner_paragraph() -> None:
    outer = "The minister said talks would resume. He added that both sides were ready."
    inner = "He added that both sides were ready"
    start, end = span(outer, inner)
    assert outer[start:end] == inner


def test_trimmed_and_merged_copies_are_reported_with_their_span(reuters: list) -> None:
    rng = random.Random(11)
    records = [r for r in reuters if len(r["paragraphs"]) >= 4][:300]
    articles, made = [], []
    for kind in ("trim_first", "merge_next"):
        for r in records:
            pasted = paste_copy(r["paragraphs"], kind, rng)
            if pasted:
                articles.append(Article(f"{r['id']}#{kind}", pasted.paragraphs, "t", "jsonl"))
                made.append(pasted)
    result = scan(articles, Params())
    pairs = {
        frozenset({(c.outer.article, c.outer.paragraph), (c.inner.article, c.inner.paragraph)}): c
        for c in result.contained
    }
    hits = 0
    for article, pasted in zip(articles, made, strict=True):
        found = pairs.get(frozenset({(article.id, pasted.original), (article.id, pasted.copy)}))
        if found:
            hits += 1
            start, end = found.span
            assert found.containment >= 0.7 and 0 <= start < end <= len(found.outer.text)
            grown = {"merged", "extended"} & set(found.changes)
            assert (pasted.kind == "merge_next") == bool(grown), found.changes
    assert hits / len(made) >= 0.95


def test_a_trimmed_quote_in_another_story_is_found() -> None:
    long = (
        "The central bank kept rates on hold on Thursday. Its governor said inflation was "
        "easing but warned that wage growth remained too strong for comfort this year."
    )
    trimmed = long.split(". ", 1)[1]
    result = scan(
        [
            Article("a", (long, "Unrelated paragraph about football results."), "a", "t"),
            Article("b", ("Markets were calm.", trimmed), "b", "t"),
        ],
        Params(),
    )
    [pair] = result.contained
    assert (pair.outer.article, pair.inner.article) == ("a", "b")
    assert (pair.containment == 1.0 and "contained" in pair.changes) or "trimmed" in pair.changes
    start, end = pair.span
    assert long[start:end].startswith("Its governor")


def test_formulaic_filings_are_not_contained_across_articles(reuters: list) -> None:
    articles = [Article(r["id"], tuple(r["paragraphs"]), "r", "jsonl") for r in reuters[:6000]]
    result = scan(articles, Params())
    for pair in result.contained:
        if pair.outer.article != pair.inner.article:
            assert not {"words", "number"} & set(pair.changes)
