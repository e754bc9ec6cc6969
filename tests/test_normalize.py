import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedup.normalize import match_buffer, match_text, words


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ('He said "we are concerned"', "he said \u201cwe are concerned.\u201d"),
        ("Kyiv \u2014 the capital", "Kyiv - the capital"),
        ("U.S.  officials\tsaid", "u s officials said"),
        ("\uff21\uff22\uff23 rose", "ABC rose"),  # fullwidth letters fold under NFKC
        ("STRASSE", "stra\u00dfe"),  # case folding
    ],
)
def test_cosmetic_differences_fold_away(a: str, b: str) -> None:
    assert words(a) == words(b)


def test_numbers_are_kept() -> None:
    assert words("12 killed in blast") != words("15 killed in blast")
    assert "12" in words("12 killed")


def test_ascii_matches_the_ground_truth_tokenizer(reuters: list) -> None:
    for record in reuters[:2000]:
        for text in record["paragraphs"]:
            if text.isascii():
                assert words(text) == re.findall(r"\w+", text.lower())


@given(st.lists(st.text(max_size=40), max_size=8))
def test_buffer_holds_every_paragraph_once(texts: list[str]) -> None:
    buffer = match_buffer(texts)
    parts = buffer.split(b"\x00") if texts else []
    assert len(parts) == len(texts)
    for raw, part in zip(texts, parts, strict=True):
        assert part.decode().split() == match_text(raw).split()
