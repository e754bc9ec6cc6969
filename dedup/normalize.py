"""What matching sees of a paragraph: its units, folded; numbers kept.

A unit is a word where the script separates words (Latin, Cyrillic, Greek, Arabic,
Hebrew, Devanagari ...) and a single character where it does not (Han, Hiragana,
Katakana, Thai, Lao, Khmer, Myanmar) or where desks space it differently (Hangul): a
Chinese paragraph is matched on character n-grams, an English one on word n-grams, and
a paragraph that mixes them (a name in Latin letters inside a Chinese story) on both.
Why those scripts: benchmarks/RESULTS.md ("Every language").

Folding, so that a desk's cosmetic edits do not change a paragraph's units: NFKC
(full-width and half-width forms), case folding (with the Turkish dotted and dotless
i as plain i), every punctuation mark, quote, bracket and space as a separator (CJK
ones too), and these glyph differences dropped: Arabic tatweel and harakat, Hebrew
niqqud, Russian ё as е, zero-width characters, soft hyphens, bidirectional controls
and variation selectors. Digits of every script are the same digits (١٢ and １２ are
12); numbers are units like words, so "12 killed" and "15 killed" stay different.

In bulk (`match_joined`, `match_buffer`) paragraphs outside ASCII are folded character
by character through a table, and those that the table cannot fold alone (NFKC changes
them once blanked; characters beyond the BMP) one by one: the same units either way.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

import numpy as np

WORDS, CJK, SEA = 0, 1, 2
"""Kinds of unit (and of paragraph, by the kind most of its units are): words; characters
of Chinese, Japanese and Korean; characters of Thai, Lao, Khmer and Myanmar."""

# Characters that are units of their own: the letters and marks of the scripts written
# without spaces between words (their digits are folded to ASCII and stay numbers), and
# Hangul, whose spacing varies from one desk to the next.
UNSPACED_BY_KIND = {
    CJK: (
        (0x1100, 0x11FF), (0x3131, 0x318E), (0xA960, 0xA97F),  # Hangul jamo
        (0xAC00, 0xD7A3), (0xD7B0, 0xD7FF),  # Hangul syllables
        (0x3005, 0x3007), (0x3021, 0x3029), (0x3038, 0x303C),  # Han marks and numerals
        (0x3041, 0x3096), (0x3099, 0x309F),  # Hiragana
        (0x30A1, 0x30FA), (0x30FC, 0x30FF), (0x31F0, 0x31FF),  # Katakana
        (0xFF66, 0xFF9F), (0xFFA0, 0xFFDC),  # half-width Katakana and Hangul
        (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),  # Han
        (0x1AFF0, 0x1B16F),  # Kana supplements
        (0x20000, 0x3134F),  # Han extensions B to H
    ),
    SEA: (
        (0x0E01, 0x0E3A), (0x0E40, 0x0E4E),  # Thai
        (0x0E81, 0x0ECE), (0x0EDC, 0x0EDF),  # Lao
        (0x1000, 0x103F), (0x1050, 0x108F), (0x109A, 0x109F),  # Myanmar
        (0xA9E0, 0xA9EF), (0xA9FA, 0xA9FE), (0xAA60, 0xAA7F),
        (0x1780, 0x17D3), (0x17D7, 0x17D7), (0x17DC, 0x17DD),  # Khmer
    ),
}  # fmt: skip
UNSPACED = tuple(sorted(r for ranges in UNSPACED_BY_KIND.values() for r in ranges))
BMP_KINDS = bytearray(0x10000)
"""The kind of every BMP character that is a unit of its own (WORDS for the others)."""
for _kind, _ranges_of_kind in UNSPACED_BY_KIND.items():
    for _first, _last in _ranges_of_kind:
        BMP_KINDS[_first : min(_last, 0xFFFF) + 1] = bytes([_kind]) * (
            min(_last, 0xFFFF) + 1 - _first
        )
ASTRAL_KIND = CJK  # every unit of its own beyond the BMP is Han or Kana


def unit_kind(unit: str) -> int:
    """CJK or SEA for a character that is a unit of its own, else WORDS."""
    if len(unit) != 1:
        return WORDS
    code = ord(unit)
    if code < 0x10000:
        return BMP_KINDS[code]
    return ASTRAL_KIND if any(a <= code <= b for a, b in UNSPACED) else WORDS


def kind(units: Sequence[str]) -> int:
    """The kind of a paragraph: CJK or SEA when more than half its units are characters
    of that kind, else WORDS (English, Arabic, Russian; an English name in a Chinese
    paragraph leaves it CJK)."""
    counts = [0, 0, 0]
    for unit in units:
        counts[unit_kind(unit)] += 1
    return next((k for k in (CJK, SEA) if counts[k] * 2 > len(units)), WORDS)


def _ranges(codes: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted code points as (first, last) runs."""
    runs: list[tuple[int, int]] = []
    for c in codes:
        if runs and runs[-1][1] == c - 1:
            runs[-1] = (runs[-1][0], c)
        else:
            runs.append((c, c))
    return runs


def _char_class(ranges: Sequence[tuple[int, int]]) -> str:
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


# Glyph differences dropped before matching (see the module docstring).
_DROPPED = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C),  # soft hyphen, CGJ, ALM
    (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0xFEFF, 0xFEFF),  # zero-width, bidi
    (0xFE00, 0xFE0F), (0xE0100, 0xE01EF), (0xE0001, 0xE007F),  # variation selectors, tags
    (0x0640, 0x0640),  # Arabic tatweel
    (0x0610, 0x061A), (0x064B, 0x065F), (0x0670, 0x0670), (0x06D6, 0x06DC),  # harakat
    (0x06DF, 0x06E4), (0x06E7, 0x06E8), (0x06EA, 0x06ED), (0x08D3, 0x08E1), (0x08E3, 0x08FF),
    (0x0591, 0x05BD), (0x05BF, 0x05BF), (0x05C1, 0x05C2), (0x05C4, 0x05C5),  # niqqud
    (0x05C7, 0x05C7),
)  # fmt: skip
_LETTERS = {"ё": "е", "Ё": "Е", "ı": "i", "İ": "i"}
# NFKC's own decompositions of the Thai and Lao sara am, done early: most Thai text
# holds one and would otherwise be normalized in full.
_LETTERS |= {"\u0e33": "\u0e4d\u0e32", "\u0eb3": "\u0ecd\u0eb2"}


def _fold(c: int) -> int:
    """ASCII code c as matching sees it: lower-case word characters, space for the rest."""
    if _word(chr(c)):
        return ord(chr(c).lower())
    return ord(" ")


def _word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _separator(char: str) -> bool:
    """Neither a word character nor a mark, and no word character or mark under NFKC."""
    if unicodedata.is_normalized("NFKC", char):
        return not _word(char)
    return not any(_word(x) or unicodedata.category(x)[0] == "M" for x in _nfkc(char))


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


_ASCII_FOLD = {c: _fold(c) for c in range(128)}
# The same fold on UTF-8 bytes; NUL is kept (it separates paragraphs in a buffer) and
# bytes >= 128 are kept (they belong to words once match_text has run).
_BYTE_FOLD = bytes(_fold(c) if 0 < c < 128 else c for c in range(256))


class _Folder:
    """The non-ASCII folds, as regular expressions over the given characters.

    Separators are the characters that are neither word characters nor combining
    marks. Those that NFKC keeps free of word characters and marks (most punctuation
    and spaces, CJK and full-width ones too) are blanked before NFKC, so that most text
    is NFKC already and skips it.
    """

    def __init__(self, chars: range | list[int], dropped: Sequence[tuple[int, int]]) -> None:
        top = max(chars)
        unspaced = _char_class([(a, min(b, top)) for a, b in UNSPACED if a <= top])
        digits: dict[int, str] = {}
        marks, blank = [], []
        dropped_set = {c for a, b in dropped for c in range(a, b + 1)}
        for c in chars:
            char = chr(c)
            category = unicodedata.category(char)
            if category == "Nd" and c > 127:
                digits[c] = str(unicodedata.decimal(char))
            elif category[0] == "M":
                marks.append(c)
            elif category != "Cn" and c != 32 and c not in dropped_set and _separator(char):
                blank.append(c)
        mark_class = _char_class(_ranges(marks))
        self.non_word = re.compile(f"[^\\w{mark_class}]+")
        self.blank = re.compile(f"[{_char_class(_ranges(blank))}]+")
        self.drop = re.compile(f"[{_char_class(dropped)}]+")
        self.replaced = {ord(k): v for k, v in _LETTERS.items()} | digits
        self.letters = re.compile(f"[{_char_class(_ranges(sorted(self.replaced)))}]")
        self.unit = re.compile(f"[{unspaced}]|[^\\s{unspaced}]+")
        glyph = f"{mark_class}{_char_class(dropped)}"
        self.raw_unit = re.compile(f"([{unspaced}]|(?:[^\\W{unspaced}]|[{glyph}])+)")

    def _replace(self, match: re.Match[str]) -> str:
        return self.replaced[ord(match.group())]

    def fold(self, text: str) -> str:
        """Drop glyph differences, fold letters and digits."""
        text = self.drop.sub("", text)
        return self.letters.sub(self._replace, text) if self.letters.search(text) else text


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@functools.cache
def _bmp() -> tuple[_Folder, re.Pattern[str]]:
    """The folder for text within the BMP, and what needs `_Folder.fold` or the full
    folder; built on first use (about 40 ms).

    Character classes that reach beyond the BMP make Python's `re` several times
    slower on every character, so text without such characters gets BMP-only ones.
    """
    dropped = [r for r in _DROPPED if r[1] < 0x10000]
    bmp = _Folder(range(0x10000), dropped)
    special = [*dropped, *_ranges(sorted(bmp.replaced)), (0x10000, 0x10FFFF)]
    return bmp, re.compile(f"[{_char_class(special)}]")


@functools.cache
def _full() -> _Folder:
    """The folder for text beyond the BMP (Han extensions, emoji), built on first use."""
    return _Folder([*range(0x20000), *range(0xE0000, 0xE0200)], _DROPPED)


def _folder(text: str) -> _Folder:
    return _full() if _ASTRAL.search(text) else _bmp()[0]


def _folded(text: str) -> str:
    """NFKC, glyph differences dropped, separators blanked, case kept (non-ASCII text)."""
    bmp, special = _bmp()
    folder = bmp
    if special.search(text):  # rare: a glyph to drop, a letter to fold, beyond the BMP
        folder = _folder(text)
        text = folder.fold(text)
    blanked = folder.blank.sub(" ", text)
    if unicodedata.is_normalized("NFKC", blanked):
        return blanked
    normal = _nfkc(blanked)
    folder = _folder(normal)
    return folder.non_word.sub(" ", folder.fold(normal))


def glyphs_folded(text: str) -> str:
    """NFKC, glyph differences dropped, letters and digits folded; case, punctuation
    and spacing kept (what tells a glyph change from others in `changes`)."""
    if text.isascii():
        return text
    normal = _nfkc(text)
    return _folder(normal).fold(normal)


def match_text(text: str) -> str:
    """The paragraph as matching sees it: folded units separated by spaces.

    Spaces separate words; a character of an unspaced script is a unit whether or not
    spaces surround it (`words` splits them). Runs of spaces may remain. For ASCII text
    the words are those of `re.findall(r"\\w+", text.lower())`.
    """
    if text.isascii():
        return text.translate(_ASCII_FOLD)
    return _folded(text).casefold()


def words(text: str) -> list[str]:
    """The units of a paragraph, in order: its words, and each character of an unspaced
    script on its own.

    >>> words("“We will not give up,” she said — 12 times.")
    ['we', 'will', 'not', 'give', 'up', 'she', 'said', '12', 'times']
    >>> words("中国 GDP 12%")
    ['中', '国', 'gdp', '12']
    """
    matched = match_text(text)
    return matched.split() if matched.isascii() else _folder(matched).unit.findall(matched)


_RAW_WORD = re.compile(r"(\w+)")


def split_units(text: str) -> tuple[list[str], list[str]]:
    """(units, gaps) of the text as written: gaps[i] comes before units[i], gaps[-1] is
    the tail. A unit is what `words` sees as one, with its marks and the glyph
    differences matching drops (harakat, tatweel, zero-width characters)."""
    pattern = _RAW_WORD if text.isascii() else _folder(text).raw_unit
    pieces = pattern.split(text)
    return pieces[1::2], pieces[0::2]


def match_buffer(texts: Sequence[str]) -> bytes:
    """Every paragraph as `match_text` sees it, UTF-8 encoded, separated by NUL bytes.

    In the result a byte is part of a unit exactly when it is above 32; the characters
    of unspaced scripts are cut apart by `shingle.words_of`. Runs of spaces may differ
    from `match_text`'s; the units do not.
    """
    return utf8_folded(match_joined(texts))


def utf8_folded(joined: str) -> bytes:
    """A `match_joined` text UTF-8 encoded, with ASCII folded (as `fold_ascii` does)."""
    return joined.encode("utf-8").translate(_BYTE_FOLD)


def match_joined(texts: Sequence[str]) -> str:
    """Every paragraph as `match_text` sees it (runs of spaces aside), joined by NUL
    characters, but for ASCII: upper-case letters, and the punctuation of paragraphs
    written in ASCII alone, are left for `fold_ascii` or `utf8_folded` to fold."""
    joined = "\x00".join(texts)
    if joined.count("\x00") != max(len(texts) - 1, 0):  # a NUL inside a paragraph
        return "\x00".join(match_text(t) for t in texts)
    if joined.isascii():
        return joined
    wide = [i for i, t in enumerate(texts) if not t.isascii()]
    if len(wide) == len(texts):
        return _fold_joined(texts, joined)
    folded = list(texts)
    pieces = _fold_joined([texts[i] for i in wide]).split("\x00")
    for i, text in zip(wide, pieces, strict=True):
        folded[i] = text
    return "\x00".join(folded)


_ASCII_CODES = np.array([_BYTE_FOLD[c] for c in range(128)], dtype=np.uint32)


def fold_ascii(codes: np.ndarray) -> np.ndarray:
    """The code points of a `match_joined` text with ASCII folded as `match_text` folds
    it (letters lower-cased, the rest of ASCII but digits, `_` and NUL a space)."""
    return np.where(codes < 128, _ASCII_CODES.take(codes, mode="clip"), codes)


class _Table:
    """What `_folded` makes of each BMP character on its own, filled in as characters
    are first met: `first`, the character it becomes, and its `info` flags.

    With no flag (most characters) it is glyph-, letter- and digit-folded and blanked
    if a separator. DROPPED: it becomes nothing (a glyph difference). CASED: case
    folding may change it (ASCII letters are not flagged: see `fold_ascii`). MAPPED:
    NFKC changes it (a full-width letter), so that its paragraph is NFKC-normalized by
    `_folded`; `first` is what that makes of it. ODD: what it becomes depends on whether
    its paragraph is NFKC-normalized (unassigned code points): a paragraph holding an ODD
    and a MAPPED one is folded one by one, as is one holding a SLOW one (what NFKC
    makes of it folding changes again, as with ℃ or ½, or it is beyond the BMP). A
    character that becomes several (the Thai sara am, ﬁ) is itself in `first` and
    replaced by `longer`. SECOND: it becomes a character that NFKC may compose with the
    one before (a combining acute accent): its paragraph is checked for NFKC alone, so
    that the others are checked at once (a check that has to compose is slow).
    """

    DROPPED, CASED, MAPPED, ODD, SLOW, SECOND, UNKNOWN = 1, 2, 4, 8, 16, 32, 128

    def __init__(self) -> None:
        self.info = np.full(0x10000, self.UNKNOWN, dtype=np.uint8)
        self.first = np.zeros(0x10000, dtype=np.uint32)
        self.longer: dict[str, str] = {}
        self.info[0] = 0  # NUL separates paragraphs

    def fold(self, codes: np.ndarray) -> tuple[str, bool, set[int], set[int]]:
        """(folded text, whether it may need case folding, the paragraphs to fold one
        by one, those to check alone) of BMP `codes`, paragraphs separated by NUL."""
        info = self.info.take(codes)
        if info.max(initial=0) & self.UNKNOWN:
            self._learn(np.unique(codes[info == self.UNKNOWN]))
            info = self.info.take(codes)
        flags = int(np.bitwise_or.reduce(info)) if len(info) else 0
        slow: set[int] = set()
        alone: set[int] = set()
        if flags & (self.SLOW | self.MAPPED | self.SECOND):
            starts = np.concatenate([[0], np.flatnonzero(codes == 0) + 1])
            of_paragraph = np.bitwise_or.reduceat(info, starts[starts < len(info)])
            mixed = (of_paragraph & (self.MAPPED | self.ODD)) == (self.MAPPED | self.ODD)
            slow.update(np.flatnonzero((of_paragraph & self.SLOW) | mixed).tolist())
            alone.update(np.flatnonzero(of_paragraph & self.SECOND).tolist())
        if flags & self.DROPPED:
            codes = codes[(info & self.DROPPED) == 0]
        text = self.first.take(codes).tobytes().decode("utf-32-le")
        for char, longer in tuple(self.longer.items()):  # another thread may be learning
            if char in text:
                text = text.replace(char, longer)
        return text, bool(flags & self.CASED), slow, alone

    def _learn(self, codes: np.ndarray) -> None:
        folder = _bmp()[0]
        for code in codes.tolist():
            char = chr(code)
            plain = folder.blank.sub(" ", folder.fold(char))
            folded, info = plain, 0
            if not unicodedata.is_normalized("NFKC", plain):
                normal = _nfkc(plain)
                folded = folder.non_word.sub(" ", folder.fold(normal))
                within = max(normal, default=" ") < "\U00010000"  # else the full folder
                info = self.MAPPED if folded == normal and within else self.SLOW
            elif folder.non_word.sub(" ", plain) != plain:
                info = self.ODD
            if not folded:
                info |= self.DROPPED
            elif any(c.casefold() != c for c in folded if not c.isascii()):
                info |= self.CASED
            if any(ord(c) in _composing() for c in folded):
                info |= self.SECOND
            if len(folded) > 1:
                self.longer[char] = folded
            self.first[code] = ord(folded[0]) if len(folded) == 1 else code
            self.info[code] = info


_TABLE = _Table()


@functools.cache
def _composing() -> frozenset[int]:
    """The BMP characters that NFKC may compose with the character before them (the
    second of a canonical pair, and the Hangul vowels and final consonants)."""
    seconds = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))
    for code in range(0x10000):
        pair = unicodedata.decomposition(chr(code)).split()
        if len(pair) == 2 and pair[0][0] != "<" and _nfc(chr(code)) == chr(code):
            seconds.add(int(pair[1], 16))
    return frozenset(seconds)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _fold_joined(texts: Sequence[str], joined: str | None = None) -> str:
    """`match_text` of each of these non-ASCII paragraphs (runs of spaces aside), joined
    by NUL characters (`joined`: the paragraphs so joined, when at hand), at once.

    Character by character through `_Table` for the paragraphs within the BMP that come
    out NFKC-normalized (most do, CJK punctuation and full-width forms being blanked
    first); the others one by one through `match_text`.
    """
    joined = "\x00".join(texts) if joined is None else joined
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    slow: set[int] = set()
    if len(codes) and codes.max() > 0xFFFF:
        astral = codes > 0xFFFF
        separators = np.flatnonzero(codes == 0)
        slow.update(np.searchsorted(separators, np.flatnonzero(astral)).tolist())
        codes = np.where(astral, np.uint32(32), codes)
    folded, cased, odd, alone = _TABLE.fold(codes)
    slow |= odd
    if alone or not unicodedata.is_normalized("NFKC", folded):
        pieces = folded.split("\x00")
        slow.update(i for i, p in enumerate(pieces) if not unicodedata.is_normalized("NFKC", p))
    if cased:
        folded = folded.casefold()
    if not slow:
        return folded
    pieces = folded.split("\x00")
    for i in slow:
        pieces[i] = match_text(texts[i])
    return "\x00".join(pieces)
