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
from collections.abc import Sequence
from difflib import SequenceMatcher
from enum import StrEnum

from .normalize import WORDS, glyphs_folded, kind, split_units, words


class ChangeClass(StrEnum):
    """The vocabulary (see the module docstring), in the order classes are listed.

    A member is its name as a string: `ChangeClass.NUMBER == "number"`, and JSON holds
    the string.
    """

    IDENTICAL = "identical"
    PUNCTUATION = "punctuation"
    GLYPHS = "glyphs"
    CASE = "case"
    SPACING = "spacing"
    NUMBER = "number"
    WORDS = "words"
    TRIMMED = "trimmed"
    EXTENDED = "extended"
    MERGED = "merged"
    CONTAINED = "contained"

    def __repr__(self) -> str:
        return repr(self.value)  # ('extended',), as the string it stands for


C = ChangeClass
COSMETIC = frozenset({C.IDENTICAL, C.PUNCTUATION, C.GLYPHS, C.CASE, C.SPACING})
SUBSTANTIVE = frozenset({C.NUMBER, C.WORDS})
ORDER = tuple(ChangeClass)

_WORD_CHAR = re.compile(r"\w")
_SPACE = re.compile(r"\s+")
_GLYPHS = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"', "\u2039": "'", "\u203a": "'",
        "\u300c": '"', "\u300d": '"', "\u300e": '"', "\u300f": '"',  # CJK corner brackets
        "\u300a": '"', "\u300b": '"', "\u3008": '"', "\u3009": '"',  # CJK title marks
        "\u301d": '"', "\u301e": '"', "\u301f": '"',
        "\u3010": "[", "\u3011": "]", "\u3014": "[", "\u3015": "]", "\u3016": "[",
        "\u3017": "]", "\u3002": ".", "\uff61": ".", "\u3001": ",", "\uff64": ",",
        "\u060c": ",", "\u061b": ";", "\u061f": "?", "\u066a": "%", "\u06d4": ".",
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-", "\u2026": "...", "\u00a0": " ",
    }
)  # fmt: skip
_NUMERALS = frozenset("〇零一二三四五六七八九十百千万萬亿億两兩")  # Han numerals


def fold_glyphs(text: str) -> str:
    """NFKC, with curly quotes and CJK quotes and brackets made straight, dashes made
    hyphens, ellipses three dots, CJK and Arabic stops and commas made ASCII, and the
    glyph differences matching drops (zero-width characters, soft hyphens) dropped."""
    return glyphs_folded(text).translate(_GLYPHS)


@functools.lru_cache(maxsize=65536)
def _key(unit: str) -> str:
    return "".join(words(unit))


@functools.lru_cache(maxsize=4096)
def word_parts(text: str) -> tuple[list[str], list[str], list[str]]:
    """(units, match keys, gaps): gaps[i] is the text before units[i], gaps[-1] the tail.

    Units are words, or characters of unspaced scripts (`normalize.split_units`).
    Cached: the first member of a cluster is compared with every other.
    """
    units, gaps = split_units(text)
    if text.isascii():
        return units, "\x00".join(units).lower().split("\x00") if units else [], gaps
    kept, keys, between = [], [], [gaps[0]]
    for unit, gap in zip(units, gaps[1:], strict=True):
        key = unit.lower() if unit.isascii() else _key(unit)
        if key:
            kept.append(unit)
            keys.append(key)
            between.append(gap)
        else:  # only what matching drops (a lone zero-width character): part of the gap
            between[-1] += unit + gap
    return kept, keys, between


def _gap_classes(a: str, b: str) -> set[str]:
    if a == b:
        return set()
    fa, fb = fold_glyphs(a), fold_glyphs(b)
    if fa == fb:
        return {"glyphs"}
    found = {"glyphs"} if _swapped(a, fb) or _swapped(b, fa) else set()
    if _SPACE.sub(" ", fa).strip() == _SPACE.sub(" ", fb).strip():
        return found | {"spacing"}
    return found | {"punctuation"} if fa.strip() != fb.strip() else found | {"spacing"}


def _swapped(gap: str, other: str) -> bool:
    """Whether `gap` holds a variant of a mark that `other` (folded) holds: a glyph
    change, as opposed to a mark added or dropped (a lone 。 dropped is punctuation)."""
    return any(fold_glyphs(c) != c and fold_glyphs(c) in other for c in set(gap))


def _unit_classes(a: str, b: str) -> set[str]:
    """Classes of two units that matching sees as one (letter case, glyphs)."""
    if _case_key(a) == _case_key(b):
        return {"case"}
    return {"glyphs"} if glyphs_folded(a) == glyphs_folded(b) else {"glyphs", "case"}


def _case_key(unit: str) -> str:
    return unit.casefold().replace("i\u0307", "i").replace("\u0131", "i")


def _is_number(word: str) -> bool:
    return any(c.isdigit() or c in _NUMERALS for c in word)


Opcode = tuple[str, int, int, int, int]
_SMALL_EDIT = 8  # words: a differing middle this short is one edit, not worth aligning


def common_ends(a: Sequence[str], b: Sequence[str]) -> tuple[int, int]:
    """How many tokens a and b share at their start, and then at their end.

    >>> common_ends(["a", "b", "c"], ["a", "x", "c"])
    (1, 1)
    """
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    return head, tail


def word_opcodes(a: list[str], b: list[str]) -> Sequence[Opcode]:
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
    head, tail = common_ends(a, b)
    end_a, end_b = len(a) - tail, len(b) - tail
    if max(end_a - head, end_b - head) <= _SMALL_EDIT:
        tag = "replace" if end_a > head and end_b > head else "delete" if end_a > head else "insert"
        middle: list[Opcode] = [(tag, head, end_a, head, end_b)]
    else:
        matcher = SequenceMatcher(None, a[head:end_a], b[head:end_b], autojunk=False)
        middle = [
            (t, i1 + head, i2 + head, j1 + head, j2 + head)
            for t, i1, i2, j1, j2 in matcher.get_opcodes()
        ]
    ops: list[Opcode] = [("equal", 0, head, 0, head)] if head else []
    ops += middle
    if tail:
        ops.append(("equal", end_a, len(a), end_b, len(b)))
    return ops


def _around(at: int, short: int, long: int, tag: str) -> list[Opcode]:
    """Opcodes (short-side range, long-side range) for a short run found at `at` in a long one."""
    ops: list[Opcode] = [(tag, 0, 0, 0, at)] if at else []
    ops.append(("equal", 0, short, at, at + short))
    if at + short < long:
        ops.append((tag, short, short, at + short, long))
    return ops


def _find(long: list[str], short: list[str]) -> int:
    """Where `short` starts as a contiguous run inside `long`, or -1.

    One `str.find` over the tokens joined by NUL (linear in practice, where comparing
    at every start is quadratic on a long paragraph of repeated words); tokens that hold
    a NUL themselves are compared at every start.
    """
    if len(short) > len(long):
        return -1
    if any("\x00" in t for t in long) or any("\x00" in t for t in short):
        first = short[0]
        for start in range(len(long) - len(short) + 1):
            if long[start] == first and long[start : start + len(short)] == short:
                return start
        return -1
    at = ("\x00" + "\x00".join(long) + "\x00").find("\x00" + "\x00".join(short) + "\x00")
    return -1 if at < 0 else ("\x00" + "\x00".join(long))[: at + 1].count("\x00") - 1


@functools.lru_cache(maxsize=65536)
def classify(first: str, other: str) -> tuple[ChangeClass, ...]:
    """The change classes of `other` relative to `first`, in vocabulary order.

    >>> classify("12 people were killed.", "15 people were killed.")
    ('number',)
    >>> classify("the talks would resume", "the talks would resume.")
    ('punctuation',)

    Copies usually differ in one place. When one text holds the other whole, only the
    words around it are counted. When their lengths are close, only the differing
    middle (widened to whole words) is compared: what comes before and after it is the
    same in both. Otherwise (a trimmed or merged copy with other edits) the words of
    both are aligned in full.
    """
    if first == other:
        return (C.IDENTICAL,)
    first_words = len(word_parts(first)[0])
    found = _edges(first, other, first_words)
    if found is None and abs(_length(first) - _length(other)) > _SMALL_EDIT:
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
    return tuple(c for c in ORDER if c in found) or (C.SPACING,)


def _length(text: str) -> int:
    """Words as spaces count them (characters, for an unspaced script)."""
    if not text.isascii():
        units = word_parts(text)[1]
        if kind(units) != WORDS:
            return len(units)
    return len(text.split())


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
        count = len(words(part))
        if count:
            found.add(_edge_class(tag, count, first_words))
        else:
            found |= _gap_classes(part, "")
    return found if found & {"trimmed", "extended", "merged", "contained"} else None


def classify_many(pairs: Sequence[tuple[str, str]]) -> list[tuple[ChangeClass, ...]]:
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
                for ra, rb in zip(raw_a[i1:i2], raw_b[j1:j2], strict=True):
                    if ra != rb:
                        found |= _unit_classes(ra, rb)
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
    while head and (
        _joined(a[head - 1], a[head : head + 1]) or _joined(a[head - 1], b[head : head + 1])
    ):
        head -= 1
    lo, hi = 0, short - head
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if a[len(a) - mid :] == b[len(b) - mid :] else (lo, mid - 1)
    tail = lo
    while tail and (
        _joined(a[len(a) - tail - 1 : len(a) - tail], a[len(a) - tail])
        or _joined(b[len(b) - tail - 1 : len(b) - tail], a[len(a) - tail])
    ):
        tail -= 1
    return head, tail


def _joined(before: str, after: str) -> bool:
    """Whether two adjacent characters belong to one unit (cutting between them would
    cut a word; between two Chinese characters it cuts nothing)."""
    if not before or not after:
        return False
    if before.isascii() and after.isascii():
        return (before.isalnum() or before == "_") and (after.isalnum() or after == "_")
    return split_units(before + after) == ([before + after], ["", ""])


_WHOLE = 8  # fewer words added or cut at an edge are a dateline or an attribution


def _edge_class(tag: str, count: int, len_first: int) -> str:
    large = count >= _WHOLE and count * 2 >= len_first
    if tag == "delete":  # other lacks words of the first
        return "contained" if large else "trimmed"
    return "merged" if large else "extended"
