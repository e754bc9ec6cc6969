"""`dedup clean`: the articles without their repeats, in their own format."""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import click

from .. import formats, writeback
from ..clean import Keep, clean
from ..errors import Diagnostics, InputError
from ..model import Article, Cleaned, Source
from ..report.json import clean_record, jsonl
from ..report.wording import para
from .app import cli
from .common import (
    Invocation,
    UsageError,
    emit,
    engine_options,
    finish_first,
    input_options,
    input_paths,
    interruptible,
    invocation,
    say,
)


@cli.command(name="clean")
@click.argument("paths", nargs=-1, type=click.Path(readable=False, allow_dash=True))
@click.option(
    "--keep",
    type=click.Choice(["first", "longest"]),
    default="first",
    show_default=True,
    help="Which copy of a repeated paragraph stays.",
)
@click.option(
    "--against",
    "archive",
    multiple=True,
    type=click.Path(readable=False),
    help="Also remove paragraphs already in this archive (file or folder; repeatable). "
    "The archive is only read.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write cleaned files under this folder, mirroring the input tree.",
)
@click.option("--in-place", is_flag=True, help="Rewrite the input files themselves.")
@click.option(
    "--strip-boilerplate",
    is_flag=True,
    help="Also remove standing text: recurring formulas, promos, sign-offs, photo captions.",
)
@click.option(
    "--remove-substantive",
    is_flag=True,
    help="Also remove copies that change a number or a word or add words (flagged by default).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["article", "jsonl"]),
    default="article",
    show_default=True,
    help="article: the cleaned file in its own format; jsonl: one record per article.",
)
@input_options
@engine_options
def clean_command(
    paths: tuple[str, ...],
    keep: Keep,
    archive: tuple[str, ...],
    out: Path | None,
    in_place: bool,
    strip_boilerplate: bool,
    remove_substantive: bool,
    fmt: str,
    **kwargs: Any,
) -> int:
    """Remove repeated paragraphs from the articles in PATHS.

    Inside each article a paragraph that near-duplicates an earlier one is removed;
    the order and exact text of every kept paragraph are preserved. One file goes
    to stdout; several need --out DIR, --in-place or --format jsonl.
    """
    if out is not None and in_place:
        raise UsageError("--out and --in-place exclude each other")
    if fmt == "jsonl" and (out is not None or in_place):
        raise UsageError("--format jsonl writes its records to stdout: drop --out or --in-place")
    follow_links = kwargs.pop("follow_links")
    run = invocation(kwargs)
    paths = input_paths(paths)
    sources: list[Source] = []
    everything: list[Article] = []
    reading: dict[object, str] = {}  # every file read: an archive never re-reads an input
    stream = itertools.chain(
        run.articles(paths, sources, fmt != "jsonl", follow_links=follow_links, seen=reading),
        run.articles(archive, follow_links=follow_links, seen=reading),
    )
    with interruptible(lambda: f"{run.read:,} articles read; nothing written"):
        result = run.scan(_collected(stream, everything))
        inputs = sum(len(s.articles) for s in sources)
        cleaned = clean(
            everything,
            result,
            run.params,
            keep,
            range(inputs, len(everything)),
            strip_boilerplate,
            remove_substantive,
        )
    written: list[Path] = []
    to_files = fmt != "jsonl" and (out is not None or in_place)
    with interruptible(lambda: _unfinished(written, to_files, in_place)):
        if fmt == "jsonl":
            emit(jsonl(clean_record(c) for c in cleaned))
        else:
            unwritten = _write_sources(sources, cleaned, out, in_place, reading, run, written)
            cleaned = [c for c in cleaned if c.article.source not in unwritten]
    removed = sum(len(c.removed) + len(c.stripped) for c in cleaned)
    flagged = sum(len(c.flagged) for c in cleaned)
    if not run.quiet and cleaned:
        _report_removals(cleaned)
        touched = sum(1 for c in cleaned if c.removed or c.stripped)
        say(
            f"dedup: removed {removed:,} paragraph{'s' if removed != 1 else ''} "
            f"from {touched:,} of {len(cleaned):,} article{'s' if len(cleaned) != 1 else ''}"
            + (f"; kept {flagged:,} flagged for a human (--remove-substantive)" if flagged else "")
        )
    found = bool(removed or flagged or result.clusters or result.contained)
    return run.status(found)


def _collected(articles: Iterable[Article], into: list[Article]) -> Iterator[Article]:
    """Pass `articles` through, keeping each in `into`."""
    for article in articles:
        into.append(article)
        yield article


def _unfinished(written: Sequence[Path], to_files: bool, in_place: bool) -> str:
    """What an interrupted write had done."""
    if not to_files:
        return "stdout holds part of the output"
    files = f"{len(written):,} cleaned file{'s' if len(written) != 1 else ''}"
    done = "rewritten in place" if in_place else "written"
    return f"{files} {done}, each whole; no other file touched"


def _writable(source: Source, diagnostics: Diagnostics) -> bool:
    """Whether `source` can be written back; if not, it is reported."""
    try:
        formats.check_writable(source)
    except InputError as err:
        diagnostics.error(err)
        return False
    return True


def _write_sources(
    sources: Sequence[Source],
    cleaned: Sequence[Cleaned],
    out: Path | None,
    in_place: bool,
    reading: Collection[object],
    run: Invocation,
    written: list[Path],
) -> set[str]:
    """Write each cleaned source: to stdout, under --out, or over itself (listed in `written`).

    Returns the paths of the sources that were not written (refused, or failed).
    """
    removed_in: dict[str, dict[int, set[int]]] = {}
    by_article = {id(c.article): c for c in cleaned}
    for source in sources:
        removed_in[source.path] = {  # repeats, and standing text with --strip-boilerplate
            i: set(range(len(a.paragraphs))) - set(by_article[id(a)].kept)
            for i, a in enumerate(source.articles)
        }
    if out is None and not in_place and len(sources) > 1:
        raise UsageError("several files: give --out DIR, --in-place or --format jsonl")
    writable = [s for s in sources if _writable(s, run.diagnostics)]
    unwritten = {s.path for s in sources} - {s.path for s in writable}
    if out is None and not in_place:
        emit(formats.render(s, removed_in[s.path]) for s in writable)
        return unwritten
    emit(formats.render(s, removed_in[s.path]) for s in writable if s.path == formats.STDIN_NAME)
    if in_place:
        changed = [s for s in writable if any(removed_in[s.path].values())]
        targets = writeback.in_place(changed, run.diagnostics)
        unwritten |= {s.path for s in changed}
    else:
        assert out is not None
        targets = writeback.under(out, writable, reading)
        unwritten |= {s.path for s in writable}
    for target in targets:
        with finish_first():  # a file written is a file counted
            data = formats.render(target.source, removed_in[target.source.path])
            if writeback.write(target, data, run.diagnostics):
                written.append(target.path)
                unwritten.discard(target.source.path)
    return unwritten - {formats.STDIN_NAME}


def _report_removals(cleaned: Sequence[Cleaned]) -> None:
    """One stderr line per article: what went, and what stayed for a human to look at
    (paragraphs counted from ¶1, as editors count them)."""

    def other(where: str, a: str, p: int) -> str:
        return f"{'' if a == where else a + ' '}{para(p)}"

    for c in cleaned:
        where = c.article.id
        parts = [
            f"{para(i)} (repeats {other(where, a, p)})" for i, (a, p) in sorted(c.removed.items())
        ]
        parts += [f"{para(i)} (standing text)" for i in c.stripped]
        if parts:
            say(f"dedup: {where}: removed {', '.join(parts)}")
        for i, (a, p, changes) in sorted(c.flagged.items()):
            near = other(where, a, p)
            say(f"dedup: {where}: kept {para(i)}, near {near} but changed: {', '.join(changes)}")
