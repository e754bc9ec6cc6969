"""Plain text to paragraphs: blocks separated by blank lines, else one paragraph per line."""

from __future__ import annotations

import re

_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
_BLOCK = re.compile(r"\S(?:.*\S)?(?:[ \t\r\f\v]*\n[ \t\r\f\v]*\S(?:.*\S)?)*")
_LINE = re.compile(r"\S(?:.*\S)?")


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph in `text`, without surrounding whitespace.

    When the text has a blank line anywhere, paragraphs are the runs of non-blank
    lines; otherwise (wire copy often comes like this) each non-blank line is one.
    """
    pattern = _BLOCK if _BLANK_LINE.search(text) else _LINE
    return [match.span() for match in pattern.finditer(text)]


def remove_spans(text: str, spans: list[tuple[int, int]], removed: set[int]) -> str:
    """`text` without the paragraphs whose indices are in `removed`.

    Everything else is kept byte for byte: each removed paragraph takes the separator
    that follows it (the last one, the separator before it).
    """
    if not removed:
        return text
    kept = [i for i in range(len(spans)) if i not in removed]
    if not kept:
        return ""
    pieces = [text[: spans[0][0]]]
    for i in kept:
        end = spans[i + 1][0] if i + 1 < len(spans) else len(text)
        pieces.append(text[spans[i][0] : end])
    if kept[-1] != len(spans) - 1:  # the last paragraph went: end as the text ended
        pieces[-1] = text[spans[kept[-1]][0] : spans[kept[-1]][1]] + text[spans[-1][1] :]
    return "".join(pieces)
