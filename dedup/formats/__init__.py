"""Finding and reading input files, and writing cleaned ones back in their own format."""

from __future__ import annotations

import errno
import io
import os
import re
import stat
import sys
import zlib
from collections.abc import Generator, Iterator, Mapping, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import BinaryIO

from ..config import MAX_LINE
from ..errors import Diagnostics, InputError, printable
from ..gcpause import paused
from ..model import Article, Source
from . import html, jsonl, markup, newsml, ninjs, nitf, text, xml

SUFFIXES = {
    ".txt": "text",
    ".md": "text",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "ninjs",
    ".xml": "xml",
    ".nitf": "xml",
    ".html": "html",
    ".htm": "html",
}
"""File name endings read when walking a folder ('.gz' after a JSON Lines suffix too)."""

STDIN = "-"
"""The path that names standard input on the command line."""
STDIN_NAME = "<stdin>"
"""How the articles read from standard input name their source."""


def format_of(name: str) -> tuple[str | None, bool]:
    """(format, gzipped) from a file name; format None when the suffix is unknown."""
    lower = name.lower()
    gzipped = lower.endswith(".gz")
    if gzipped:
        lower = lower[:-3]
    kind = SUFFIXES.get(os.path.splitext(lower)[1])
    if gzipped and kind != "jsonl":
        return None, gzipped
    return kind, gzipped


def _sniff(head: bytes) -> str:
    start = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if start[:1] == b"<":
        return "html" if re.search(rb"<(!doctype\s+)?html[\s>]", start.lower()) else "xml"
    if start[:1] in (b"{", b"["):  # one JSON document over several lines is ninjs
        return "ninjs" if start[1:].split(b"\n", 1)[0].strip() in (b"", b"{") else "jsonl"
    return "text"


def _read_xml(
    data: bytes, path: str, name: str, article_id: str, diagnostics: Diagnostics
) -> Source:
    document = xml.parse(data, path)
    if xml.local(document.root) == "nitf":
        return nitf.read(document, path, name, article_id)
    if xml.namespace(document.root) == newsml.NAMESPACE:
        return newsml.read(document, path, name, article_id, diagnostics)
    root = xml.local(document.root)
    raise InputError(path, f"XML that is neither NITF nor NewsML-G2 (root element <{root}>)")


_READERS = {"ninjs": ninjs.read, "xml": _read_xml, "html": html.read, "text": text.read}


def _read_file(
    path: str, name: str, article_id: str, diagnostics: Diagnostics, keep_raw: bool, max_line: int
) -> Generator[Article, None, Source | None]:
    """Yield the articles of one file (or stdin for "-"); return its Source.

    Problems are reported and end the file (returning None); the run goes on.
    """
    try:
        if path == STDIN:
            path = name = article_id = STDIN_NAME
            return (
                yield from _read_handle(
                    sys.stdin.buffer, path, name, article_id, diagnostics, keep_raw, max_line
                )
            )
        with open(path, "rb") as handle:
            return (
                yield from _read_handle(
                    handle, path, name, article_id, diagnostics, keep_raw, max_line
                )
            )
    except InputError as err:
        diagnostics.error(err)
    except OSError as err:
        diagnostics.error(InputError(path, (err.strerror or str(err)).lower()))
    return None


def _read_handle(
    handle: BinaryIO,
    path: str,
    name: str,
    article_id: str,
    diagnostics: Diagnostics,
    keep_raw: bool,
    max_line: int,
) -> Generator[Article, None, Source]:
    if not isinstance(handle, io.BufferedReader):  # a stream that cannot peek (tests)
        handle = io.BufferedReader(io.BytesIO(handle.read()))
    head = handle.peek(256)[:256]
    kind, gzipped = format_of(path) if path != STDIN_NAME else (None, False)
    gzipped = gzipped or head[:2] == b"\x1f\x8b"
    if kind is None:
        kind = "jsonl" if gzipped else _sniff(head)
    if kind == "jsonl":
        left_out = sum(diagnostics.skipped.values()) + len(diagnostics.warnings)
        source = yield from jsonl.read(handle, path, name, gzipped, diagnostics, keep_raw, max_line)
        skipped = sum(diagnostics.skipped.values()) + len(diagnostics.warnings) > left_out
        if not source.articles and not skipped:  # items skipped (pictures ...) are no error
            raise InputError(path, "empty file" if not head.strip() else "no articles in file")
        return source
    data = handle.read()
    if not data.strip():
        raise InputError(path, "empty file")
    source = _READERS[kind](data, path, name, article_id, diagnostics)
    yield from source.articles
    return source


_LINK_NOT_FOLLOWED = "symbolic link, not followed (--follow-links reads it)"


def _walk(root: str, diagnostics: Diagnostics, follow_links: bool) -> Iterator[str]:
    """Readable article files under `root`, sorted, hidden entries skipped.

    Symbolic links met on the way (to files or folders) are reported and skipped unless
    `follow_links`; followed, a folder reached again through another link is read once.
    """

    def failed(err: OSError) -> None:
        diagnostics.error(InputError(err.filename or root, (err.strerror or str(err)).lower()))

    visited: set[str] = set()
    for folder, dirs, files in os.walk(root, onerror=failed, followlinks=follow_links):
        if follow_links:
            real = os.path.realpath(folder)
            if real in visited:
                dirs[:] = []
                continue
            visited.add(real)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if not follow_links:
            links = [d for d in dirs if os.path.islink(os.path.join(folder, d))]
            for d in links:
                diagnostics.warn(os.path.join(folder, d), _LINK_NOT_FOLLOWED)
            dirs[:] = [d for d in dirs if d not in links]
        for file in sorted(files):
            if file.startswith(".") or format_of(file)[0] is None:
                continue
            path = os.path.join(folder, file)
            if not follow_links and os.path.islink(path):
                diagnostics.warn(path, _LINK_NOT_FOLLOWED)
            elif _special(path):  # reading a FIFO would wait for a writer forever
                diagnostics.error(InputError(path, "not a regular file, skipped"))
            else:
                yield path


def _special(path: str) -> bool:
    """Whether `path` exists but is not a regular file (a FIFO, socket or device)."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:  # reading it will say why
        return False


def _dangling(path: str) -> str:
    """Why a symbolic link leads nowhere."""
    try:
        os.stat(path)
    except OSError as err:
        if err.errno == errno.ELOOP:
            return "symbolic link loop"
    return "broken symbolic link"


def identity(path: str) -> tuple[int, int] | str:
    """What tells one file from another (device and inode, or its real path)."""
    try:
        found = os.stat(path)
    except OSError:
        return os.path.realpath(path)
    return (found.st_dev, found.st_ino)


def _files(
    paths: Sequence[str], diagnostics: Diagnostics, follow_links: bool, seen: dict[object, str]
) -> Iterator[tuple[str, str, str]]:
    """(path, name, article id) of every file to read, reporting what cannot be found.

    A file already in `seen` (by identity: hard and symbolic links too) is not read again.
    """
    for given in paths:
        if given == STDIN:
            found = [(STDIN, STDIN)]
        elif os.path.isdir(given):
            found = [
                (p, Path(os.path.relpath(p, given)).as_posix())
                for p in _walk(given, diagnostics, follow_links)
            ]
            if not found:
                kinds = ", ".join(sorted({*SUFFIXES, ".jsonl.gz"}))
                diagnostics.error(InputError(given, f"no articles found (looked for {kinds})"))
        elif os.path.lexists(given) and not os.path.exists(given):
            diagnostics.error(InputError(given, _dangling(given)))
            continue
        else:
            found = [(given, os.path.basename(given))]
        for path, name in found:
            key = identity(path) if path != STDIN else STDIN
            if key in seen:
                diagnostics.warn(path, f"the same file as {printable(seen[key])}; read once")
                continue
            seen[key] = path
            yield path, name, printable(name if os.path.isdir(given) else given)


def iter_articles(
    paths: Sequence[str],
    diagnostics: Diagnostics,
    sources: list[Source] | None = None,
    keep_raw: bool = False,
    max_line: int = MAX_LINE,
    *,
    follow_links: bool = False,
    seen: dict[object, str] | None = None,
) -> Iterator[Article]:
    """Every article in `paths` (files, and folders walked recursively), as it is read.

    A big JSON Lines file is not read whole before its first article comes out. Each
    file read is appended to `sources` when it is done. Text articles found in a
    folder get their path relative to it as id; a file given directly keeps the path
    as given. Pass `keep_raw` to `render` the sources later. A JSON Lines line longer
    than `max_line` bytes is reported and skipped.

    Symbolic links inside folders are skipped (and reported) unless `follow_links`;
    a file named directly is read even through a link. `seen` maps the identity of each
    file read to its path; share one between calls so that no file is read twice (an
    archive that holds an input does not read it again).

    >>> from dedup import Diagnostics, iter_articles
    >>> diagnostics = Diagnostics()
    >>> [a.id for a in iter_articles(["seeds/", "nowhere.txt"], diagnostics)]
    ['wire-milley-kirby.txt']
    >>> [str(e) for e in diagnostics.errors]
    ['nowhere.txt: no such file or directory']
    """
    for path, name, article_id in _files(
        paths, diagnostics, follow_links, {} if seen is None else seen
    ):
        source = yield from _read_file(path, name, article_id, diagnostics, keep_raw, max_line)
        if source is not None and sources is not None:
            sources.append(source)


def read_paths(
    paths: Sequence[str],
    diagnostics: Diagnostics,
    keep_raw: bool = False,
    max_line: int = MAX_LINE,
) -> list[Source]:
    """Read every file and folder in `paths` (see `iter_articles`), in order.

    >>> from dedup import Diagnostics, read_paths
    >>> [source] = read_paths(["seeds/wire-milley-kirby.txt"], Diagnostics())
    >>> source.format, len(source.articles[0].paragraphs)
    ('text', 12)
    """
    sources: list[Source] = []
    with paused():
        for _ in iter_articles(paths, diagnostics, sources, keep_raw, max_line):
            pass
    return sources


def check_writable(source: Source) -> None:
    """Raise InputError if `source` cannot be written back: a JSON Lines line over
    max_line was not kept."""
    if source.format == "jsonl":
        jsonl.check_writable(source)


def feed_lines(
    paths: tuple[str, ...], diagnostics: Diagnostics, limit: int = MAX_LINE
) -> Iterator[tuple[str, int, bytes | jsonl.Overlong]]:
    """(file, line number, raw line) of each JSON Lines file in turn ("-" or none:
    stdin; gzip by the name's ".gz"), as each line is read; a line longer than `limit`
    bytes comes as a jsonl.Overlong. What `dedup filter` reads.

    A file that cannot be read, or whose gzip stream is damaged, is reported and the
    next one is read.
    """
    for path in paths or (STDIN,):
        name, number = STDIN_NAME if path == STDIN else path, 0
        try:
            with nullcontext(sys.stdin.buffer) if path == STDIN else open(path, "rb") as handle:
                found = jsonl.lines(handle, path.lower().endswith(".gz"), limit)
                for number, raw in enumerate(found, 1):
                    yield name, number, raw
        except OSError as err:
            diagnostics.error(InputError(name, (err.strerror or str(err)).lower()))
        except zlib.error as err:
            reason = f"damaged gzip stream ({err}); read its first {number} lines"
            diagnostics.error(InputError(name, reason))


def render(source: Source, removed: Mapping[int, set[int]]) -> bytes:
    """The source file's bytes with the removed paragraphs of its articles taken out."""
    if source.format == "jsonl":
        return jsonl.render(source, removed)
    if source.format == "ninjs":
        return ninjs.render(source, removed)
    if source.format in markup.FORMATS:
        return markup.render(source, removed)
    return text.render(source, removed)
