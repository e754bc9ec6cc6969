"""`dedup scan --engine dask`: the scan as a Dask job, and its tables (`--out`)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click

from ..errors import DedupError
from ..index import open_index
from ..report.wording import count
from .common import F, Invocation, UsageError, engine_options, interruptible, invocation, say
from .filter import index_group, index_options

EXTRA = "pip install 'dedup[dask]'"


@dataclass(frozen=True, slots=True)
class Settings:
    """The options of a scan as a Dask job."""

    scheduler: str | None
    memory_limit: str | None
    spill: str | None
    out: str | None
    id_column: str
    text_column: str | None
    keep_nodes: bool
    against: str | None


def archive_options(command: F) -> F:
    """Options of `scan` for the Dask engine."""
    options = [
        click.option(
            "--engine",
            type=click.Choice(["local", "dask"]),
            default="local",
            show_default=True,
            help="local: this process and its worker pool; dask: a Dask job, on a local "
            f"cluster or --scheduler's (needs {EXTRA}).",
        ),
        click.option(
            "--scheduler",
            envvar="DEDUP_SCHEDULER",
            help="Run on the Dask cluster whose scheduler is at tcp://HOST:PORT (implies "
            "--engine dask; also DEDUP_SCHEDULER).",
        ),
        click.option(
            "--memory-limit",
            help="Memory per worker of the local Dask cluster, e.g. 4GB; past it results "
            "spill to disk [default: the machine's memory shared out].",
        ),
        click.option(
            "--spill-dir",
            type=click.Path(file_okay=False),
            help="Folder the local Dask cluster's workers spill to.",
        ),
        click.option(
            "--out",
            help="Write Parquet tables (members, clusters, relations, contained, standing, "
            "manifest.json) to this folder (Dask engine; with --format, the report too).",
        ),
        click.option(
            "--keep-nodes",
            is_flag=True,
            help="Also write nodes/ to --out: every distinct paragraph, hashed, for checking "
            "new stories against the archive (--against) and loading a filter index "
            "(dedup index from-scan).",
        ),
        click.option(
            "--against",
            help="The tables of an archive scanned with --keep-nodes: write archive.parquet "
            "to --out, each paragraph of PATHS that repeats the archive (Dask engine).",
        ),
        click.option(
            "--id-column",
            default="id",
            show_default=True,
            help="Parquet inputs: the column holding each article's id.",
        ),
        click.option(
            "--text-column",
            help="Parquet inputs: the column holding the text (a string) or the paragraphs "
            "(a list of strings) [default: paragraphs, else text].",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def settings(kwargs: dict[str, Any]) -> Settings | None:
    """The Dask engine's settings (popped from `kwargs`), or None for the local engine."""
    engine = kwargs.pop("engine")
    found = Settings(
        kwargs.pop("scheduler") or None,
        kwargs.pop("memory_limit"),
        kwargs.pop("spill_dir"),
        kwargs.pop("out"),
        kwargs.pop("id_column"),
        kwargs.pop("text_column"),
        kwargs.pop("keep_nodes"),
        kwargs.pop("against"),
    )
    if engine == "dask" or found.scheduler:
        if (found.keep_nodes or found.against) and not found.out:
            raise UsageError(f"{'--against' if found.against else '--keep-nodes'} needs --out")
        return found
    given = [
        name
        for name, value in (
            ("--memory-limit", found.memory_limit),
            ("--spill-dir", found.spill),
            ("--out", found.out),
            ("--text-column", found.text_column),
            ("--keep-nodes", found.keep_nodes),
            ("--against", found.against),
        )
        if value
    ]
    if given:
        raise UsageError(f"{given[0]} needs --engine dask (or --scheduler)")
    return None


def scan_archive(
    run: Invocation, found: Settings, paths: tuple[str, ...], follow_links: bool, collect: bool
) -> Any:
    """Run the scan as a Dask job; a `dedup.distributed.Scanned`."""
    try:
        from ..distributed import Columns, Options, runtime, scan
    except ImportError as err:
        raise DedupError(f"the Dask engine needs {err.name} ({EXTRA})") from None
    options = Options(
        columns=Columns(found.id_column, found.text_column),
        follow_links=follow_links,
        nodes=found.keep_nodes,
        against=found.against,
    )
    with runtime.connected(found.scheduler, run.workers, found.memory_limit, found.spill) as client:
        link = runtime.dashboard(client, local=found.scheduler is None)
        if link and not run.quiet:
            say(f"dedup: Dask dashboard at {link}")
        with interruptible(_cancelled(found.out)):
            try:
                return scan(
                    paths,
                    run.params,
                    client=client,
                    out=found.out,
                    options=options,
                    progress=run.bar,
                    diagnostics=run.diagnostics,
                    collect=collect,
                )
            finally:
                run.bar.stop()


def _cancelled(out: str | None) -> Callable[[], str]:
    where = f"; the tables in {out} are incomplete (no manifest.json)" if out else ""
    return lambda: f"the Dask job was cancelled; no report written{where}"


def summary_line(counts: dict[str, int], out: str, seconds: float) -> str:
    """What a scan that wrote its tables says on stderr."""
    repeats = counts.get("archive")
    checked = (
        f"{count(repeats, 'paragraph')} {'repeats' if repeats == 1 else 'repeat'} the archive · "
        if repeats is not None
        else ""
    )
    return (
        f"dedup: {checked}{count(counts['articles'], 'article')} · "
        f"{count(counts['paragraphs'], 'paragraph')} · {count(counts['clusters'], 'cluster')} "
        f"({count(counts['clustered_paragraphs'], 'paragraph')}) · "
        f"{count(counts['relations'], 'story relation')} · "
        f"{count(counts['standing'], 'standing text')} · "
        f"{seconds:.1f} s; tables in {os.path.normpath(out) if '://' not in out else out}"
    )


@index_group.command(name="from-scan")
@click.argument("tables")
@index_options()
@engine_options
def from_scan(tables: str, spec: str | None, prefix: str, **kwargs: Any) -> int:
    """Load a filter index from the tables of a Dask scan.

    TABLES is the --out folder of `dedup scan --engine dask --keep-nodes`: every archive
    article is added with the paragraphs it first carried, without reading the archive
    again.
    """
    run = invocation(kwargs)
    try:
        from ..distributed import load
    except ImportError as err:
        raise DedupError(f"loading from a scan needs {err.name} ({EXTRA})") from None
    if not spec:
        raise UsageError("give --index PATH or --index redis://HOST:PORT/DB, or set DEDUP_INDEX")
    added = 0
    found = load.articles(tables, run.params)
    with (
        open_index(spec, run.params, prefix) as index,
        interruptible(lambda: f"{added:,} articles added, in whole batches; none after them"),
    ):
        while batch := list(itertools.islice(found, index.batch)):
            with index.transaction():  # each batch goes in whole or not at all
                for article, hashed in batch:
                    index.add(article, hashed)
            added += len(batch)
    if not run.quiet:
        say(f"dedup: added {added:,} articles from {tables}")
    return run.status(False)
