"""Desk edits in Chinese, Japanese, Korean, Thai, Arabic and Russian, for tests and
benchmarks: the cosmetic changes a copy picks up on another desk (end punctuation,
quote and bracket glyphs, digit forms, spacing, tatweel, harakat, ё), a number
changed and the last sentence cut. Like `dedup.edits`, each edit returns the edited
text, or None when it does not apply; `paste_copy` pastes an edited copy later into
its article.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from edits import Pasted

from dedup.normalize import words

LANGUAGES = ("zh", "ja", "ko", "th", "ar", "ru")


@dataclass(frozen=True, slots=True)
class Desk:
    """How a language's desks write: the stop, the quote pairs they swap, their digits."""

    stop: str
    quotes: tuple[tuple[str, str], tuple[str, str]]
    digits: str | None  # the other digit forms a desk may type (None: ASCII only)


DESKS = {
    "zh": Desk("。", (("“", "”"), ("「", "」")), "０１２３４５６７８９"),
    "ja": Desk("。", (("「", "」"), ("“", "”")), "０１２３４５６７８９"),
    "ko": Desk(".", (('"', '"'), ("“", "”")), "０１２３４５６７８９"),
    "th": Desk(".", (('"', '"'), ("“", "”")), "๐๑๒๓๔๕๖๗๘๙"),
    "ar": Desk(".", (("«", "»"), ('"', '"')), "٠١٢٣٤٥٦٧٨٩"),
    "ru": Desk(".", (("«", "»"), ("„", "“")), None),
}

Edit = Callable[[str, random.Random, str], str | None]

_STOPS = "。．.!?！？؟"
_SENTENCE = re.compile(r"(?<=[。！？!?؟])[”」』\"»]?\s*|(?<=\.)[”\"»]?\s+")
_DIGITS = re.compile(r"(?<![\d.,])\d+(?![\d])")
_UNSPACED_PAIR = re.compile(
    r"(?<=[\u3040-\u30ff\u3400-\u9fff\u0e01-\u0e4e])(?=[\u3040-\u30ff\u3400-\u9fff\u0e01-\u0e4e])"
)
_HANGUL_SPACE = re.compile(r"(?<=[\uac00-\ud7a3]) (?=[\uac00-\ud7a3])")
_JOINING = re.compile(r"(?<=[بتثجحخسشصضطظعغفقكلمنهي])(?=[بتثجحخسشصضطظعغفقكلمنهيةى])")
_ARABIC_LETTER = re.compile(r"(?<=[\u0621-\u064a])(?=[\u0621-\u064a\s.،])")
_HARAKAT = "\u064e\u064f\u0650\u0651\u0652"  # fatha, damma, kasra, shadda, sukun


def end_punctuation(text: str, rng: random.Random, lang: str) -> str | None:
    """The final stop dropped, or the language's stop added where there is none."""
    stripped = text.rstrip()
    if stripped and stripped[-1] in _STOPS:
        return stripped[:-1]
    return stripped + DESKS[lang].stop


def quotes(text: str, rng: random.Random, lang: str) -> str | None:
    """Every quote pair of one style turned into the other (“” and 「」, « » and "...")."""
    first, second = DESKS[lang].quotes
    for (open_a, close_a), (open_b, close_b) in ((first, second), (second, first)):
        if open_a in text and close_a in text:
            if open_a == close_a:  # straight quotes: alternate open and close
                parts = text.split(open_a)
                return "".join(
                    p + ((open_b if k % 2 == 0 else close_b) if k < len(parts) - 1 else "")
                    for k, p in enumerate(parts)
                )
            return text.replace(open_a, open_b).replace(close_a, close_b)
    return None


def digits(text: str, rng: random.Random, lang: str) -> str | None:
    """ASCII digits typed in the desk's other digit forms (full-width, Arabic-Indic, Thai)."""
    forms = DESKS[lang].digits
    if forms is None or not re.search(r"[0-9]", text):
        return None
    return text.translate(str.maketrans("0123456789", forms))


def spacing(text: str, rng: random.Random, lang: str) -> str | None:
    """A space added between two characters of an unspaced script, a space dropped
    between two Hangul words (할 수 / 할수), or a space doubled elsewhere."""
    if lang == "ko":
        found = list(_HANGUL_SPACE.finditer(text))
        if not found:
            return None
        at = rng.choice(found).start()
        return text[:at] + text[at + 1 :]
    if lang in ("zh", "ja", "th"):
        found = list(_UNSPACED_PAIR.finditer(text))
        if not found:
            return None
        at = rng.choice(found).start()
        return text[:at] + " " + text[at:]
    spaces = [m.start() for m in re.finditer(" ", text)]
    if not spaces:
        return None
    at = rng.choice(spaces)
    return text[:at] + " " + text[at:]


def tatweel(text: str, rng: random.Random, lang: str) -> str | None:
    """Tatweel (kashida) stretched into one to three Arabic words."""
    found = list(_JOINING.finditer(text))
    if lang != "ar" or not found:
        return None
    for m in sorted(rng.sample(found, min(3, len(found))), key=lambda m: -m.start()):
        text = text[: m.start()] + "\u0640" + text[m.start() :]
    return text


def harakat(text: str, rng: random.Random, lang: str) -> str | None:
    """Harakat (short vowels, shadda, sukun) written on two to five letters."""
    found = list(_ARABIC_LETTER.finditer(text))
    if lang != "ar" or not found:
        return None
    for m in sorted(
        rng.sample(found, min(rng.randint(2, 5), len(found))), key=lambda m: -m.start()
    ):
        text = text[: m.start()] + rng.choice(_HARAKAT) + text[m.start() :]
    return text


def yo(text: str, rng: random.Random, lang: str) -> str | None:
    """Russian ё written as е (most desks drop the dots)."""
    if lang != "ru" or not re.search("[ёЁ]", text):
        return None
    return text.replace("ё", "е").replace("Ё", "Е")


def number(text: str, rng: random.Random, lang: str) -> str | None:
    """One number changed, in the digits it was written in (12 becomes 15, １２ becomes １５)."""
    found = list(_DIGITS.finditer(text))
    if not found:
        return None
    target = rng.choice(found)
    value = target.group()
    changed = str(int(value) + rng.randint(1, 9))
    if not value.isascii():  # keep the digit forms: map the new ASCII digits back
        zero = ord(value[0]) - int(value[0])
        changed = "".join(chr(zero + int(d)) for d in changed)
    return text[: target.start()] + changed + text[target.end() :]


def trim(text: str, rng: random.Random, lang: str) -> str | None:
    """The last sentence cut (for Thai, written without stops: the last phrase)."""
    if lang == "th":
        phrases = text.split(" ")
        return " ".join(phrases[:-1]) if len(phrases) > 2 else None
    cuts = [m.end() for m in _SENTENCE.finditer(text.rstrip()) if m.end() < len(text.rstrip())]
    return text[: cuts[-1]].rstrip() if cuts else None


COSMETIC: dict[str, Edit] = {
    "end_punctuation": end_punctuation,
    "quotes": quotes,
    "digits": digits,
    "spacing": spacing,
    "tatweel": tatweel,
    "harakat": harakat,
    "yo": yo,
}
"""Edits that change nothing a reader needs: `clean` must remove such a copy."""

SUBSTANTIVE: dict[str, Edit] = {"number": number, "trim": trim}
"""A number changed (kept for a human) and the last sentence cut (found, removed)."""

EDITS = COSMETIC | SUBSTANTIVE


def applies(kind: str, lang: str) -> bool:
    """Whether a desk of this language makes this edit at all."""
    if kind in ("tatweel", "harakat"):
        return lang == "ar"
    if kind == "yo":
        return lang == "ru"
    return not (kind == "digits" and DESKS[lang].digits is None)


def paste_copy(
    paragraphs: Sequence[str], kind: str, lang: str, rng: random.Random, min_units: int = 9
) -> Pasted | None:
    """Paste an edited copy of one paragraph later into the article, or None if none fits
    (both the paragraph and its copy need `min_units` units)."""
    order = list(range(len(paragraphs)))
    rng.shuffle(order)
    for original in order:
        text = paragraphs[original]
        if len(words(text)) < min_units:
            continue
        edited = EDITS[kind](text, rng, lang)
        if edited is None or edited == text or len(words(edited)) < min_units:
            continue
        copy = rng.randint(original + 1, len(paragraphs))
        return Pasted((*paragraphs[:copy], edited, *paragraphs[copy:]), original, copy, kind)
    return None
