"""Plain text (.txt, .md): one article per file, written back byte for byte."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import Diagnostics, InputError
from ..model import Article, Source
from ..segment import paragraph_spans, remove_spans
from .encoding import Decoded, decode


@dataclass(frozen=True, slots=True)
class _State:
    decoded: Decoded


def read(data: bytes, path: str, name: str, article_id: str, diagnostics: Diagnostics) -> Source:
    """Read one text article; raise InputError when the file holds no paragraphs."""
    decoded = decode(data, path)
    if decoded.guessed:
        diagnostics.warn(path, "not valid UTF-8; decoded as cp1252")
    spans = paragraph_spans(decoded.text)
    if not spans:
        raise InputError(path, "empty file (no paragraphs)")
    paragraphs = tuple(decoded.text[start:end] for start, end in spans)
    article = Article(article_id, paragraphs, path, "text", body=tuple(spans))
    return Source(path, name, "text", (article,), _State(decoded))


def render(source: Source, removed: Mapping[int, set[int]]) -> bytes:
    """The file without the removed paragraphs, in its original encoding."""
    state: _State = source.state
    article = source.articles[0]
    text = remove_spans(state.decoded.text, list(article.body), removed.get(0, set()))
    return state.decoded.encode(text)
