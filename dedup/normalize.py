"""What matching sees of a paragraph: NFKC, case-folded, words only, numbers kept.

Quotes, dashes, apostrophes and every other punctuation mark separate words and are
otherwise ignored, so curly and straight quotes, or a missing final period, do not
change a paragraph's words. Digits are word characters: "12 killed" and "15 killed"
stay different words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence


def _fold(c: int) -> int:
    """ASCII code c as matching sees it: lower-case word characters, space for the rest."""
    if chr(c).isalnum() or c == ord("_"):
        return ord(chr(c).lower())
    return ord(" ")


_ASCII_FOLD = {c: _fold(c) for c in range(128)}
# The same fold on UTF-8 bytes; NUL is kept (it separates paragraphs in a buffer) and
# bytes >= 128 are kept (they belong to words once match_text has run).
_BYTE_FOLD = bytes(_fold(c) if 0 < c < 128 else c for c in range(256))
_NON_WORD = re.compile(r"\W+")


def match_text(text: str) -> str:
    """The paragraph as matching sees it: lower-case words separated by spaces.

    Words are the `\\w+` runs of the NFKC, case-folded text, the same words as
    `re.findall(r"\\w+", text.lower())` for ASCII text. Runs of spaces may remain.
    """
    if text.isascii():
        return text.translate(_ASCII_FOLD)
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold())


def words(text: str) -> list[str]:
    """The normalized words of a paragraph, in order."""
    return match_text(text).split()


def match_buffer(texts: Sequence[str]) -> bytes:
    """Every paragraph as `match_text` sees it, UTF-8 encoded, separated by NUL bytes.

    In the result a byte is part of a word exactly when it is above 32.
    """
    joined = "\x00".join(t if t.isascii() else match_text(t) for t in texts)
    if joined.count("\x00") != max(len(texts) - 1, 0):
        joined = "\x00".join(match_text(t) for t in texts)
    return joined.encode("utf-8").translate(_BYTE_FOLD)
