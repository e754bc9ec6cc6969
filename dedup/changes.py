"""What differs between two near-duplicate paragraphs, in words an editor uses.

`classify(first, other)` labels `other` against `first` with classes from a fixed
vocabulary. Cosmetic classes are what `clean` removes without asking; the others
mean the copy says something the first does not (or lacks something it says).

identical    the texts are equal
punctuation  punctuation marks added, removed or changed (the Kirby case: a period)
glyphs       quote, dash, ellipsis or other Unicode variants of the same mark
case         letter case
spacing      whitespace
number       a number changed ("12 killed" / "15 killed")
words        a word or name changed, added or removed in the middle
trimmed      other lacks words at the start or end
extended     other has extra words at the start or end (a dateline, an attribution)
merged       other holds another paragraph too (8+ extra words, half the first or more)
contained    other sits inside the first (it lacks 8+ words, half the first or more)
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

COSMETIC = frozenset({"identical", "punctuation", "glyphs", "case", "spacing"})
SUBSTANTIVE = frozenset({"number", "words"})
ORDER = (
    "identical", "punctuation", "glyphs", "case", "spacing",
    "number", "words", "trimmed", "extended", "merged", "contained",
)  # fmt: skip

_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")
_GLYPHS = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"', "\u2039": "'", "\u203a": "'",
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-", "\u2026": "...", "\u00a0": " ",
    }
)  # fmt: skip


def fold_glyphs(text: str) -> str:
    """NFKC, with curly quotes made straight, dashes made hyphens, ellipses three dots."""
    return unicodedata.normalize("NFKC", text).translate(_GLYPHS)


def _words(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    spans = [m.span() for m in _WORD.finditer(text)]
    return [text[a:b] for a, b in spans], spans


def _gaps(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """The text before the first word, between each two words, and after the last."""
    edges = [0, *(x for span in spans for x in span), len(text)]
    return [text[edges[i] : edges[i + 1]] for i in range(0, len(edges), 2)]


def _gap_classes(a: str, b: str) -> set[str]:
    if a == b:
        return set()
    fa, fb = fold_glyphs(a), fold_glyphs(b)
    found = {"glyphs"} if fa != a or fb != b else set()
    if fa == fb:
        return found or {"punctuation"}
    if _SPACE.sub(" ", fa).strip() == _SPACE.sub(" ", fb).strip():
        return found | {"spacing"}
    return found | {"punctuation"} if fa.strip() != fb.strip() else found | {"spacing"}


def _is_number(word: str) -> bool:
    return any(c.isdigit() for c in word)


def classify(first: str, other: str) -> list[str]:
    """The change classes of `other` relative to `first`, in vocabulary order."""
    if first == other:
        return ["identical"]
    raw_a, spans_a = _words(first)
    raw_b, spans_b = _words(other)
    key_a = [unicodedata.normalize("NFKC", w).casefold() for w in raw_a]
    key_b = [unicodedata.normalize("NFKC", w).casefold() for w in raw_b]
    gaps_a, gaps_b = _gaps(first, spans_a), _gaps(other, spans_b)
    found: set[str] = set()
    ops = SequenceMatcher(None, key_a, key_b, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            if any(raw_a[i] != raw_b[j] for i, j in zip(range(i1, i2), range(j1, j2), strict=True)):
                found.add("case")
            inner = range(1, i2 - i1)
            for k in inner:
                found |= _gap_classes(gaps_a[i1 + k], gaps_b[j1 + k])
            if i1 == 0 and j1 == 0:
                found |= _gap_classes(gaps_a[0], gaps_b[0])
            if i2 == len(key_a) and j2 == len(key_b):
                found |= _gap_classes(gaps_a[-1], gaps_b[-1])
            continue
        at_edge = (i1 == 0 and j1 == 0) or (i2 == len(key_a) and j2 == len(key_b))
        if tag in ("delete", "insert") and at_edge:
            found.add(_edge_class(tag, i2 - i1 + j2 - j1, len(key_a), len(key_b)))
            continue
        changed = key_a[i1:i2] + key_b[j1:j2]
        if any(_is_number(w) for w in changed):
            found.add("number")
        if not all(_is_number(w) for w in changed):
            found.add("words")
    if not key_a and not key_b:
        found |= _gap_classes(first, other)
    return [c for c in ORDER if c in found] or ["spacing"]


_WHOLE = 8  # fewer words added or cut at an edge are a dateline or an attribution


def _edge_class(tag: str, count: int, len_first: int, len_other: int) -> str:
    large = count >= _WHOLE and count * 2 >= len_first
    if tag == "delete":  # other lacks words of the first
        return "contained" if large else "trimmed"
    return "merged" if large else "extended"


def is_cosmetic(classes: list[str] | tuple[str, ...]) -> bool:
    """True when every class is cosmetic: nothing an editor would call a change."""
    return all(c in COSMETIC for c in classes)
