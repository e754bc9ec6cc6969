"""Word diffs for people: what they show, and that their cost stays bounded."""

from __future__ import annotations

import collections
import difflib
import random
from pathlib import Path
from typing import Any

import pytest

from dedup.report import diff
from dedup.report.diff import word_diff


def test_an_added_period_is_one_inserted_mark(seed: Path) -> None:
    lines = seed.read_text().splitlines()
    pieces = word_diff(lines[3], lines[8])
    assert [p for p in pieces if p[0] != "equal"] == [("insert", ".")]


def _sides(pieces: list[tuple[str, str]]) -> tuple[str, str]:
    old = "".join(t for op, t in pieces if op != "insert")
    new = "".join(t for op, t in pieces if op != "delete")
    return old, new


LIMIT = 1_000_000  # pairs of equal tokens one pass of difflib walks: a few hundred ms at most


@pytest.fixture
def matched(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The work of every difflib matcher the diff starts (pairs of equal tokens, which one
    pass of its longest-match search walks); one over LIMIT fails at once, before its
    quadratic run."""
    work: list[int] = []

    class Counted(difflib.SequenceMatcher):  # type: ignore[type-arg]
        def set_seqs(self, a: Any, b: Any) -> None:
            counts = collections.Counter(b)
            work.append(sum(counts[x] for x in a))
            assert work[-1] <= LIMIT, f"a matcher over {len(a)} x {len(b)} tokens"
            super().set_seqs(a, b)

    monkeypatch.setattr(diff, "SequenceMatcher", Counted)
    return work


def test_two_copies_of_twenty_thousand_words_diff_in_bounded_work(
    reuters: list[dict[str, Any]], matched: list[int]
) -> None:
    text = " ".join(p for r in reuters[:3000] for p in r["paragraphs"])
    words = text.split(" ")[:20000]
    old = " ".join(words)
    edited = list(words)
    rng = random.Random(11)
    changed = sorted(rng.sample(range(100, 19000), 12))
    for k, at in enumerate(changed):
        edited[at] = f"CHANGED{k}"
    cut = edited[19500:19540]
    del edited[19500:19540]
    new = " ".join(edited)
    pieces = word_diff(old, new)
    assert _sides(pieces) == (old, new)
    inserted = [t.strip() for op, t in pieces if op == "insert"]
    deleted = " ".join(t.strip() for op, t in pieces if op == "delete")
    assert inserted == [f"CHANGED{k}" for k in range(len(changed))]
    assert " ".join(cut) in deleted
    assert len(deleted) < len(" ".join(cut)) + sum(len(words[at]) + 1 for at in changed) + 10
    assert matched and max(matched) <= LIMIT


def test_a_repetitive_pair_falls_back_to_whole_sentences(matched: list[int]) -> None:
    old = "the cat sat. " * 5000
    new = "the cat sat. " * 2500 + "the dog sat. " + "the cat sat. " * 2499
    pieces = word_diff(old, new)
    assert _sides(pieces) == (old, new)
    assert max(matched) <= LIMIT
