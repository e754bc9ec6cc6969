"""JSON Lines, gzip-compressed or not: one article per line, other fields kept.

A record needs an "id" (string or number) and either "paragraphs" (a list of strings)
or "text" (a string, split into paragraphs like a text file); a ninjs record (a body_*
string or a bodies array instead) is read like ninjs and keeps its markup when cleaned.
A bad line is reported with its line number and passed through unchanged when the file
is written back.
"""

from __future__ import annotations

import dataclasses
import gzip
import zlib
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

import orjson

from ..errors import Diagnostics, InputError, Skipped
from ..model import Article, Source, Story
from ..segment import paragraph_spans, remove_spans
from . import ninjs
from .nesting import check_nesting


@dataclass(frozen=True, slots=True)
class _Body:
    """Where an article's paragraphs live in its record."""

    index: int  # line index in the file
    record: dict[str, Any]
    key: str  # "paragraphs", "text" or "ninjs"
    spans: tuple[tuple[int, int], ...] | None  # paragraph spans when key == "text"
    ninjs: ninjs.Body | None = None  # when key == "ninjs"


@dataclass(frozen=True, slots=True)
class _State:
    lines: list[bytes] | None  # the raw lines, kept when the file may be written back
    gzipped: bool


def _gunzip(handle: BinaryIO) -> Iterator[bytes]:
    """Decompressed chunks of a gzip stream (several members allowed); zlib.error if damaged."""
    stream, started = zlib.decompressobj(wbits=31), False
    for piece in _raw_chunks(handle):
        chunk = piece
        while chunk:
            started = True
            yield stream.decompress(chunk)
            chunk = b""
            if stream.eof:
                chunk = stream.unused_data
                stream, started = zlib.decompressobj(wbits=31), False
    if started:
        raise zlib.error("the stream ends early")


def _raw_chunks(handle: BinaryIO) -> Iterator[bytes]:
    """What the handle holds, in pieces of up to 1 MB.

    One system call per piece (read1): a buffered read(n) loops over several in C, and
    a Ctrl-C landing between two of them would wait until more input came.
    """
    read = getattr(handle, "read1", handle.read)
    while chunk := read(1 << 20):
        yield chunk


def _lines(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Lines without their newline; a partial last line is dropped if `chunks` fails."""
    pending: list[bytes] = []  # the pieces of a line not finished yet
    for chunk in chunks:
        if b"\n" not in chunk:
            pending.append(chunk)  # joined once, when the line ends: linear in its length
            continue
        parts = chunk.split(b"\n")
        pending.append(parts[0])
        parts[0] = b"".join(pending)
        pending = [parts.pop()]
        yield from parts
    rest = b"".join(pending)
    if rest:
        yield rest


def lines(handle: BinaryIO, gzipped: bool) -> Iterator[bytes]:
    """The lines of a file or stream, without their newline, each as soon as it is read;
    zlib.error if a gzip stream is damaged."""
    return _lines(_gunzip(handle) if gzipped else _raw_chunks(handle))


def parse_line(
    raw: bytes,
    path: str,
    number: int,
    diagnostics: Diagnostics,
    index: int = 0,
    keep_body: bool = True,
) -> Article | None:
    """One line to an Article; None for a blank line; InputError for a bad one.

    Without `keep_body` the record is not kept with the article (it cannot be written
    back then, and a big archive takes less memory).
    """
    if not raw.strip():
        return None
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            diagnostics.warn(path, "not valid UTF-8; decoded as cp1252", number)
            text = raw.decode("cp1252", errors="replace").encode()
            return parse_line(text, path, number, diagnostics, index, keep_body)
        raise InputError(
            path, f"malformed JSON ({err.msg} at column {err.colno})", number
        ) from None
    if not isinstance(record, dict):
        raise InputError(path, f"expected a JSON object, got {_kind(record)}", number)
    check_nesting(record, raw, path, number)
    article_id = record.get("id")
    if "paragraphs" not in record and "text" not in record and ninjs.looks_like_ninjs(record):
        ninjs.check_text(record, path, number)
        valid = isinstance(article_id, str | int) and not isinstance(article_id, bool)
        fallback = str(article_id) if valid else f"{path}#{number}"
        try:
            article = ninjs.article(record, path, fallback, "jsonl", number)
        except InputError as err:
            raise InputError(path, err.reason, number) from None
        if article is None:
            raise Skipped(path, "a ninjs text item without a body with paragraphs", number)
        body = _Body(index, record, "ninjs", None, article.body) if keep_body else None
        return dataclasses.replace(article, body=body)
    if isinstance(article_id, bool) or not isinstance(article_id, str | int):
        raise InputError(path, 'needs an "id" (string or number)', number)
    if "paragraphs" in record:
        paragraphs = record["paragraphs"]
        if not isinstance(paragraphs, list) or not all(isinstance(p, str) for p in paragraphs):
            raise InputError(path, '"paragraphs" must be a list of strings', number)
        body = _Body(index, record, "paragraphs", None) if keep_body else None
        meta = _story(record)
        return Article(str(article_id), tuple(paragraphs), path, "jsonl", number, body, meta)
    if isinstance(record.get("text"), str):
        spans = tuple(paragraph_spans(record["text"]))
        texts = tuple(record["text"][start:end] for start, end in spans)
        body = _Body(index, record, "text", spans) if keep_body else None
        return Article(str(article_id), texts, path, "jsonl", number, body, _story(record))
    raise InputError(path, 'needs "paragraphs" (list of strings) or "text" (string)', number)


_DATES = ("firstcreated", "published", "date")


def _story(record: Mapping[str, Any]) -> Story | None:
    """When the record says it was published (`firstcreated`, `published` or `date`)."""
    for key in _DATES:
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            return Story(created=value.strip())
    return None


def _kind(value: Any) -> str:
    kinds = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return kinds.get(type(value), "a number")


def read(
    handle: BinaryIO,
    path: str,
    name: str,
    gzipped: bool,
    diagnostics: Diagnostics,
    keep_raw: bool = False,
) -> Generator[Article, None, Source]:
    """Yield each article as its line is read; bad lines are reported and skipped.

    Returns the Source when done. With `keep_raw` the raw lines are kept so that
    `render` can write the file back.
    """
    kept: list[bytes] | None = [] if keep_raw else None
    articles = []
    index = -1
    try:
        for index, raw in enumerate(lines(handle, gzipped)):
            if kept is not None:
                kept.append(raw)
            try:
                article = parse_line(raw, path, index + 1, diagnostics, index, keep_raw)
            except Skipped as skipped:
                if skipped.kind:
                    diagnostics.skip(skipped.kind)
                else:
                    diagnostics.warn(path, skipped.reason, skipped.line)
                continue
            except InputError as err:
                diagnostics.error(err)
                continue
            if article is not None:
                articles.append(article)
                yield article
    except zlib.error as err:
        diagnostics.error(
            InputError(path, f"damaged gzip stream ({err}); read its first {index + 1} lines")
        )
    return Source(path, name, "jsonl", tuple(articles), _State(kept, gzipped))


def cleaned_record(article: Article, removed: set[int]) -> dict[str, Any]:
    """The article's record with the removed paragraphs taken out, other fields kept."""
    body: _Body = article.body
    if body.ninjs is not None:
        return ninjs.cleaned(body.ninjs, removed)
    record = dict(body.record)
    if body.key == "paragraphs":
        record["paragraphs"] = [p for i, p in enumerate(article.paragraphs) if i not in removed]
    else:
        record["text"] = remove_spans(record["text"], list(body.spans or ()), removed)
    return record


def render(source: Source, removed: Mapping[int, set[int]]) -> bytes:
    """The file with each article's removed paragraphs taken out; other lines as they were."""
    state: _State = source.state
    if state.lines is None:
        raise ValueError(f"{source.path} was read without keep_raw; it cannot be written back")
    lines = list(state.lines)
    for position, drop in removed.items():
        if drop:
            article = source.articles[position]
            record = cleaned_record(article, drop)
            ending = b"\r" if lines[article.body.index].endswith(b"\r") else b""
            lines[article.body.index] = orjson.dumps(record) + ending
    data = b"".join(line + b"\n" for line in lines)
    return gzip.compress(data, mtime=0) if state.gzipped else data
