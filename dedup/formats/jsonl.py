"""JSON Lines, gzip-compressed or not: one article per line, other fields kept.

A record needs an "id" (a string or an integer) and either "paragraphs" (a list of
strings) or "text" (a string, split into paragraphs like a text file); a ninjs record (a
body_* string or a bodies array instead) is read like ninjs and keeps its markup when
cleaned. A bad line is reported with its line number and passed through unchanged when
the file is written back.

Every field is kept exactly: an integer beyond 64 bits stays an integer, and a number
beyond a double's range (1e400) a Decimal (orjson would round the one and refuse the
other; such lines are parsed by the standard library), and a UTF-8 byte order mark
before a line is ignored (and kept when the line is written back).

A line longer than `max_line` bytes is reported and skipped without being held in
memory; a file holding one is not written back (the line is gone).
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import math
import zlib
from collections.abc import Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, BinaryIO

import orjson

from ..config import MAX_LINE
from ..errors import Diagnostics, InputError, Skipped
from ..model import Article, Source, Story
from ..segment import paragraph_spans, remove_spans
from . import ninjs
from .nesting import check_nesting


@dataclass(frozen=True, slots=True)
class _Body:
    """Where an article's paragraphs live in its record."""

    index: int  # line index in the file
    raw: bytes  # the line as parsed: UTF-8, without a byte order mark
    record: dict[str, Any]
    key: str  # "paragraphs", "text" or "ninjs"
    spans: tuple[tuple[int, int], ...] | None  # paragraph spans when key == "text"
    ninjs: ninjs.Body | None = None  # when key == "ninjs"


@dataclass(frozen=True, slots=True)
class Overlong:
    """In place of a line longer than the limit: its length in bytes."""

    size: int
    limit: int

    def reason(self) -> str:
        limit = self.limit
        amount = f"{limit >> 20} MiB" if limit % 2**20 == 0 else f"{limit:,} bytes"
        return f"line of {self.size:,} bytes, over max_line ({amount}); skipped"


@dataclass(frozen=True, slots=True)
class _State:
    lines: list[bytes | Overlong] | None  # the raw lines, kept when it may be written back
    gzipped: bool


_PIECE = 1 << 20  # bytes of input read, or of output decompressed, at a time


def _gunzip(handle: BinaryIO) -> Iterator[bytes]:
    """Decompressed pieces of a gzip stream (several members allowed), each at most
    _PIECE bytes however well the input compresses; zlib.error if damaged."""
    stream, started = zlib.decompressobj(wbits=31), False
    for piece in _raw_chunks(handle):
        chunk, full = piece, True
        while chunk or full:  # full: the output filled _PIECE, and more may be pending
            started = True
            out = stream.decompress(chunk, _PIECE)
            yield out
            chunk, full = stream.unconsumed_tail, len(out) == _PIECE
            if stream.eof:
                chunk, full = stream.unused_data, False
                stream, started = zlib.decompressobj(wbits=31), False
    if started:
        raise zlib.error("the stream ends early")


def _raw_chunks(handle: BinaryIO) -> Iterator[bytes]:
    """What the handle holds, in pieces of up to 1 MB.

    One system call per piece (read1): a buffered read(n) loops over several in C, and
    a Ctrl-C landing between two of them would wait until more input came.
    """
    read = getattr(handle, "read1", handle.read)
    while chunk := read(_PIECE):
        yield chunk


def _lines(chunks: Iterable[bytes], limit: int) -> Iterator[bytes | Overlong]:
    """Lines without their newline, an Overlong for each longer than `limit` (whose
    pieces are dropped as they come); a partial last line is dropped if `chunks` fails."""
    pending: list[bytes] = []  # the pieces of a line not finished yet, joined once at its end
    held = 0  # their bytes
    dropped = 0  # bytes of the line so far when it is over the limit
    for chunk in chunks:
        parts = chunk.split(b"\n")
        for i, part in enumerate(parts):
            if dropped or held + len(part) > limit:
                dropped += held + len(part)
                pending, held = [], 0
            else:
                pending.append(part)
                held += len(part)
            if i == len(parts) - 1:
                break
            yield Overlong(dropped, limit) if dropped else b"".join(pending)
            pending, held, dropped = [], 0, 0
    if dropped:
        yield Overlong(dropped, limit)
    elif held:
        yield b"".join(pending)


def lines(handle: BinaryIO, gzipped: bool, limit: int = MAX_LINE) -> Iterator[bytes | Overlong]:
    """The lines of a file or stream, without their newline, each as soon as it is read,
    and an Overlong in place of each line longer than `limit` bytes; zlib.error if a
    gzip stream is damaged."""
    return _lines(_gunzip(handle) if gzipped else _raw_chunks(handle), limit)


def parse_line(
    raw: bytes | Overlong,
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
    if isinstance(raw, Overlong):
        raise InputError(path, raw.reason(), number)
    raw = raw.removeprefix(BOM)
    if not raw.strip():
        return None
    try:
        record = loads(raw)
    except json.JSONDecodeError as err:
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
        valid = isinstance(article_id, str | int) and not isinstance(article_id, bool)
        fallback = str(article_id) if valid else f"{path}#{number}"
        try:
            ninjs.check_text(record, path, number)
            article = ninjs.article(record, path, fallback, "jsonl", number)
            if article is None:
                raise Skipped(path, "a ninjs text item without a body with paragraphs", number)
        except Skipped as skipped:
            skipped.raw = raw  # passed through by the filter as it was read
            raise
        except InputError as err:
            raise InputError(path, err.reason, number) from None
        body = _Body(index, raw, record, "ninjs", None, article.body) if keep_body else None
        return dataclasses.replace(article, body=body)
    if "id" not in record:
        raise InputError(path, 'needs an "id" (a string or an integer)', number)
    if isinstance(article_id, Decimal) and article_id.as_tuple().exponent == 0:
        digits = len(article_id.as_tuple().digits)
        reason = f'the "id" is an integer of {digits:,} digits; an id has at most 4,300'
        raise InputError(path, reason, number)
    if isinstance(article_id, bool) or not isinstance(article_id, str | int):
        raise InputError(
            path, f'the "id" must be a string or an integer, got {_shown(article_id)}', number
        )
    if "paragraphs" in record:
        paragraphs = record["paragraphs"]
        if not isinstance(paragraphs, list) or not all(isinstance(p, str) for p in paragraphs):
            raise InputError(path, '"paragraphs" must be a list of strings', number)
        body = _Body(index, raw, record, "paragraphs", None) if keep_body else None
        meta = _story(record)
        return Article(str(article_id), tuple(paragraphs), path, "jsonl", number, body, meta)
    if isinstance(record.get("text"), str):
        spans = tuple(paragraph_spans(record["text"]))
        texts = tuple(record["text"][start:end] for start, end in spans)
        body = _Body(index, raw, record, "text", spans) if keep_body else None
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
    kinds = {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        type(None): "null",
    }
    return kinds.get(type(value), "a number")


def _shown(value: Any) -> str:
    """A value for a message: a number as written (shortened), anything else by kind."""
    if not isinstance(value, float | Decimal):
        return _kind(value)
    text = dumps(value).decode()
    return text if len(text) <= 40 else text[:37] + "..."


BOM = b"\xef\xbb\xbf"
_DIGITS = bytes(49 if 48 <= i <= 57 else 48 for i in range(256))  # "1" for a digit, else "0"
_LONG = b"1" * 19  # 19 digits in a row: maybe an integer beyond 64 bits (orjson: a float)


def loads(raw: bytes) -> Any:
    """One JSON value, exactly: integers of any size stay integers (Decimal past Python's
    4,300 digits), and a number beyond a double's range is a Decimal. orjson parses the
    line; the standard library parses it again where orjson would round or refuse (a
    run of 19 digits, found in one pass over the bytes, or a number it calls infinity).
    json.JSONDecodeError for what is not JSON.
    """
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        if "number is infinity" not in err.msg:
            raise
        return _exact(raw)
    if _LONG in raw.translate(_DIGITS):
        return _exact(raw)
    return value


def _exact(raw: bytes) -> Any:
    """The value parsed by the standard library, its numbers kept; what orjson refuses
    beyond numbers (NaN, a lone surrogate) is refused too."""
    text = raw.decode("utf-8")
    try:
        value = json.loads(text, parse_float=_float, parse_int=_int, parse_constant=_constant)
    except RecursionError:
        raise json.JSONDecodeError("nested too deep", text, 0) from None
    except json.JSONDecodeError:
        raise
    except ValueError as err:  # from _constant
        raise json.JSONDecodeError(str(err), text, 0) from None
    try:
        dumps(value)  # (what orjson would not write back, it would not have read)
    except TypeError as err:
        raise json.JSONDecodeError(str(err), text, 0) from None
    return value


def _float(text: str) -> float | Decimal:
    number = float(text)
    return number if math.isfinite(number) else Decimal(text)


def _int(text: str) -> int | Decimal:
    try:
        return int(text)
    except ValueError:  # more digits than Python converts
        return Decimal(text)


def _constant(text: str) -> None:
    raise ValueError(f"{text} is not JSON")


def dumps(value: Any) -> bytes:
    """orjson.dumps for every value `loads` gives: integers beyond 64 bits and Decimals
    are written as their exact text."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return orjson.dumps(_fragments(value))


def _fragments(value: Any) -> Any:
    """`value` with each number orjson cannot write replaced by its JSON text."""
    if isinstance(value, dict):
        return {k: _fragments(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fragments(v) for v in value]
    if isinstance(value, Decimal) or (
        isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**64
    ):
        return orjson.Fragment(str(value).encode())
    return value


def with_fields(article: Article, fields: Mapping[str, Any]) -> bytes:
    """The article's record as read, every byte of it, with `fields` added at the end;
    written anew only when the record holds one of them already (theirs replaced)."""
    body: _Body = article.body
    return _appended(body.raw, body.record, fields)


def line_with_fields(raw: bytes, fields: Mapping[str, Any]) -> bytes:
    """`with_fields` for a line read but not made an article (a picture, say)."""
    return _appended(raw, loads(raw), fields)


def _appended(raw: bytes, record: Mapping[str, Any], fields: Mapping[str, Any]) -> bytes:
    if not fields.keys().isdisjoint(record):
        return dumps({**record, **fields})
    text = raw.strip()  # an object: ends with "}"
    added = dumps(dict(fields))[1:-1]
    return text[:-1] + (b"," if record else b"") + added + b"}"


def read(
    handle: BinaryIO,
    path: str,
    name: str,
    gzipped: bool,
    diagnostics: Diagnostics,
    keep_raw: bool = False,
    max_line: int = MAX_LINE,
) -> Generator[Article, None, Source]:
    """Yield each article as its line is read; bad lines are reported and skipped.

    Returns the Source when done. With `keep_raw` the raw lines are kept so that
    `render` can write the file back.
    """
    kept: list[bytes | Overlong] | None = [] if keep_raw else None
    articles = []
    index = -1
    try:
        for index, raw in enumerate(lines(handle, gzipped, max_line)):
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


def check_writable(source: Source) -> None:
    """Raise InputError if a line of the file was over max_line: it was not kept."""
    state: _State = source.state
    for number, line in enumerate(state.lines or (), 1):
        if isinstance(line, Overlong):
            reason = f"not written back: line {number} was over max_line, and is not kept"
            raise InputError(source.path, reason)


def render(source: Source, removed: Mapping[int, set[int]]) -> bytes:
    """The file with each article's removed paragraphs taken out; other lines as they were."""
    state: _State = source.state
    if state.lines is None:
        raise ValueError(f"{source.path} was read without keep_raw; it cannot be written back")
    check_writable(source)
    lines = [line for line in state.lines if isinstance(line, bytes)]
    for position, drop in removed.items():
        if drop:
            article = source.articles[position]
            record = cleaned_record(article, drop)
            line = lines[article.body.index]
            mark = BOM if line.startswith(BOM) else b""
            ending = b"\r" if line.endswith(b"\r") else b""
            lines[article.body.index] = mark + dumps(record) + ending
    data = b"".join(line + b"\n" for line in lines)
    return gzip.compress(data, mtime=0) if state.gzipped else data
