"""JSON Lines, gzip-compressed or not: one article per line, other fields kept.

A record needs an "id" (string or number) and either "paragraphs" (a list of strings)
or "text" (a string, split into paragraphs like a text file). A bad line is reported
with its line number and passed through unchanged when the file is written back.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import Diagnostics, InputError
from ..model import Article, Source
from ..segment import paragraph_spans, remove_spans


@dataclass(frozen=True, slots=True)
class _Body:
    """Where an article's paragraphs live in its record."""

    index: int  # line index in the file
    record: dict[str, Any]
    key: str  # "paragraphs" or "text"
    spans: tuple[tuple[int, int], ...] | None  # paragraph spans when key == "text"


@dataclass(frozen=True, slots=True)
class _State:
    lines: list[bytes]
    gzipped: bool


def decompress(data: bytes, path: str, diagnostics: Diagnostics) -> bytes:
    """Gunzip `data`; keep what a truncated or damaged stream yielded and report it."""
    out = bytearray()
    rest = data
    try:
        while rest:
            stream = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            out += stream.decompress(rest)
            if not stream.eof:
                raise zlib.error("the stream ends early")
            rest = stream.unused_data
    except zlib.error as err:
        complete = bytes(out[: out.rfind(b"\n") + 1])
        lines = complete.count(b"\n")
        diagnostics.error(
            InputError(path, f"damaged gzip stream ({err}); read its first {lines} complete lines")
        )
        return complete
    return bytes(out)


def parse_line(
    raw: bytes, path: str, number: int, diagnostics: Diagnostics, index: int = 0
) -> Article | None:
    """One line to an Article; None for a blank line; InputError for a bad one."""
    if not raw.strip():
        return None
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        line = raw.decode("cp1252", errors="replace")
        diagnostics.warn(path, "not valid UTF-8; decoded as cp1252", number)
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        raise InputError(
            path, f"malformed JSON ({err.msg} at column {err.colno})", number
        ) from None
    except RecursionError:
        raise InputError(path, "malformed JSON (nested too deeply)", number) from None
    if not isinstance(record, dict):
        raise InputError(path, f"expected a JSON object, got {_kind(record)}", number)
    article_id = record.get("id")
    if isinstance(article_id, bool) or not isinstance(article_id, str | int):
        raise InputError(path, 'needs an "id" (string or number)', number)
    if "paragraphs" in record:
        paragraphs = record["paragraphs"]
        if not isinstance(paragraphs, list) or not all(isinstance(p, str) for p in paragraphs):
            raise InputError(path, '"paragraphs" must be a list of strings', number)
        return Article(
            str(article_id),
            tuple(paragraphs),
            path,
            "jsonl",
            number,
            _Body(index, record, "paragraphs", None),
        )
    if isinstance(record.get("text"), str):
        spans = tuple(paragraph_spans(record["text"]))
        texts = tuple(record["text"][start:end] for start, end in spans)
        return Article(
            str(article_id), texts, path, "jsonl", number, _Body(index, record, "text", spans)
        )
    raise InputError(path, 'needs "paragraphs" (list of strings) or "text" (string)', number)


def _kind(value: Any) -> str:
    return {list: "an array", str: "a string", type(None): "null"}.get(type(value), "a number")


def read(data: bytes, path: str, name: str, gzipped: bool, diagnostics: Diagnostics) -> Source:
    """Read every line; bad lines are reported and skipped, the rest are articles."""
    if gzipped:
        data = decompress(data, path, diagnostics)
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    articles = []
    for index, raw in enumerate(lines):
        try:
            article = parse_line(raw, path, index + 1, diagnostics, index)
        except InputError as err:
            diagnostics.error(err)
            continue
        if article is not None:
            articles.append(article)
    return Source(path, name, "jsonl", tuple(articles), _State(lines, gzipped))


def cleaned_record(article: Article, removed: set[int]) -> dict[str, Any]:
    """The article's record with the removed paragraphs taken out, other fields kept."""
    body: _Body = article.body
    record = dict(body.record)
    if body.key == "paragraphs":
        record["paragraphs"] = [p for i, p in enumerate(article.paragraphs) if i not in removed]
    else:
        record["text"] = remove_spans(record["text"], list(body.spans or ()), removed)
    return record


def render(source: Source, removed: Mapping[int, set[int]]) -> bytes:
    """The file with each article's removed paragraphs taken out; other lines as they were."""
    state: _State = source.state
    lines = list(state.lines)
    for position, drop in removed.items():
        if drop:
            article = source.articles[position]
            record = cleaned_record(article, drop)
            ending = b"\r" if lines[article.body.index].endswith(b"\r") else b""
            lines[article.body.index] = json.dumps(record, ensure_ascii=False).encode() + ending
    data = b"".join(line + b"\n" for line in lines)
    return gzip.compress(data, mtime=0) if state.gzipped else data
