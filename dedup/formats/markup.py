"""Markup files as text: decoding, where elements sit in the source, and cutting them out.

The XML and HTML readers parse with lxml, but `clean` never re-serializes a tree: it
cuts the removed paragraph elements out of the original text, so the declaration,
DOCTYPE, namespaces, comments, entity references and the layout of everything kept
stay byte for byte. The small lexer here finds each element's span in the source.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from ..errors import InputError
from ..model import Source
from .encoding import BOMS, Decoded

FORMATS = ("nitf", "newsml", "html")
"""Source formats whose state is a `State` and that `render` writes back."""

Span = tuple[int, int]

# Unterminated comments, CDATA and PIs run to the end, and tags stop at the next "<", so
# that malformed HTML is still lexed in linear time (well-formed XML never needs either).
_TOKEN = re.compile(
    r"""<!--.*?(?:-->|\Z)
    |<!\[CDATA\[.*?(?:\]\]>|\Z)
    |<\?.*?(?:\?>|\Z)
    |<!(?P<decl>(?:[^\[>"'<]|"[^"<]*"|'[^'<]*')*(?:\[(?:[^\]"']|"[^"]*"|'[^']*')*\]\s*)?)>
    |</(?P<end>[^\s<>]+)\s*>
    |<(?P<start>[A-Za-z_:][^\s/<>]*)(?:[^<>"']|"[^<"]*"|'[^<']*')*?(?P<empty>/)?>""",
    re.S | re.X,
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z][\w.:-]*)["']""")
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z][\w.:-]*)""", re.I)
_SPACE = re.compile(r"\s*")

# HTML: elements whose content is raw text, elements without content, and the start
# tags that end an open <p> (HTML's rule; only unclosed paragraphs need it).
_RAW_TEXT = frozenset({"script", "style", "textarea", "title"})
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)
_CLOSES_P = frozenset(
    {"address", "article", "aside", "blockquote", "dd", "details", "dialog", "div", "dl"}
    | {"dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4"}
    | {"h5", "h6", "header", "hgroup", "hr", "li", "main", "menu", "nav", "ol", "p", "pre"}
    | {"section", "table", "ul"}
)


@dataclass(frozen=True, slots=True)
class State:
    """What `render` needs: the decoded file. Each article's `body` holds its spans."""

    text: Decoded


def decode(data: bytes, path: str, html: bool = False) -> Decoded:
    """Decode by byte-order mark, else the declared encoding, else UTF-8.

    HTML may declare it in <meta charset>, and falls back to cp1252 when not UTF-8.
    """
    for bom, codec in BOMS:
        if data.startswith(bom):
            return _decoded(data[len(bom) :], codec, path, bom)
    head = data[:2048]
    declared = _XML_ENCODING.match(head) or (_META_CHARSET.search(head) if html else None)
    if declared:
        name = declared[1].decode("ascii")
        try:
            codec = codecs.lookup(name).name
            "".encode(codec)  # a text encoding, not a transform such as uu or base64
        except LookupError:
            raise InputError(path, f"unknown encoding {name!r}") from None
        return _decoded(data, codec, path)
    if html:
        try:
            return Decoded(data.decode("utf-8"), "utf-8", guessed=False)
        except UnicodeDecodeError:
            return Decoded(_decoded(data, "cp1252", path).text, "cp1252", guessed=True)
    return _decoded(data, "utf-8", path)


def _decoded(data: bytes, codec: str, path: str, bom: bytes = b"") -> Decoded:
    try:
        return Decoded(data.decode(codec), codec, guessed=False, bom=bom)
    except UnicodeDecodeError as err:
        raise InputError(path, f"not valid {codec} (byte {err.start + len(bom)})") from None


def declared_entities(text: str) -> str | None:
    """The DOCTYPE if it declares entities (XML entity expansion or external entities)."""
    for token in _TOKEN.finditer(text):
        if token["start"]:
            return None
        if token["decl"] and re.search(r"^ENTITY|<!ENTITY", token["decl"]):
            return token["decl"]
    return None


def element_spans(text: str) -> list[tuple[str, int, int]]:
    """(tag as written, start, end) of every element of a well-formed XML text, in order."""
    spans: list[tuple[str, int, int]] = []
    open_: list[int] = []
    for token in _TOKEN.finditer(text):
        if token["start"]:
            spans.append((token["start"], token.start(), token.end()))
            if not token["empty"]:
                open_.append(len(spans) - 1)
        elif token["end"] and open_:
            name, start, _ = spans[open_[-1]]
            spans[open_.pop()] = (name, start, token.end())
    return spans


def _html_tokens(text: str) -> Iterator[tuple[bool, str, int, int]]:
    """(is a start tag, lower-case name, start, end) of HTML tags, raw text skipped."""
    position = 0
    while token := _TOKEN.search(text, position):
        position = token.end()
        if token["start"]:
            name = token["start"].lower()
            yield True, name, token.start(), token.end()
            if name in _RAW_TEXT and not token["empty"]:
                close = re.compile(rf"</{name}\s*>", re.I).search(text, position)
                position = close.start() if close else len(text)
        elif token["end"]:
            yield False, token["end"].lower(), token.start(), token.end()


def html_paragraph_spans(text: str) -> list[Span]:
    """(start, end) of every <p> element of an HTML text, in order; unclosed ones too."""
    tokens = list(_html_tokens(text))
    spans = []
    for index, (is_start, name, start, _) in enumerate(tokens):
        if is_start and name == "p":
            end = _paragraph_end(tokens, index + 1, len(text))
            while text[end - 1].isspace():  # an unclosed one ends before the space
                end -= 1
            spans.append((start, end))
    return spans


def _paragraph_end(tokens: list[tuple[bool, str, int, int]], index: int, default: int) -> int:
    inside: list[str] = []
    for position in range(index, len(tokens)):
        is_start, name, start, end = tokens[position]
        if is_start:
            if name in _CLOSES_P:
                return start
            if name not in _VOID:
                inside.append(name)
        elif (open_at := _last(inside, name)) is not None:
            del inside[open_at:]
        else:
            return end if name == "p" else start  # its own end tag, or its parent's
    return default


def _last(names: list[str], name: str) -> int | None:
    """Where `name` was last opened, searching from the end (linear overall, as each
    search ends by closing what it passed)."""
    for position in range(len(names) - 1, -1, -1):
        if names[position] == name:
            return position
    return None


def cut(text: str, spans: Iterable[Span]) -> str:
    """`text` without `spans`, keeping the whitespace around them tidy.

    Spans separated only by whitespace go together. A span that fills its lines takes
    those lines; otherwise it takes the whitespace after it, or (before a closing tag
    or at the end) the whitespace before it. Text next to a span (an element's tail)
    stays.
    """
    groups: list[list[int]] = []
    for start, end in sorted(spans):
        if groups and not text[groups[-1][1] : start].strip():
            groups[-1][1] = max(groups[-1][1], end)
        else:
            groups.append([start, end])
    pieces, position = [], 0
    for start, end in groups:
        start, end = _tidy(text, start, end)
        pieces.append(text[position:start])
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _tidy(text: str, start: int, end: int) -> Span:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end + 1
    if not text[line_start:start].strip() and not text[end:line_end].strip():
        return line_start, line_end
    after = _SPACE.match(text, end)
    assert after is not None
    if after.end() > end and after.end() < len(text) and not text.startswith("</", after.end()):
        return start, after.end()
    before = start
    while before > 0 and text[before - 1].isspace():
        before -= 1
    return before, end


def render(source: Source, removed: Mapping[int, set[int]]) -> bytes:
    """The file with the removed paragraph elements cut out; every other byte kept."""
    state: State = source.state
    spans = [
        source.articles[position].body[index]
        for position, indices in removed.items()
        for index in indices
    ]
    return state.text.encode(cut(state.text.text, spans))
