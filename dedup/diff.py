"""Word-level differences between two paragraphs, for people to read."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Literal

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")

Op = Literal["equal", "delete", "insert"]


def tokens(text: str) -> list[str]:
    """Words, runs of whitespace and single punctuation marks, in order."""
    return _TOKEN.findall(text)


def word_diff(old: str, new: str) -> list[tuple[Op, str]]:
    """How to turn `old` into `new`: ("equal" | "delete" | "insert", text) pieces.

    Punctuation marks are tokens of their own, so an added period shows as one
    inserted ".", not as a changed word.
    """
    a, b = tokens(old), tokens(new)
    pieces: list[tuple[Op, str]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.append(("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("delete", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(("insert", "".join(b[j1:j2])))
    return pieces
