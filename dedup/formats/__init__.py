"""Finding and reading input files, and writing cleaned ones back in their own format."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from ..errors import Diagnostics, InputError
from ..model import Source
from . import jsonl, text

SUFFIXES = {".txt": "text", ".md": "text", ".jsonl": "jsonl", ".ndjson": "jsonl"}
"""File name endings read when walking a folder ('.gz' after a JSON Lines suffix too)."""

STDIN = "-"


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


def _sniff(data: bytes) -> str:
    return "jsonl" if data.lstrip()[:1] == b"{" else "text"


def read_file(path: str, name: str, article_id: str, diagnostics: Diagnostics) -> Source | None:
    """Read one file (or stdin for "-"); report problems and return None if unreadable."""
    try:
        if path == STDIN:
            data = sys.stdin.buffer.read()
            kind, gzipped = None, data[:2] == b"\x1f\x8b"
            path = name = article_id = "<stdin>"
        else:
            kind, gzipped = format_of(path)
            with open(path, "rb") as handle:
                data = handle.read()
        if kind is None:
            kind = "jsonl" if gzipped else _sniff(data)
        if not data.strip():
            raise InputError(path, "empty file")
        if kind == "jsonl":
            source = jsonl.read(data, path, name, gzipped, diagnostics)
            if not source.articles:
                raise InputError(path, "no articles in file")
            return source
        return text.read(data, path, name, article_id, diagnostics)
    except InputError as err:
        diagnostics.error(err)
    except OSError as err:
        diagnostics.error(InputError(path, (err.strerror or str(err)).lower()))
    return None


def _walk(root: str, diagnostics: Diagnostics) -> Iterator[str]:
    """Readable article files under `root`, sorted, hidden entries skipped."""

    def failed(err: OSError) -> None:
        diagnostics.error(InputError(err.filename or root, (err.strerror or str(err)).lower()))

    for folder, dirs, files in os.walk(root, onerror=failed):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for file in sorted(files):
            if not file.startswith(".") and format_of(file)[0] is not None:
                yield os.path.join(folder, file)


def read_paths(paths: Sequence[str], diagnostics: Diagnostics) -> list[Source]:
    """Read every file and folder (walked recursively) in `paths`, in order.

    Text articles found in a folder get their path relative to it as id; a file
    given directly keeps the path as given.
    """
    sources: list[Source] = []
    seen: set[str] = set()
    for given in paths:
        if given == STDIN:
            found = [(STDIN, STDIN)]
        elif os.path.isdir(given):
            found = [
                (p, Path(os.path.relpath(p, given)).as_posix()) for p in _walk(given, diagnostics)
            ]
            if not found:
                kinds = ", ".join(sorted({*SUFFIXES, ".jsonl.gz"}))
                diagnostics.error(InputError(given, f"no articles found (looked for {kinds})"))
        elif os.path.lexists(given) and not os.path.exists(given):
            diagnostics.error(InputError(given, "broken symbolic link"))
            continue
        else:
            found = [(given, os.path.basename(given))]
        for path, name in found:
            real = os.path.realpath(path) if path != STDIN else STDIN
            if real in seen:
                diagnostics.warn(path, "given more than once; read once")
                continue
            seen.add(real)
            article_id = name if os.path.isdir(given) else given
            source = read_file(path, name, article_id, diagnostics)
            if source is not None:
                sources.append(source)
    return sources


def render(source: Source, removed: Mapping[int, set[int]]) -> bytes:
    """The source file's bytes with the removed paragraphs of its articles taken out."""
    if source.format == "jsonl":
        return jsonl.render(source, removed)
    return text.render(source, removed)
