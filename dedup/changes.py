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

import functools
import re
import unicodedata
from collections.abc import Sequence
from difflib import SequenceMatcher

COSMETIC = frozenset({"identical", "punctuation", "glyphs", "case", "spacing"})
SUBSTANTIVE = frozenset({"number", "words"})
ORDER = (
    "identical", "punctuation", "glyphs", "case", "spacing",
    "number", "words", "trimmed", "extended", "merged", "contained",
)  # fmt: skip

_SPLIT = re.compile(r"(\w+)")
_WORD_CHAR = re.compile(r"\w")
_WORDS = re.compile(r"\w+")
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


@functools.lru_cache(maxsize=4096)
def word_parts(text: str) -> tuple[list[str], list[str], list[str]]:
    """(words, match keys, gaps): gaps[i] is the text before words[i], gaps[-1] the tail.

    Cached: the first member of a cluster is compared with every other.
    """
    pieces = _SPLIT.split(text)
    words, gaps = pieces[1::2], pieces[0::2]
    if not words:
        return words, [], gaps
    keys = "\x00".join(words).lower().split("\x00") if text.isascii() else match_keys(words)
    return words, keys, gaps


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


def match_keys(words: list[str]) -> list[str]:
    """Words as matching compares them: NFKC and case-folded."""
    return [
        w.casefold() if w.isascii() else unicodedata.normalize("NFKC", w).casefold() for w in words
    ]


Op = tuple[str, int, int, int, int]
_SMALL_EDIT = 8  # words: a differing middle this short is one edit, not worth aligning


def word_opcodes(a: list[str], b: list[str]) -> Sequence[Op]:
    """SequenceMatcher's opcodes for two word lists, cheaply in the common cases of copies.

    Equal lists, or one sitting whole inside the other (a dateline added, a sentence
    cut), are answered directly; otherwise the common first and last words are set
    aside and only a long enough middle is handed to SequenceMatcher.
    """
    if a == b:
        return [("equal", 0, len(a), 0, len(b))]
    if a and len(a) <= len(b) and (at := _find(b, a)) >= 0:
        return _around(at, len(a), len(b), "insert")
    if b and len(b) < len(a) and (at := _find(a, b)) >= 0:
        return [(t, j1, j2, i1, i2) for t, i1, i2, j1, j2 in _around(at, len(b), len(a), "delete")]
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    end_a, end_b = len(a) - tail, len(b) - tail
    if max(end_a - head, end_b - head) <= _SMALL_EDIT:
        tag = "replace" if end_a > head and end_b > head else "delete" if end_a > head else "insert"
        middle: list[Op] = [(tag, head, end_a, head, end_b)]
    else:
        matcher = SequenceMatcher(None, a[head:end_a], b[head:end_b], autojunk=False)
        middle = [
            (t, i1 + head, i2 + head, j1 + head, j2 + head)
            for t, i1, i2, j1, j2 in matcher.get_opcodes()
        ]
    ops: list[Op] = [("equal", 0, head, 0, head)] if head else []
    ops += middle
    if tail:
        ops.append(("equal", end_a, len(a), end_b, len(b)))
    return ops


def _around(at: int, short: int, long: int, tag: str) -> list[Op]:
    """Opcodes (short-side range, long-side range) for a short run found at `at` in a long one."""
    ops: list[Op] = [(tag, 0, 0, 0, at)] if at else []
    ops.append(("equal", 0, short, at, at + short))
    if at + short < long:
        ops.append((tag, short, short, at + short, long))
    return ops


def _find(long: list[str], short: list[str]) -> int:
    """Where `short` starts as a contiguous run inside `long`, or -1."""
    first = short[0]
    for start in range(len(long) - len(short) + 1):
        if long[start] == first and long[start : start + len(short)] == short:
            return start
    return -1


@functools.lru_cache(maxsize=65536)
def classify(first: str, other: str) -> tuple[str, ...]:
    """The change classes of `other` relative to `first`, in vocabulary order.

    Copies usually differ in one place. When one text holds the other whole, only the
    words around it are counted. When their lengths are close, only the differing
    middle (widened to whole words) is compared: what comes before and after it is the
    same in both. Otherwise (a trimmed or merged copy with other edits) the words of
    both are aligned in full.
    """
    if first == other:
        return ("identical",)
    first_words = len(word_parts(first)[0])
    found = _edges(first, other, first_words)
    if found is None and abs(len(first.split()) - len(other.split())) > _SMALL_EDIT:
        found = changes_between(first, other, first_words=first_words)  # align it all
    if found is None:
        head, tail = _common_ends(first, other)
        found = changes_between(
            first[head : len(first) - tail],
            other[head : len(other) - tail],
            at_start=not _WORD_CHAR.search(first, 0, head),
            at_end=not _WORD_CHAR.search(first, len(first) - tail),
            first_words=first_words,
        )
    return tuple(c for c in ORDER if c in found) or ("spacing",)


def _edges(first: str, other: str, first_words: int) -> set[str] | None:
    """Classes when one text holds the other whole, with words around it; else None."""
    outer, inner, tag = (
        (first, other, "delete") if len(other) < len(first) else (other, first, "insert")
    )
    at = outer.find(inner) if inner.strip() else -1
    if at < 0:
        return None
    found: set[str] = set()
    for part in (outer[:at], outer[at + len(inner) :]):
        count = len(_WORDS.findall(part))
        if count:
            found.add(_edge_class(tag, count, first_words))
        else:
            found |= _gap_classes(part, "")
    return found if found & {"trimmed", "extended", "merged", "contained"} else None


def classify_many(pairs: Sequence[tuple[str, str]]) -> list[tuple[str, ...]]:
    """`classify` for many (first, other) pairs: a task for a worker process."""
    return [classify(first, other) for first, other in pairs]


def changes_between(
    a: str, b: str, at_start: bool = True, at_end: bool = True, first_words: int | None = None
) -> set[str]:
    """The change classes between two texts (or the differing middles of two texts).

    `at_start`/`at_end` say whether the texts begin/end where the paragraphs do (words
    added or cut there are edge changes); `first_words` is the first paragraph's length.
    """
    raw_a, key_a, gaps_a = word_parts(a)
    raw_b, key_b, gaps_b = word_parts(b)
    length = len(key_a) if first_words is None else first_words
    found: set[str] = set()
    for tag, i1, i2, j1, j2 in word_opcodes(key_a, key_b):
        if tag == "equal":
            if raw_a[i1:i2] != raw_b[j1:j2]:
                found.add("case")
            if gaps_a[i1 + 1 : i2] != gaps_b[j1 + 1 : j2]:
                for k in range(1, i2 - i1):
                    found |= _gap_classes(gaps_a[i1 + k], gaps_b[j1 + k])
            if i1 == 0 and j1 == 0:
                found |= _gap_classes(gaps_a[0], gaps_b[0])
            if i2 == len(key_a) and j2 == len(key_b):
                found |= _gap_classes(gaps_a[-1], gaps_b[-1])
            continue
        at_edge = (i1 == 0 and j1 == 0 and at_start) or (
            i2 == len(key_a) and j2 == len(key_b) and at_end
        )
        if tag in ("delete", "insert") and at_edge:
            found.add(_edge_class(tag, i2 - i1 + j2 - j1, length))
            continue
        changed = key_a[i1:i2] + key_b[j1:j2]
        if any(_is_number(w) for w in changed):
            found.add("number")
        if not all(_is_number(w) for w in changed):
            found.add("words")
    if not key_a and not key_b:
        found |= _gap_classes(a, b)
    return found


def _common_ends(a: str, b: str) -> tuple[int, int]:
    """Lengths of the common start and end of a and b, not cutting into a word."""
    short = min(len(a), len(b))
    lo, hi = 0, short
    while lo < hi:  # longest common prefix, by halving (slices compare in C)
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if a[:mid] == b[:mid] else (lo, mid - 1)
    head = lo
    while head and _word(a[head - 1]) and (_word(a[head : head + 1]) or _word(b[head : head + 1])):
        head -= 1
    lo, hi = 0, short - head
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if a[len(a) - mid :] == b[len(b) - mid :] else (lo, mid - 1)
    tail = lo
    while (
        tail
        and _word(a[len(a) - tail])
        and (
            _word(a[len(a) - tail - 1 : len(a) - tail])
            or _word(b[len(b) - tail - 1 : len(b) - tail])
        )
    ):
        tail -= 1
    return head, tail


def _word(char: str) -> bool:
    return bool(char) and (char.isalnum() or char == "_")


_WHOLE = 8  # fewer words added or cut at an edge are a dateline or an attribution


def _edge_class(tag: str, count: int, len_first: int) -> str:
    large = count >= _WHOLE and count * 2 >= len_first
    if tag == "delete":  # other lacks words of the first
        return "contained" if large else "trimmed"
    return "merged" if large else "extended"
