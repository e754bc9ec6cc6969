"""Change classes: what differs between two near-duplicate paragraphs."""

import random
from pathlib import Path

import pytest
from edits import EDITS
from hypothesis import given
from hypothesis import strategies as st

from dedup.changes import COSMETIC, _find, classify
from dedup.normalize import words


def _cosmetic(classes: tuple[str, ...] | list[str]) -> bool:
    return set(classes) <= COSMETIC


def test_seed_kirby_copy_differs_by_punctuation_only(seed: Path) -> None:
    lines = seed.read_text().splitlines()
    assert classify(lines[3], lines[8]) == ("punctuation",)
    assert _cosmetic(classify(lines[3], lines[8]))


@pytest.mark.parametrize(
    ("first", "other", "expected"),
    [
        ("Same text.", "Same text.", ["identical"]),
        ('He said "no".', "He said \u201cno\u201d.", ["glyphs"]),
        ("Kyiv - the capital", "Kyiv \u2014 the capital", ["glyphs"]),
        ("THE MINISTER SAID SO", "The minister said so", ["case"]),
        ("Talks  resume\tnow", "Talks resume now", ["spacing"]),
        ("Talks resume now.", "Talks resume now!", ["punctuation"]),
        ("12 people were killed in the blast.", "15 people were killed in the blast.", ["number"]),
        (
            "The minister said talks would resume.",
            "The minister said talks would restart.",
            ["words"],
        ),
        (
            "Oil rose 5 pct on Monday in Asia.",
            "Oil fell 6 pct on Monday in Asia.",
            ["number", "words"],
        ),
        (
            "Talks resume. Both sides agree.",
            "LONDON (Reuters) - Talks resume. Both sides agree.",
            ["extended"],
        ),
        (
            "Talks resume next week in Geneva, officials said.",
            "Talks resume next week in Geneva.",
            ["trimmed"],
        ),
    ],
)
def test_classes(first: str, other: str, expected: list[str]) -> None:
    assert list(classify(first, other)) == expected


EXPECTED = {
    "dateline": {"extended"},
    "attribution": {"extended"},
    "word": {"words"},
    "number": {"number"},
    "punctuation": {"punctuation", "glyphs"},
    "trim_first": {"trimmed", "contained"},
    "trim_last": {"trimmed", "contained"},
    "merge_next": {"merged", "extended"},
}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_each_desk_edit_of_real_reuters_paragraphs_gets_its_class(reuters: list, kind: str) -> None:
    rng = random.Random(kind)
    records = [r for r in reuters if len(r["paragraphs"]) >= 2]
    checked = hits = 0
    for record in rng.sample(records, 400):
        paragraphs = record["paragraphs"]
        i = rng.randrange(len(paragraphs) - 1)
        if len(words(paragraphs[i])) < 9:
            continue
        edited = EDITS[kind](paragraphs[i], rng, paragraphs[i + 1])
        if edited is None or edited == paragraphs[i]:
            continue
        found = set(classify(paragraphs[i], edited))
        checked += 1
        hits += bool(found & EXPECTED[kind])
        if kind == "punctuation":
            assert _cosmetic(list(found)), (paragraphs[i], edited, found)
    assert checked >= 50
    assert hits / checked >= 0.95


def test_identical_after_normalization_is_always_cosmetic(
    reuters_by_id: dict, data_dir: Path
) -> None:
    from conftest import read_jsonl_gz

    seen = 0
    for pair in read_jsonl_gz(data_dir / "reuters21578_para_pairs_j050.jsonl.gz"):
        a = reuters_by_id[pair["a"]]["paragraphs"][pair["pa"]]
        b = reuters_by_id[pair["b"]]["paragraphs"][pair["pb"]]
        if pair["identical"] and a != b:
            assert _cosmetic(classify(a, b)), (a, b)
            seen += 1
        elif words(a) != words(b):
            assert not _cosmetic(classify(a, b)), (a, b)
    assert seen > 0


TOKENS = st.lists(st.sampled_from(["a", "b", "", "a\x00", "\x00"]), max_size=8)


@given(TOKENS, TOKENS.filter(bool))
def test_a_run_of_tokens_is_found_where_it_first_starts(long: list[str], short: list[str]) -> None:
    starts = [i for i in range(len(long) - len(short) + 1) if long[i : i + len(short)] == short]
    assert _find(long, short) == (starts[0] if starts else -1)
