"""`dedup filter` and `dedup index`: the pre-ingest filter and its persistent index."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import orjson
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..errors import IndexRefused, InputError, Skipped
from ..filter import Filter, skipped_record, verdict_record
from ..formats import feed_lines, iter_articles, jsonl
from ..gcpause import settled
from ..index import Index, add_articles, open_index
from ..report.wording import visible
from .app import cli
from .common import (
    Exit,
    F,
    Invocation,
    UsageError,
    emit,
    engine_options,
    finish_first,
    input_options,
    interruptible,
    invocation,
    say,
    stdout_guard,
)

_WINDOW = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def index_options(create: bool = True) -> Callable[[F], F]:
    """--index and --prefix, shared by `filter` and `index`; `create`: the command makes
    the index when it is missing (its help says so)."""
    where = (
        "a file (embedded, created if missing) or redis://HOST:PORT/DB"
        if create
        else "an existing file or redis://HOST:PORT/DB"
    )

    def decorate(command: F) -> F:
        command = click.option(
            "--prefix",
            default="dedup",
            show_default=True,
            envvar="DEDUP_PREFIX",
            help="Key prefix in Redis, so that several indexes can share one database "
            "(also DEDUP_PREFIX).",
        )(command)
        return click.option(
            "--index", "spec", envvar="DEDUP_INDEX", help=f"The index: {where} (also DEDUP_INDEX)."
        )(command)

    return decorate


def index_params_options(command: F) -> F:
    """What opening an existing index needs: the parameters it was built with."""
    options = [
        click.option(
            "--min-words", type=click.IntRange(1), help="As the index was built [default: 9]."
        ),
        click.option(
            "--shingle-size", type=click.IntRange(1), help="As the index was built [default: 5]."
        ),
        click.option(
            "--config",
            type=click.Path(dir_okay=False, path_type=Path),
            help="A dedup.toml or pyproject.toml to read [tool.dedup] from.",
        ),
        click.option("-q", "--quiet", is_flag=True, help="No messages but errors."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _open(run: Invocation, spec: str | None, prefix: str, create: bool = True) -> Index:
    if not spec:
        raise UsageError("give --index PATH or --index redis://HOST:PORT/DB, or set DEDUP_INDEX")
    return open_index(spec, run.params, prefix, create)


@cli.command(name="filter")
@click.argument("paths", nargs=-1, type=click.Path(readable=False, allow_dash=True))
@index_options()
@click.option("--no-add", is_flag=True, help="Only check; leave the index as it is.")
@click.option(
    "--flag-versions",
    is_flag=True,
    help="Also report the paragraphs a new version of a story shares with the indexed one.",
)
@engine_options
def filter_command(
    paths: tuple[str, ...],
    spec: str | None,
    prefix: str,
    no_add: bool,
    flag_versions: bool,
    **kwargs: Any,
) -> int:
    """Check JSON Lines articles (stdin or PATHS) against themselves and an index.

    Writes one JSON line per input line, in order, flushed as it goes: the input
    record plus "duplicates", "cleaned" and "dedup" (status), or {"error", "line"} for
    a line that is not an article. Then each article is added to the index (unless
    --no-add): an id sent again with the same paragraphs is "unchanged" and left as it
    is; with other paragraphs it replaces the stored one. Items that are not text
    (pictures, videos) pass through as "skipped". Exit status 2 if any line was bad or
    the index failed, else 0.
    """
    run = invocation(kwargs)
    index = _open(run, spec, prefix)
    checker = Filter(index, run.params, flag_versions)
    settled()
    done = 0
    steps = "checked and written" if no_add else "checked, written and added to the index"
    try:
        with interruptible(lambda: f"{done:,} lines done (each {steps}); none after them"):
            for path, number, raw in feed_lines(paths, run.diagnostics, run.params.max_line):
                with finish_first():
                    _filter_line(checker, run, path, number, raw, not no_add)
                    done += 1
    finally:
        index.close()
    return run.status(False)


def _filter_line(
    checker: Filter, run: Invocation, path: str, number: int, raw: bytes | jsonl.Overlong, add: bool
) -> None:
    """Check one line and write its record (or its error)."""
    try:
        article = jsonl.parse_line(raw, path, number, run.diagnostics)
        if article is None:
            raise InputError(path, "blank line", number)
    except Skipped as skipped:  # a picture, a video ...: passed through, not checked
        if skipped.kind:
            run.diagnostics.skip(skipped.kind)
        else:
            run.diagnostics.warn(path, skipped.reason, number)
        emit([jsonl.line_with_fields(skipped.raw, skipped_record({}, skipped.reason)) + b"\n"])
        return
    except InputError as err:
        run.diagnostics.error(err)
        emit([orjson.dumps({"error": err.reason, "line": number}) + b"\n"])
        return
    try:
        verdict = checker.check(article, add=add)
    except IndexRefused as err:
        emit([orjson.dumps({"error": str(err), "line": number}) + b"\n"])
        raise
    # The input record byte for byte, then the filter's fields.
    emit([jsonl.with_fields(article, verdict_record(verdict, {})) + b"\n"])


def window(text: str) -> float:
    """Seconds in a window such as "14d", "36h", "2w"."""
    found = _WINDOW.match(text.strip())
    if not found:
        raise click.BadParameter(f"{text!r}: give a number and a unit of s, m, h, d or w (14d)")
    return float(found.group(1)) * _SECONDS[found.group(2)]


@cli.group(name="index")
def index_group() -> None:
    """Look after a filter index: stats, add, load from a scan, remove, prune."""


@index_group.command()
@index_options(create=False)
@index_params_options
def stats(spec: str | None, prefix: str, **kwargs: Any) -> int:
    """Size, parameters, oldest and newest entry of an index.

    A table on a terminal, one JSON object otherwise.
    """
    run = invocation(kwargs)
    with _open(run, spec, prefix, create=False) as index:
        found = index.summary()
    params = {k: int(v) if v.isdigit() else v for k, v in found.params.items()}
    document = {
        "index": found.location,
        "articles": found.articles,
        "paragraphs": found.paragraphs,
        "oldest": _when(found.oldest),
        "newest": _when(found.newest),
        "params": params,
        **dict(found.extra),
    }
    if not sys.stdout.isatty():
        emit([orjson.dumps(document) + b"\n"])
        return Exit.OK
    table = Table(show_header=False, box=None, title=Text(visible(found.location)))
    table.add_column(style="dim")
    table.add_column()
    for key, value in document.items():
        if key == "params":
            for name, setting in params.items():
                table.add_row(name.replace("_", " "), str(setting))
        elif key != "index":
            shown = f"{value:,}" if isinstance(value, int) else str(value or "–")
            table.add_row(key, Text(visible(shown)))
    with stdout_guard():
        Console(highlight=False).print(table)
    return Exit.OK


def _when(value: float | None) -> str | None:
    if value is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(value))


@index_group.command(name="add")
@click.argument("paths", nargs=-1, required=True, type=click.Path(readable=False, allow_dash=True))
@index_options()
@input_options
@engine_options
def add_command(paths: tuple[str, ...], spec: str | None, prefix: str, **kwargs: Any) -> int:
    """Add every article in PATHS (files, folders, JSON Lines archives) to an index."""
    follow_links = kwargs.pop("follow_links")
    run = invocation(kwargs)
    added = 0
    started = time.perf_counter()
    articles = iter_articles(
        paths, run.diagnostics, max_line=run.params.max_line, follow_links=follow_links
    )
    with (
        _open(run, spec, prefix) as index,
        interruptible(lambda: f"{added:,} articles added, in whole batches; none after them"),
    ):
        for added in add_articles(index, articles):  # noqa: B007 (read by the message)
            pass
    seconds = time.perf_counter() - started
    if not run.quiet:
        rate = added / seconds if seconds else 0.0
        say(f"dedup: added {added:,} articles in {seconds:.1f} s ({rate:,.0f}/s)")
    return run.status(False)


@index_group.command()
@click.argument("ids", nargs=-1, required=True)
@index_options(create=False)
@index_params_options
def remove(ids: tuple[str, ...], spec: str | None, prefix: str, **kwargs: Any) -> int:
    """Remove articles from an index by id; exit status 2 if one was not there."""
    run = invocation(kwargs)
    missing = 0
    with _open(run, spec, prefix, create=False) as index:
        for article_id in ids:
            if not index.remove(article_id):
                missing += 1
                say(f"dedup: error: {article_id}: not in the index")
        where = index.location
    if not run.quiet:
        gone = len(ids) - missing
        say(f"dedup: removed {gone:,} article{'s' if gone != 1 else ''} from {where}")
    return Exit.ERROR if missing else Exit.OK


@index_group.command()
@click.option("--older-than", "older", required=True, help="A window: 14d, 36h, 2w ...")
@index_options(create=False)
@index_params_options
def prune(older: str, spec: str | None, prefix: str, **kwargs: Any) -> int:
    """Forget articles added longer ago than --older-than."""
    seconds = window(older)
    run = invocation(kwargs)
    with _open(run, spec, prefix, create=False) as index:
        gone = index.prune(time.time() - seconds)
    if not run.quiet:
        say(f"dedup: pruned {gone:,} articles added more than {older} ago")
    return Exit.OK
