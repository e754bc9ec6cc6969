"""The words the human views use: paragraph numbers from 1, a paragraph's first words,
what one copy does to another in plain words, and text made safe to print.

The terminal report and the HTML page share these; the JSON contract keeps its
0-based numbers and its fixed vocabulary of change classes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .diff import word_diff

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_ALL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_WORD = re.compile(r"\w")
_WORDS = re.compile(r"\w+")
_NUMBER = re.compile(r"\d")
_SENTENCE_END = re.compile(r"[.!?][\"'”’»)]*(?=\s|$)")

MARKS = {
    ".": "period",
    ",": "comma",
    ";": "semicolon",
    ":": "colon",
    "!": "exclamation mark",
    "?": "question mark",
    '"': 'straight quote (")',
    "'": "straight apostrophe (')",
    "“": "opening curly quote (“)",
    "”": "closing curly quote (”)",
    "‘": "opening curly apostrophe (‘)",
    "’": "curly apostrophe (’)",
    "«": "guillemet («)",
    "»": "guillemet (»)",
    "„": "low quote („)",
    "-": "hyphen (-)",
    "–": "en dash (–)",
    "—": "em dash (—)",
    "…": "ellipsis (…)",
    "(": "parenthesis",
    ")": "parenthesis",
}


def visible(text: str, lines: bool = False) -> str:
    """`text` with control characters shown as escapes (ESC as \\x1b), so that nothing
    read from input can move the cursor, retitle a window or hide a link in a terminal.
    With `lines`, newlines and tabs are kept (paragraph text)."""
    pattern = _CONTROL if lines else _CONTROL_ALL
    return pattern.sub(lambda m: f"\\x{ord(m[0]):02x}", text)


def para(index: int) -> str:
    """A paragraph as editors number it: ¶1 is the first (the JSON counts from 0)."""
    return f"¶{index + 1}"


def first_words(text: str, words: int = 12) -> str:
    """The opening of a paragraph: its first `words` words, then an ellipsis."""
    found = list(_WORDS.finditer(text))
    if len(found) <= words:
        return " ".join(text.split())
    return " ".join(text[: found[words - 1].end()].split()) + " …"


def opening(text: str) -> str:
    """A paragraph's first words in quotation marks (unless it opens with one): how a
    cluster is headed."""
    words = visible(first_words(text))
    return words if words[:1] in "“\"«„'‘「" else f"“{words}”"


def plural(noun: str, n: int) -> str:
    """`noun` as `n` of it reads.

    >>> plural("story", 2), plural("day", 2), plural("cluster", 1)
    ('stories', 'days', 'cluster')
    """
    if n == 1:
        return noun
    if noun.endswith("y") and noun[-2:-1] not in tuple("aeiou"):
        return noun[:-1] + "ies"
    return noun + "s"


def count(n: int, noun: str) -> str:
    """`n` of `noun`, in words.

    >>> count(1200, "paragraph")
    '1,200 paragraphs'
    """
    return f"{n:,} {plural(noun, n)}"


def _sentences(text: str) -> int:
    """Whole sentences in a piece cut from a paragraph (0 if it does not end one)."""
    text = text.strip()
    if not _SENTENCE_END.search(text[-4:] if len(text) > 4 else text):
        return 0
    return max(1, len(_SENTENCE_END.findall(text)))


def _edge(deleted: str, inserted: str, where: str) -> str | None:
    """What happened at the start or the end of a paragraph, in words."""
    cut, added = _WORDS.findall(deleted), _WORDS.findall(inserted)
    first, last = ("first", "opening") if where == "start" else ("last", "ending")
    if cut and added:
        return f"with its {last} changed"
    if cut:
        sentences = _sentences(deleted)
        if sentences:
            return (
                f"without its {first} sentence"
                if sentences == 1
                else (f"without its {first} {sentences} sentences")
            )
        return f"without its {first} {count(len(cut), 'word')}"
    if added:
        shown = " ".join(inserted.split())
        if len(added) <= 6:
            return f"with “{visible(shown)}” added at the {where}"
        return f"with {count(len(added), 'word')} added at the {where}"
    return None


def _middle(pieces: Sequence[tuple[str, str]]) -> list[str]:
    """Numbers and words changed inside a paragraph, in words."""
    numbers: list[str] = []
    words = 0
    i = 0
    while i < len(pieces):
        op, text = pieces[i]
        if op == "equal":
            i += 1
            continue
        deleted = text if op == "delete" else ""
        inserted = text if op == "insert" else ""
        if op == "delete" and i + 1 < len(pieces) and pieces[i + 1][0] == "insert":
            inserted = pieces[i + 1][1]
            i += 1
        i += 1
        old, new = _WORDS.findall(deleted), _WORDS.findall(inserted)
        if any(_NUMBER.search(w) for w in old + new):
            numbers.append(f"{' '.join(old) or '–'} → {' '.join(new) or '–'}")
        elif old or new:
            words += max(len(old), len(new))
    found = []
    if numbers:
        noun = "a number" if len(numbers) == 1 else f"{len(numbers)} numbers"
        more = ", …" if len(numbers) > 3 else ""
        found.append(f"with {noun} changed ({', '.join(numbers[:3])}{more})")
    if words:
        found.append(f"with {count(words, 'word')} changed")
    return found


def _is_word_piece(piece: tuple[str, str]) -> bool:
    return piece[0] == "equal" and bool(_WORD.search(piece[1]))


def describe(earlier: str, later: str) -> str:
    """What `later` does with `earlier`, in an editor's words: "without its last
    sentence", "with a number changed (12 → 15)" ("the same words" if nothing else).

    >>> describe("Rain fell. Roads closed.", "Rain fell.")
    'without its last sentence'
    """
    pieces = word_diff(earlier, later)
    anchors = [i for i, p in enumerate(pieces) if _is_word_piece(p)]
    if not anchors:
        return "with other words"
    head, tail = anchors[0], anchors[-1]

    def joined(part: Sequence[tuple[str, str]], op: str) -> str:
        return "".join(t for o, t in part if o == op)

    found = [
        _edge(joined(pieces[:head], "delete"), joined(pieces[:head], "insert"), "start"),
        *_middle(pieces[head : tail + 1]),
        _edge(joined(pieces[tail + 1 :], "delete"), joined(pieces[tail + 1 :], "insert"), "end"),
    ]
    said = [f for f in found if f]
    return visible(", ".join(said)) if said else "with the same words"


def marks(earlier: str, later: str) -> list[str]:
    """Punctuation and quote or dash glyphs changed, each in words ("period added at the
    end", "straight quote (") instead of opening curly quote (“)"); at most five."""
    pieces = word_diff(earlier, later)
    found: list[str] = []
    i = 0
    while i < len(pieces) and len(found) < 5:
        op, text = pieces[i]
        i += 1
        if op == "equal" or _WORD.search(text) or not text.strip():
            continue
        at_end = all(o == "equal" and not _WORD.search(t) for o, t in pieces[i:])
        where = " at the end" if at_end else ""
        if op == "delete" and i < len(pieces) and pieces[i][0] == "insert":
            new = pieces[i][1]
            if not _WORD.search(new) and new.strip():
                i += 1
                found.append(f"{_mark(new)} instead of {_mark(text)}{where}")
                continue
        found.append(f"{_mark(text)} {'added' if op == 'insert' else 'removed'}{where}")
    return found


def _mark(text: str) -> str:
    text = text.strip()
    return MARKS.get(text, f"“{visible(text)}”")


def relation_sentence(
    kind: str,
    earlier: tuple[str, str],
    later: tuple[str, str],
    counts: tuple[int, int, int, int],
) -> str:
    """What the later story does with the earlier one, in a sentence. `earlier` and
    `later` are (article id, where it was read), named by the place when the ids are the
    same; `counts`: the earlier's comparable paragraphs and how many the later holds,
    then the later's."""
    n, held, m, kept = counts
    same = earlier[0] == later[0] and earlier[1] != later[1]
    e, lt = (
        (visible(earlier[1]), visible(later[1])) if same else map(visible, (earlier[0], later[0]))
    )
    if kind == "version":
        return f"{lt} is a later version of {e}: it keeps {held} of its {count(n, 'paragraph')}"
    if kind == "republished":
        return f"{lt} republishes {e}: all {count(n, 'paragraph')}"
    if kind == "extended":
        return f"{lt} repeats all {count(n, 'paragraph')} of {e} and adds {m - kept}"
    if kind == "shortened":
        return f"{lt} repeats {held} of the {count(n, 'paragraph')} of {e}, and nothing else"
    if kind == "quotes":
        return f"{lt} quotes what {e} quoted: {count(kept, 'paragraph')}"
    return f"{lt} shares {kept} of its {count(m, 'paragraph')} with {e} ({held} of {n})"


def pair_heading(earlier: tuple[str, int, str], later: tuple[str, int, str]) -> str:
    """ "¶4 repeats ¶1 without its last sentence" for a contained pair, naming the
    articles when they differ; each side is (article, paragraph, text)."""
    (a, p, old), (b, q, new) = earlier, later
    if a == b:
        said = f"{para(q)} repeats {para(p)}"
    else:
        said = f"{visible(b)} {para(q)} repeats {visible(a)} {para(p)}"
    return f"{said} {describe(old, new)}"


def shown_whole(articles: int, copies: int) -> bool:
    """Whether the story relations show a cluster whole (every copy in an article of its
    own, each related to the earliest); a cluster that is not is also shown on its own."""
    return articles == copies > 1
