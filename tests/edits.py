"""Realistic desk edits of wire paragraphs, for tests, benchmarks and calibration.

Each edit takes a paragraph (and a seeded `random.Random`) and returns the edited text,
or None when it does not apply (no number to change, a single sentence to trim).
`paste_copy` pastes an edited copy of a paragraph later into its own article, the
copy-paste accident dedup exists to catch.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dedup.normalize import words

Edit = Callable[[str, random.Random, str | None], str | None]

_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’']))\s+(?=[\"“‘A-Z0-9])")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?![\w])")
_DATELINES = ("WASHINGTON", "LONDON", "NEW YORK", "TOKYO", "BRUSSELS", "MOSCOW", "KYIV", "PARIS")
_MONTHS = ("Jan", "Feb", "March", "April", "May", "June", "July", "Aug", "Sept", "Oct", "Nov")
_ATTRIBUTIONS = (
    "a spokesman said",
    "the company said in a statement",
    "officials said",
    "according to a statement",
    "a senior official told reporters",
)
_SUBSTITUTES = ("major", "new", "senior", "key", "former", "local", "two", "several", "recent")


def _sentences(text: str) -> list[str]:
    return _SENTENCE_END.split(text.strip())


def dateline(text: str, rng: random.Random, _next: str | None = None) -> str | None:
    """A wire dateline in front: "LONDON, March 3 (Reuters) - "."""
    place, month = rng.choice(_DATELINES), rng.choice(_MONTHS)
    return f"{place}, {month} {rng.randint(1, 28)} (Reuters) - {text}"


def attribution(text: str, rng: random.Random, _next: str | None = None) -> str | None:
    """An attribution at the end: "..., a spokesman said."."""
    body = text.rstrip().rstrip(".")
    return f"{body}, {rng.choice(_ATTRIBUTIONS)}."


def word(text: str, rng: random.Random, _next: str | None = None) -> str | None:
    """One word in the middle replaced by another."""
    found = list(_WORD.finditer(text))
    middle = found[len(found) // 4 : len(found) - len(found) // 4]
    if not middle:
        return None
    target = rng.choice(middle)
    choices = [w for w in _SUBSTITUTES if w != target.group().lower()]
    return text[: target.start()] + rng.choice(choices) + text[target.end() :]


def number(text: str, rng: random.Random, _next: str | None = None) -> str | None:
    """One number changed ("12 killed" becomes "15 killed")."""
    found = [
        m
        for m in _NUMBER.finditer(text)
        if not 1900 <= int(re.sub(r"\D", "", m.group())[:4] or 0) <= 2100
    ]
    if not found:
        return None
    target = rng.choice(found)
    digits = re.sub(r"\D", "", target.group())
    changed = str(int(digits) + rng.randint(1, 9))
    return text[: target.start()] + changed + text[target.end() :]


def punctuation(text: str, rng: random.Random, _next: str | None = None) -> str | None:
    """Quotes turned curly (or straight), dashes swapped, the final period added or dropped."""
    swapped = text.replace('"', "\u201c", 1).replace('"', "\u201d", 1).replace(" - ", " \u2014 ")
    if swapped == text:
        swapped = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'")
    stripped = swapped.rstrip()
    if stripped.endswith("."):
        return stripped[:-1]
    return stripped + "."


def trim_first(text: str, rng: random.Random, _next: str | None = None) -> str | None:
    """The first sentence cut."""
    sentences = _sentences(text)
    return " ".join(sentences[1:]) if len(sentences) > 1 else None


def trim_last(text: str, rng: random.Random, _next: str | None = None) -> str | None:
    """The last sentence cut."""
    sentences = _sentences(text)
    return " ".join(sentences[:-1]) if len(sentences) > 1 else None


def merge_next(text: str, rng: random.Random, following: str | None = None) -> str | None:
    """Merged with the paragraph that follows it."""
    return f"{text.rstrip()} {following.strip()}" if following else None


EDITS: dict[str, Edit] = {
    "dateline": dateline,
    "attribution": attribution,
    "word": word,
    "number": number,
    "punctuation": punctuation,
    "trim_first": trim_first,
    "trim_last": trim_last,
    "merge_next": merge_next,
}
"""Every single edit by name; "several" (two or three at once) is built from these."""

KINDS = (*EDITS, "several")


def apply(kind: str, text: str, rng: random.Random, following: str | None = None) -> str | None:
    """Apply one edit kind ("several" picks two or three compatible ones)."""
    if kind != "several":
        return EDITS[kind](text, rng, following)
    names = rng.sample(["dateline", "attribution", "word", "number", "punctuation", "trim_last"], 3)
    edited: str | None = text
    applied = 0
    for name in names:
        result = EDITS[name](edited or text, rng, following)
        if result is not None:
            edited, applied = result, applied + 1
        if applied == 3 or (applied == 2 and rng.random() < 0.5):
            break
    return edited if applied >= 2 else None


@dataclass(frozen=True, slots=True)
class Pasted:
    """An article with an edited copy of paragraph `original` pasted at `copy`."""

    paragraphs: tuple[str, ...]
    original: int
    copy: int
    kind: str


def paste_copy(
    paragraphs: Sequence[str], kind: str, rng: random.Random, min_words: int = 9
) -> Pasted | None:
    """Paste an edited copy of one paragraph later into the article, or None if none fits."""
    order = list(range(len(paragraphs)))
    rng.shuffle(order)
    for original in order:
        text = paragraphs[original]
        following = paragraphs[original + 1] if original + 1 < len(paragraphs) else None
        if len(words(text)) < min_words:
            continue
        edited = apply(kind, text, rng, following)
        if (
            edited is None
            or len(words(edited)) < min_words
            or (edited == text and kind != "punctuation")
        ):
            continue
        copy = rng.randint(original + 1, len(paragraphs))
        new = [*paragraphs[:copy], edited, *paragraphs[copy:]]
        return Pasted(tuple(new), original, copy, kind)
    return None
