"""Word-level differences between two paragraphs, for people to read.

Tokens are the units matching sees (words, and single characters of Chinese,
Japanese, Thai and the other unspaced scripts, so a dropped 。 shows on its own),
runs of whitespace and single punctuation marks. The common start and end are set
aside; the middle is aligned with difflib when that is cheap, else sentence by
sentence first: difflib's cost grows with the product of the two lengths (two copies
of 20,000 words took 40 s), and a report must not cost much more than its JSON.
"""

from __future__ import annotations

import collections
import itertools
import re
from collections.abc import Hashable, Sequence
from difflib import SequenceMatcher
from typing import Literal

from ..changes import common_ends
from ..normalize import split_units

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
_GAP = re.compile(r"\s+|\S")
_END = frozenset(".!?;:")
_CJK_END = frozenset("。！？；")
FINE = 200_000
"""`pairs` up to which a stretch is aligned token by token; above it, it is aligned
sentence by sentence, and what still differs is aligned token by token where that
costs no more, else shown as deleted and inserted whole."""

DiffTag = Literal["equal", "delete", "insert"]
_Span = tuple[str, int, int, int, int]


def tokens(text: str) -> list[str]:
    """Units, runs of whitespace and single punctuation marks, in order."""
    if text.isascii():
        return _TOKEN.findall(text)
    units, gaps = split_units(text)
    found: list[str] = []
    for gap, unit in zip(gaps, [*units, ""], strict=True):
        found += _GAP.findall(gap)
        if unit:
            found.append(unit)
    return found


def word_diff(old: str, new: str) -> list[tuple[DiffTag, str]]:
    """How to turn `old` into `new`: ("equal" | "delete" | "insert", text) pieces.

    Punctuation marks are tokens of their own, so an added period shows as one
    inserted ".", not as a changed word.

    >>> word_diff('ceasefire"', 'ceasefire."')
    [('equal', 'ceasefire'), ('insert', '.'), ('equal', '"')]
    """
    a, b = tokens(old), tokens(new)
    pieces: list[tuple[DiffTag, str]] = []
    for tag, i1, i2, j1, j2 in _opcodes(a, b):
        if tag == "equal":
            pieces.append(("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("delete", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(("insert", "".join(b[j1:j2])))
    return pieces


def _opcodes(a: list[str], b: list[str]) -> list[_Span]:
    """Aligned stretches of a and b: the common ends, then the middle (see FINE)."""
    head, tail = common_ends(a, b)
    ops: list[_Span] = [("equal", 0, head, 0, head)] if head else []
    ops += _middle(a, b, head, len(a) - tail, head, len(b) - tail)
    if tail:
        ops.append(("equal", len(a) - tail, len(a), len(b) - tail, len(b)))
    return ops


def _middle(a: list[str], b: list[str], i1: int, i2: int, j1: int, j2: int) -> list[_Span]:
    if pairs(a[i1:i2], b[j1:j2]) <= FINE:
        return _fine(a, b, i1, i2, j1, j2)
    cuts_a, cuts_b = _sentences(a, i1, i2), _sentences(b, j1, j2)
    keys_a = [tuple(a[s:e]) for s, e in itertools.pairwise(cuts_a)]
    keys_b = [tuple(b[s:e]) for s, e in itertools.pairwise(cuts_b)]
    if pairs(keys_a, keys_b) > FINE:
        return [("replace", i1, i2, j1, j2)]
    ops: list[_Span] = []
    for tag, s1, s2, t1, t2 in SequenceMatcher(None, keys_a, keys_b, autojunk=False).get_opcodes():
        span = (cuts_a[s1], cuts_a[s2], cuts_b[t1], cuts_b[t2])
        if tag == "equal":
            ops.append(("equal", *span))
        elif pairs(a[span[0] : span[1]], b[span[2] : span[3]]) <= FINE:
            ops += _fine(a, b, *span)
        else:
            ops.append(("replace", *span))
    return ops


def pairs(a: Sequence[Hashable], b: Sequence[Hashable]) -> int:
    """Pairs of equal elements of a and b: what one pass of difflib's matcher walks
    through (a word or a space repeated in both texts makes it quadratic)."""
    counts = collections.Counter(b)
    return sum(counts[x] for x in a)


def _fine(a: list[str], b: list[str], i1: int, i2: int, j1: int, j2: int) -> list[_Span]:
    """Token by token: difflib's opcodes, shifted to a and b."""
    matcher = SequenceMatcher(None, a[i1:i2], b[j1:j2], autojunk=False)
    return [
        (tag, s1 + i1, s2 + i1, t1 + j1, t2 + j1) for tag, s1, s2, t1, t2 in matcher.get_opcodes()
    ]


def _sentences(found: list[str], start: int, end: int) -> list[int]:
    """Where the sentences of found[start:end] begin, and `end`: a cut after a CJK stop,
    after the space that follows a stop, and after a line break."""
    cuts = [start]
    for k in range(start + 1, end):
        token, before = found[k - 1], found[k - 2] if k - 2 >= start else ""
        if token in _CJK_END or (token[0].isspace() and ("\n" in token or before in _END)):
            cuts.append(k)
    cuts.append(end)
    return cuts
