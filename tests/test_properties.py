"""Invariants that must hold for any input (hypothesis)."""

import codecs
import json
import random
import tempfile
from collections.abc import Sequence

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dedup import Article, Diagnostics, InputError, Params, ScanResult, Source, clean, lsh, scan
from dedup.cli import run
from dedup.formats import render
from dedup.formats import text as text_format
from dedup.hashing import CHUNK
from dedup.normalize import match_text, words
from dedup.shingle import shingle, shingle_set
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
    """Which paragraphs cluster, and the id, never depend on the input order; the first
    member is the earliest copy in the order given (no article here says when)."""
    articles = build(texts)
    shuffled = articles[:]
    rng.shuffle(shuffled)

    def shape(items: list[Article]) -> set[tuple[str, frozenset[tuple[str, int]]]]:
        found = set()
        position = {a.id: i for i, a in enumerate(items)}
        for c in scan(items, PARAMS, workers=1).clusters:
            order = [(position[m.article], m.paragraph) for m in c.members]
            assert order == sorted(order) and c.members[0].similarity == 1.0
            members = frozenset((m.article, m.paragraph) for m in c.members)
            found.add((c.id, members))
        return found

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


# Any text: every Unicode letter, mark, digit, space or control (NUL too), no surrogates.
any_text = st.text(st.characters(codec="utf-8"), max_size=120)
GLYPHS = ["Genève", "\uff26\uff35\uff2c\uff2c", "ǅemal", "STRASSE", "straße", "İstanbul"]
GLYPHS += ["١٢", "—", "“", "…", "\u00a0", "x\u0301"]  # fullwidth, digraph, Arabic digits, NBSP
rich_paragraph = st.lists(st.sampled_from(WORDS + GLYPHS), min_size=1, max_size=20).map(" ".join)


@settings(max_examples=300)
@given(any_text)
def test_normalization_is_idempotent(text: str) -> None:
    assert words(match_text(text)) == words(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(any_text, rich_paragraph), min_size=1, max_size=6), st.integers(1, 6))
def test_shingles_match_the_reference_and_do_not_depend_on_the_batch(
    texts: list[str], size: int
) -> None:
    together = shingle(texts, size)
    for i, text in enumerate(texts):
        alone = shingle([text], size)
        assert together.of(i).tolist() == alone.of(0).tolist()
        assert together.digests[i] == alone.digests[0]
        assert together.words[i] == len(words(text))
        assert len(set(alone.of(0).tolist())) == len(shingle_set(text, size))


@given(st.one_of(any_text, rich_paragraph), st.one_of(any_text, rich_paragraph))
def test_similarity_of_any_text_is_symmetric_and_in_unit_interval(a: str, b: str) -> None:
    forward, backward = jaccard_text(a, b, PARAMS), jaccard_text(b, a, PARAMS)
    assert forward == backward and 0.0 <= forward <= 1.0
    assert jaccard_text(a, a, PARAMS) == 1.0


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.lists(st.one_of(paragraph, rich_paragraph), min_size=1, max_size=10),
    st.lists(st.sampled_from(["\n\n", "\r\n\r\n", "\n \n", "\n\n\n"]), min_size=9, max_size=9),
    st.sampled_from(["utf-8", "cp1252", "utf-16-le"]),
)
def test_cleaning_a_file_keeps_a_subsequence_and_is_idempotent(
    texts: list[str], separators: list[str], encoding: str
) -> None:
    """At the file level: what clean writes holds a subsequence of the paragraphs read,
    byte for byte, and cleaning it again changes nothing."""
    body = "".join(p + separators[i % 9] for i, p in enumerate(texts))
    bom = codecs.BOM_UTF16_LE if encoding == "utf-16-le" else b""
    data = bom + body.encode(encoding, errors="replace")
    if not data[len(bom) :].decode(encoding).strip():  # only spaces: no article to clean
        with pytest.raises(InputError, match="empty file"):
            _read_text(data)
        return
    original = _read_text(data)
    once = _clean_text(data)
    kept = _read_text(once).articles[0].paragraphs if once.strip(bom) else ()
    assert _is_subsequence(kept, original.articles[0].paragraphs)
    assert once[: len(bom)] == bom
    if kept:
        assert _clean_text(once) == once


def _read_text(data: bytes) -> Source:
    return text_format.read(data, "mem.txt", "mem.txt", "mem.txt", Diagnostics())


def _clean_text(data: bytes) -> bytes:
    source = _read_text(data)
    articles = list(source.articles)
    [cleaned] = clean(articles, scan(articles, PARAMS, workers=1), PARAMS)
    return render(source, {0: set(cleaned.removed)})


def _is_subsequence(part: Sequence[str], whole: Sequence[str]) -> bool:
    rest = iter(whole)
    return all(any(p == w for w in rest) for p in part)


def _variant(rng: random.Random, text: str) -> str:
    """A copy as an editor might leave it: a word dropped, case or punctuation changed."""
    words_ = text.split()
    edit = rng.randrange(4)
    if edit == 0 and len(words_) > 10:
        del words_[rng.randrange(len(words_))]
    elif edit == 1:
        words_[0] = words_[0].upper()
    elif edit == 2:
        words_[-1] += "."
    return " ".join(words_)


@settings(max_examples=4, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_clusters_do_not_depend_on_input_order_or_worker_count(seed: int) -> None:
    """More than one batch of paragraphs, so that two workers really use the pool."""
    rng = random.Random(seed)
    vocabulary = [f"v{i}" for i in range(3000)]
    stories = [" ".join(rng.choices(vocabulary, k=rng.randrange(9, 40))) for _ in range(400)]
    articles = []
    while sum(len(a.paragraphs) for a in articles) <= 2 * CHUNK:
        texts = [
            _variant(rng, rng.choice(stories)) if rng.random() < 0.4 else rng.choice(stories)
            for _ in range(rng.randrange(1, 12))
        ]
        articles.append(Article(f"a{len(articles)}", tuple(texts), "mem", "text"))
    shuffled = articles[:]
    rng.shuffle(shuffled)

    def shape(result: ScanResult) -> tuple[set[frozenset[tuple[str, int]]], set[tuple[str, ...]]]:
        clusters = {frozenset((m.article, m.paragraph) for m in c.members) for c in result.clusters}
        contained = {
            (p.outer.article, str(p.outer.paragraph), p.inner.article, str(p.inner.paragraph))
            for p in result.contained
        }
        return clusters, contained

    one = scan(articles, Params(), workers=1)
    two = scan(shuffled, Params(), workers=2)
    assert one.clusters  # the case is not vacuous
    assert shape(one) == shape(two)
    assert all(0.0 <= m.similarity <= 1.0 for c in one.clusters for m in c.members)


records = st.builds(
    lambda i, texts: json.dumps({"id": f"r{i}", "paragraphs": texts}).encode(),
    st.integers(0, 5),
    st.lists(st.one_of(paragraph, rich_paragraph), max_size=4),
)
junk = st.one_of(
    st.binary(max_size=40),
    any_text.map(str.encode),
    st.sampled_from([b"", b"null", b"[1]", b'{"id": "x"', b'{"id": [1], "text": "a"}', b"\r"]),
).filter(lambda line: b"\n" not in line)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.one_of(records, junk), min_size=1, max_size=12))
def test_filter_emits_one_record_per_line_in_order(lines: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        runner = CliRunner()
        with runner.isolation(input=b"\n".join(lines) + b"\n") as (out, _, _):
            status = run(["filter", "--index", f"{folder}/idx", "--workers", "1"])
            written = out.getvalue().splitlines()
    assert status in (0, 2)
    assert len(written) == len(lines)
    for number, (line, output) in enumerate(zip(lines, written, strict=True), 1):
        result = json.loads(output)
        if "error" in result:
            assert result["line"] == number
        else:
            assert result["id"] == str(json.loads(line)["id"])


@given(
    st.one_of(
        st.text(),
        st.from_regex(
            r"[A-Z][a-z]{2}, \d{1,25} [A-Z][a-z]{2} \d{1,25} \d{1,25}:\d\d:\d\d [+-]?\d{1,25}"
        ),
        st.from_regex(r"\d{1,12}-\d{1,4}-\d{1,4}T\d{1,4}:\d\d(:\d\d)?([+-]\d{1,6}|Z)?"),
    )
)
@example("Thu, 12 Sep 99999999999999999999 10:15:00 GMT")
@example("Thu, 12 Sep 2024 10:15:00 +99999999999999999999")
def test_any_publication_time_is_read_or_unknown(text: str) -> None:
    """A date from an article's metadata is a time or None, never an exception (an
    overflowing RFC 2822 year stopped whole runs)."""
    from dedup.dates import parse

    found = parse(text)
    assert found is None or isinstance(found, float)
