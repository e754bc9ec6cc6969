"""An archive cut into units a task reads: files read whole, runs of JSON Lines lines,
Parquet row groups.

The driver lists the inputs in the order the single-process scan reads them (the same
walk, the same files skipped and reported) and cuts them into units of about
`Plan.unit_bytes`: small files are read whole by a worker, grouped; a JSON Lines file
too big for one unit (or stdin) is read here, line by line, and sent in runs of lines;
a Parquet file is read by row group. Globs (`shards/*.jsonl.gz`) are expanded here, and
remote paths (`s3://`, `gs://` ...) are read through fsspec where it is installed.

Problems met while listing or reading are kept as events, in input order, so that the
driver reports them in the order a single-process scan would.
"""

from __future__ import annotations

import dataclasses
import glob
import io
import os
import sys
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from .. import formats
from ..errors import Diagnostics, InputError, Skipped
from ..formats import jsonl
from ..model import Article
from ..segment import paragraph_spans

Event = tuple[str, str, str, int | None]
"""("error" | "warning", file, reason, line) or ("skip", kind, "", None)."""

_GZIP_RATIO = 3  # a gzip-compressed JSON Lines file of wire copy holds about three times its size


@dataclass(frozen=True, slots=True)
class Columns:
    """Which Parquet columns hold an article's id and its text (a string, split into
    paragraphs like a text file) or paragraphs (a list of strings)."""

    id: str = "id"
    text: str | None = None  # None: "paragraphs" when the table has it, else "text"


@dataclass(frozen=True, slots=True)
class Unit:
    """One task's share of the input.

    `files`: (path, name, article id) read whole, in order. `lines`: a run of JSON
    Lines lines of `path` (an Overlong for a line over max_line), the first being line
    `first`; or, with `end` set, the lines in bytes [start, end) of a plain JSON Lines
    file, read by the worker. `row_group`: a Parquet row group of `path`. `data`: all
    of a stream that is not JSON Lines (stdin). `after`: problems to report once the
    lines are read (a damaged gzip stream). `last_of`: set on the last run of a JSON
    Lines file cut here, with whether the file started blank: a file without articles
    is reported then.
    """

    files: tuple[tuple[str, str, str], ...] = ()
    path: str = ""
    lines: tuple[bytes | jsonl.Overlong, ...] = ()
    first: int = 1
    start: int = 0
    end: int = -1
    row_group: int = -1
    data: bytes | None = None
    after: tuple[Event, ...] = ()
    last_of: bool | None = None


@dataclass
class Listing:
    """The units of an archive and the events met while listing it: events[i] come
    before unit i is read (events[len(units)] after the last)."""

    units: list[Unit] = field(default_factory=list)
    events: list[list[Event]] = field(default_factory=lambda: [[]])
    inputs: list[str] = field(default_factory=list)

    def add(self, unit: Unit) -> None:
        """Record a unit (without its lines: those go to the workers)."""
        self.units.append(dataclasses.replace(unit, lines=(), data=None))
        self.events.append([])

    def recorder(self) -> Diagnostics:
        """Diagnostics that record what is met as events before the next unit."""
        return Diagnostics(
            lambda e: self.events[-1].append(("error", e.source, e.reason, e.line)),
            lambda w: self.events[-1].append(("warning", w.source, w.reason, w.line)),
        )

    def replay(
        self, found: Sequence[tuple[int, Sequence[Event]]], diagnostics: Diagnostics
    ) -> None:
        """Report, in input order, what listing and reading met: `found` gives each
        unit's article count and events. A JSON Lines file cut here that gave no
        article, and skipped nothing, is reported as the single-process scan does."""
        articles = quiet = 0
        for events, unit, (count, read) in zip(self.events, self.units, found, strict=False):
            _report(events, diagnostics)
            _report(read, diagnostics)
            _report(unit.after, diagnostics)
            articles += count
            quiet += sum(kind != "error" for kind, *_ in read)
            if unit.last_of is not None:
                if not articles and not quiet:
                    reason = "empty file" if unit.last_of else "no articles in file"
                    diagnostics.error(InputError(unit.path, reason))
                articles = quiet = 0
        _report(self.events[-1], diagnostics)


def _report(events: Sequence[Event], diagnostics: Diagnostics) -> None:
    for kind, source, reason, line in events:
        if kind == "error":
            diagnostics.error(InputError(source, reason, line))
        elif kind == "warning":
            diagnostics.warn(source, reason, line)
        else:
            diagnostics.skip(source)


def is_remote(path: str) -> bool:
    """Whether a path is a URL read through fsspec (s3://, gs://, file:// ...)."""
    return "://" in path


def _expand(paths: Sequence[str], diagnostics: Diagnostics) -> list[str]:
    """Paths with each glob replaced by the files it matches, sorted."""
    found: list[str] = []
    for path in paths:
        if path == formats.STDIN or not any(c in path for c in "*?["):
            found.append(path)
            continue
        if is_remote(path):
            import fsspec  # an optional extra's dependency: only for remote paths

            fs, _, _ = fsspec.get_fs_token_paths(path)
            protocol = path.split("://", 1)[0]
            matches = [f"{protocol}://{p}" for p in sorted(fs.glob(path.split("://", 1)[1]))]
        elif os.path.exists(path):
            matches = [path]
        else:
            matches = sorted(glob.glob(path))
        if not matches:
            diagnostics.error(InputError(path, "no files match"))
        found.extend(matches)
    return found


def plan(
    paths: Sequence[str],
    listing: Listing,
    unit_bytes: int,
    max_line: int,
    follow_links: bool = False,
) -> Iterator[Unit]:
    """The units of `paths` (files, folders, globs, URLs, "-" for stdin), in input
    order, as they are found; each is recorded in `listing` with what was met."""
    recorder = listing.recorder()
    grouped: list[tuple[str, str, str]] = []
    held = 0

    def flush() -> Iterator[Unit]:
        nonlocal grouped, held
        if grouped:
            unit = Unit(files=tuple(grouped))
            listing.add(unit)
            grouped, held = [], 0
            yield unit

    listing.inputs = _expand(paths, recorder)
    for path, name, article_id in _files(listing.inputs, recorder, follow_links):
        if path.lower().endswith(".parquet"):
            yield from flush()
            for group in range(_row_groups(path, recorder)):
                unit = Unit(path=path, row_group=group)
                listing.add(unit)
                yield unit
            continue
        kind, gzipped = formats.format_of(path)
        size = _size(path) * (_GZIP_RATIO if gzipped else 1)
        if path == formats.STDIN or (kind == "jsonl" and size > unit_bytes):
            yield from flush()
            cut = _ranges if not gzipped and not is_remote(path) else _cut
            yield from cut(path, listing, unit_bytes, max_line)
            continue
        if held and held + size > unit_bytes:
            yield from flush()
        grouped.append((path, name, article_id))
        held += size
    yield from flush()


def _files(
    paths: list[str], diagnostics: Diagnostics, follow_links: bool
) -> Iterator[tuple[str, str, str]]:
    """(path, name, article id) of each file, as the single-process scan finds them."""
    seen: dict[object, str] = {}
    for path in paths:
        if is_remote(path):
            yield path, path.rsplit("/", 1)[-1], path
        else:
            yield from formats._files([path], diagnostics, follow_links, seen)


def _size(path: str) -> int:
    if path == formats.STDIN:
        return 0
    try:
        if is_remote(path):
            import fsspec

            fs, _, [found] = fsspec.get_fs_token_paths(path)
            return int(fs.size(found))
        return os.path.getsize(path)
    except (OSError, ValueError):
        return 0  # reading it will say what is wrong


def _row_groups(path: str, diagnostics: Diagnostics) -> int:
    import pyarrow.parquet as pq

    try:
        with _open(path) as handle:
            return int(pq.ParquetFile(handle).metadata.num_row_groups)
    except OSError as err:
        diagnostics.error(InputError(path, (err.strerror or str(err)).lower()))
    except Exception as err:  # pyarrow's ArrowInvalid and kin: not a Parquet file
        diagnostics.error(InputError(path, f"not a readable Parquet file ({err})"))
    return 0


def _open(path: str) -> BinaryIO:
    if is_remote(path):
        import fsspec

        return fsspec.open(path, "rb").open()
    return open(path, "rb")


def _ranges(path: str, listing: Listing, unit_bytes: int, max_line: int) -> Iterator[Unit]:
    """Cut a plain JSON Lines file into byte ranges of whole lines, read by the workers
    (counting the lines here, for their numbers)."""
    del max_line  # the workers skip over-long lines as they read them
    recorder = listing.recorder()
    try:
        with open(path, "rb") as handle:
            blank = not handle.peek(256)[:256].strip()
            start, first, lines, at = 0, 1, 0, 0
            while piece := handle.read(1 << 20):
                base, at = at, at + len(piece)
                newline = piece.rfind(b"\n")
                if at - start >= unit_bytes and newline >= 0:
                    unit = Unit(path=path, first=first, start=start, end=base + newline + 1)
                    listing.add(unit)
                    yield unit
                    start, first = unit.end, lines + piece.count(b"\n", 0, newline + 1) + 1
                lines += piece.count(b"\n")
            unit = Unit(path=path, first=first, start=start, end=at, last_of=blank)
            listing.add(unit)
            yield unit
    except OSError as err:
        recorder.error(InputError(path, (err.strerror or str(err)).lower()))


def _cut(path: str, listing: Listing, unit_bytes: int, max_line: int) -> Iterator[Unit]:
    """Read a JSON Lines file (or stdin) here and cut it into runs of lines."""
    recorder = listing.recorder()
    name = "<stdin>" if path == formats.STDIN else path
    run: list[bytes | jsonl.Overlong] = []
    first, held, number = 1, 0, 0
    try:
        with _stdin() if path == formats.STDIN else _open(path) as given:
            handle = given if isinstance(given, io.BufferedReader) else _buffered(given)
            head = handle.peek(256)[:256]
            blank = not head.strip()
            gzipped = path.lower().endswith(".gz") or head[:2] == b"\x1f\x8b"
            if path == formats.STDIN and not gzipped and formats._sniff(head) != "jsonl":
                unit = Unit(path=name, data=handle.read())
                listing.add(unit)
                yield unit
                return
            try:
                for number, raw in enumerate(jsonl.lines(handle, gzipped, max_line), 1):
                    run.append(raw)
                    held += len(raw) if isinstance(raw, bytes) else 0
                    if held >= unit_bytes:
                        unit = Unit(path=name, lines=tuple(run), first=first)
                        listing.add(unit)
                        yield unit
                        run, first, held = [], number + 1, 0
            except zlib.error as err:
                reason = f"damaged gzip stream ({err}); read its first {number} lines"
                damaged: Event = ("error", name, reason, None)
                unit = Unit(
                    path=name, lines=tuple(run), first=first, after=(damaged,), last_of=False
                )
                listing.add(unit)
                yield unit
                return
            unit = Unit(path=name, lines=tuple(run), first=first, last_of=blank)
            listing.add(unit)
            yield unit
    except OSError as err:
        recorder.error(InputError(name, (err.strerror or str(err)).lower()))


def _buffered(handle: BinaryIO) -> io.BufferedReader:
    return io.BufferedReader(io.BytesIO(handle.read()))


def _stdin() -> BinaryIO:
    return sys.stdin.buffer


def read(unit: Unit, max_line: int, columns: Columns) -> tuple[list[Article], list[Event]]:
    """The articles of a unit, in order, and the problems met reading it (on a worker)."""
    events: list[Event] = []
    diagnostics = Diagnostics(
        lambda e: events.append(("error", e.source, e.reason, e.line)),
        lambda w: events.append(("warning", w.source, w.reason, w.line)),
    )
    articles: list[Article] = []
    if unit.files:
        for path, name, article_id in unit.files:
            if is_remote(path):
                try:
                    with _open(path) as handle:
                        articles.extend(
                            formats._read_handle(
                                handle, path, name, article_id, diagnostics, False, max_line
                            )
                        )
                except InputError as err:
                    diagnostics.error(err)
                except OSError as err:
                    diagnostics.error(InputError(path, (err.strerror or str(err)).lower()))
            else:
                articles.extend(
                    formats._read_file(path, name, article_id, diagnostics, False, max_line)
                )
    elif unit.data is not None:
        try:
            articles.extend(
                formats._read_handle(
                    io.BytesIO(unit.data),
                    unit.path,
                    unit.path,
                    unit.path,
                    diagnostics,
                    False,
                    max_line,
                )
            )
        except InputError as err:
            diagnostics.error(err)
    elif unit.row_group >= 0:
        articles.extend(_parquet(unit, columns, diagnostics))
    else:
        articles.extend(_lines(unit, diagnostics, max_line))
    skipped: list[Event] = [
        ("skip", kind, "", None) for kind, n in diagnostics.skipped.items() for _ in range(n)
    ]
    return articles, events + skipped


def _lines(unit: Unit, diagnostics: Diagnostics, max_line: int) -> Iterator[Article]:
    """The articles of a run of JSON Lines lines, as `jsonl.read` reads them."""
    lines: Iterable[bytes | jsonl.Overlong] = unit.lines
    if unit.end >= 0:
        with open(unit.path, "rb") as handle:
            handle.seek(unit.start)
            data = handle.read(unit.end - unit.start)
        lines = jsonl.lines(io.BytesIO(data), False, max_line)
    for number, raw in enumerate(lines, unit.first):
        try:
            article = jsonl.parse_line(raw, unit.path, number, diagnostics, number - 1, False)
        except Skipped as skipped:
            if skipped.kind:
                diagnostics.skip(skipped.kind)
            else:
                diagnostics.warn(unit.path, skipped.reason, skipped.line)
            continue
        except InputError as err:
            diagnostics.error(err)
            continue
        if article is not None:
            yield article


def _parquet(unit: Unit, columns: Columns, diagnostics: Diagnostics) -> Iterator[Article]:
    """The articles of a Parquet row group: one per row, `line` its row number."""
    import pyarrow.parquet as pq

    path = unit.path
    with _open(path) as handle:
        table = pq.ParquetFile(handle)
        names = table.schema_arrow.names
        text = columns.text or ("paragraphs" if "paragraphs" in names else "text")
        missing = [c for c in (columns.id, text) if c not in names]
        if missing:
            if unit.row_group == 0:
                have = ", ".join(names)
                diagnostics.error(InputError(path, f"no column {missing[0]!r} (it has {have})"))
            return
        start = sum(table.metadata.row_group(g).num_rows for g in range(unit.row_group))
        rows = table.read_row_group(unit.row_group, columns=[columns.id, text])
    ids, bodies = rows.column(0).to_pylist(), rows.column(1).to_pylist()
    for row, (article_id, body) in enumerate(zip(ids, bodies, strict=True), start + 1):
        if article_id is None or isinstance(article_id, bool):
            diagnostics.error(InputError(path, f"no {columns.id!r} in this row", row))
            continue
        if isinstance(body, str):
            paragraphs = tuple(body[a:b] for a, b in paragraph_spans(body))
        elif isinstance(body, list) and all(isinstance(p, str) for p in body):
            paragraphs = tuple(body)
        else:
            reason = f"{text!r} must be a string or a list of strings"
            diagnostics.error(InputError(path, reason, row))
            continue
        yield Article(str(article_id), paragraphs, path, "parquet", row)
