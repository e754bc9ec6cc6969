"""`dedup scan`: report clusters, contained pairs and standing text."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import Any

import click
from rich.console import Console

from ..model import Contained
from ..report import html
from ..report.json import cluster_record, jsonl, scan_document, scan_document_bytes
from ..report.terminal import render_scan, summary
from .app import cli
from .archive import archive_options, scan_archive, settings, summary_line
from .common import (
    emit,
    engine_options,
    input_options,
    input_paths,
    interruptible,
    invocation,
    say,
)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(readable=False, allow_dash=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["terminal", "json", "jsonl", "html"]),
    help="terminal (the default on a terminal), json (one document; the default otherwise), "
    "jsonl (one cluster per line) or html (one self-contained page).",
)
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour in terminal output (NO_COLOR is respected).",
)
@input_options
@engine_options
@archive_options
def scan(paths: tuple[str, ...], fmt: str | None, color: str, **kwargs: Any) -> int:
    """Report near-duplicate paragraphs in PATHS (files or folders, "-" for stdin).

    Reads plain text (.txt, .md: paragraphs separated by blank lines, or one per
    line), JSON Lines (.jsonl, .ndjson, .jsonl.gz: "id" with "paragraphs" or "text",
    or ninjs records), ninjs (.json), NITF and NewsML-G2 (.xml, .nitf) and HTML
    pages (.html, .htm). Shows the stories that repeat each other, then every
    repeated paragraph, changes of a number or a word first.
    """
    follow_links = kwargs.pop("follow_links")
    archive = settings(kwargs)
    run = invocation(kwargs)
    if archive is not None:
        collect = fmt is not None or archive.out is None
        done = scan_archive(run, archive, input_paths(paths), follow_links, collect)
        if done.result is None:
            if not run.quiet:
                say(summary_line(done.counts, str(archive.out), done.seconds))
            return run.status(_copies(done.findings.story, done.findings.contained))
        result = done.result
    else:
        with interruptible(lambda: f"{run.read:,} articles read; no report written"):
            result = run.scan(run.articles(input_paths(paths), follow_links=follow_links))
    fmt = fmt or ("terminal" if sys.stdout.isatty() else "json")
    errors, skipped = run.diagnostics.errors, run.diagnostics.skipped
    if fmt == "terminal":
        plain = color == "never" or (color == "auto" and "NO_COLOR" in os.environ)
        console = Console(
            force_terminal=True if color == "always" else None,
            color_system=None if plain else "auto",
            highlight=False,
        )
        with console.capture() as captured:  # written with emit, which sees a closed pipe
            render_scan(console, result, errors, skipped, run.config)
        emit([captured.get().encode(console.encoding, "replace")])
    else:
        if fmt == "json":
            emit(scan_document_bytes(result, errors, skipped=skipped, config=run.config))
        elif fmt == "html":
            document = scan_document(result, errors, skipped=skipped, config=run.config)
            emit([html.render(document).encode()])
        else:
            emit(jsonl(cluster_record(c) for c in result.clusters))
        if not run.quiet and run.console.is_terminal:
            run.console.print(summary(result, len(errors), skipped, run.config))
    return run.status(_copies((c.story for c in result.clusters), result.contained))


def _copies(stories: Iterable[str | None], contained: Iterable[Contained]) -> bool:
    """Whether anything repeats that is not a version of one story (exit status 1): a
    cluster or a contained pair without a story."""
    return any(s is None for s in stories) or any(p.story is None for p in contained)
