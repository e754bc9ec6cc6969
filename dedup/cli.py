"""The `dedup` command: parse flags, call the library, print, map outcomes to exit codes.

Exit status: 0 nothing found, 1 duplicates found, 2 an error (after everything else
was processed), 130 interrupted, 141 stdout closed early (for example by `| head`).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from . import __version__, detect, formats, html_report
from .atomic import write_atomic
from .clean import Keep, clean
from .config import Params, load_params
from .errors import DedupError, Diagnostics, InputError
from .model import Article, Cleaned, ScanResult, Source
from .output import clean_record, cluster_record, jsonl, scan_document, scan_document_bytes
from .report import render_scan, summary

EXIT_OK, EXIT_FOUND, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_PIPE = 0, 1, 2, 130, 141

F = TypeVar("F", bound=Callable[..., Any])


class UsageError(click.UsageError):
    """A usage error raised by dedup itself (exit status 2, like click's own)."""


class _PipeClosed(Exception):
    """Stdout was closed by the reader; raised past click, which would exit with 1."""


@contextlib.contextmanager
def _stdout() -> Iterator[None]:
    """Around every write to stdout: turn a closed pipe into _PipeClosed."""
    try:
        yield
    except BrokenPipeError:
        raise _PipeClosed from None


@functools.cache
def _stderr() -> Console:
    return Console(stderr=True, highlight=False)


class _Bar:
    """A progress bar on stderr that appears only once a run lasts longer than a moment."""

    DELAY = 0.4

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.started = time.monotonic()
        self.progress: Progress | None = None
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or time.monotonic() - self.started < self.DELAY:
            return
        if self.progress is None:
            self.progress = Progress(
                TextColumn("{task.description:<10}"),
                BarColumn(),
                TextColumn("{task.completed:,}"),
                TimeElapsedColumn(),
                console=_stderr(),
                transient=True,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self.progress.start()
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total or None)
        self.progress.update(self.tasks[stage], completed=done, total=total or None)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()


class _Run:
    """What one command invocation shares: parameters, diagnostics, progress."""

    def __init__(self, params: Params, workers: int | None, quiet: bool) -> None:
        self.params = params
        self.workers = workers
        self.quiet = quiet
        self.console = _stderr()
        self.diagnostics = Diagnostics(self._error, self._warning)
        self.bar = _Bar(enabled=not quiet and self.console.is_terminal)

    def _error(self, problem: InputError) -> None:
        self.console.print(f"[bold red]dedup: error:[/] {problem}", markup=True, soft_wrap=True)

    def _warning(self, problem: InputError) -> None:
        if not self.quiet:
            self.console.print(f"[yellow]dedup: warning:[/] {problem}", soft_wrap=True)

    def articles(
        self, paths: Sequence[str], sources: list[Source] | None = None, keep_raw: bool = False
    ) -> Iterator[Article]:
        return formats.iter_articles(paths, self.diagnostics, sources, keep_raw)

    def scan(self, articles: Iterable[Article]) -> ScanResult:
        try:
            return detect.scan(articles, self.params, self.workers, self.bar)
        finally:
            self.bar.stop()

    def status(self, found: bool) -> int:
        if self.diagnostics.errors:
            return EXIT_ERROR
        return EXIT_FOUND if found else EXIT_OK


def engine_options(command: F) -> F:
    """Options every detecting command shares."""
    options = [
        click.option(
            "--threshold",
            type=click.FloatRange(0, 1, min_open=True),
            help="Jaccard similarity of word shingles a pair must reach [default: 0.8].",
        ),
        click.option(
            "--min-words",
            type=click.IntRange(1),
            help="Shorter paragraphs are never clustered [default: 9].",
        ),
        click.option(
            "--shingle-size", type=click.IntRange(1), help="Words per shingle [default: 5]."
        ),
        click.option(
            "--containment",
            type=click.FloatRange(0, 1, min_open=True),
            help="Share of a paragraph's word 3-grams found in another for it to count as "
            "contained (trimmed, merged, edited) [default: 0.7].",
        ),
        click.option(
            "--config",
            type=click.Path(dir_okay=False, path_type=Path),
            help="A dedup.toml or pyproject.toml to read [tool.dedup] from.",
        ),
        click.option(
            "--workers", type=click.IntRange(1), help="Processes to use [default: all cores]."
        ),
        click.option("-q", "--quiet", is_flag=True, help="No progress bar, summary or warnings."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _run(kwargs: dict[str, Any]) -> _Run:
    overrides = {
        k: kwargs.pop(k) for k in ("threshold", "min_words", "shingle_size", "containment")
    }
    params = load_params(overrides, config=kwargs.pop("config"))
    return _Run(params, kwargs.pop("workers"), kwargs.pop("quiet"))


def _paths(paths: tuple[str, ...]) -> tuple[str, ...]:
    if paths:
        return paths
    if sys.stdin.isatty():
        raise UsageError("give one or more files or folders (or pipe JSON Lines to stdin)")
    return (formats.STDIN,)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dedup")
@click.option("--debug", is_flag=True, help="Show a traceback for internal errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Find near-duplicate paragraphs in news copy, and clean them out.

    Exit status: 0 no duplicates, 1 duplicates found, 2 an error occurred (the rest
    of the run completes first), 130 interrupted, 141 output pipe closed.
    """
    ctx.obj = {"debug": debug}


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
@engine_options
def scan(paths: tuple[str, ...], fmt: str | None, color: str, **kwargs: Any) -> int:
    """Report clusters of near-duplicate paragraphs in PATHS (files or folders).

    Reads .txt/.md articles (paragraphs separated by blank lines, or one per line)
    and JSON Lines (.jsonl, .jsonl.gz) with "id" and "paragraphs" or "text".
    """
    run = _run(kwargs)
    result = run.scan(run.articles(_paths(paths)))
    fmt = fmt or ("terminal" if sys.stdout.isatty() else "json")
    if fmt == "terminal":
        console = Console(
            force_terminal=True if color == "always" else None,
            no_color=True if color == "never" else None,
            highlight=False,
        )
        with _stdout():
            render_scan(console, result, run.diagnostics.errors)
    else:
        if fmt == "json":
            _emit(scan_document_bytes(result, run.diagnostics.errors))
        elif fmt == "html":
            document = scan_document(result, run.diagnostics.errors)
            _emit([html_report.render(document).encode()])
        else:
            _emit(jsonl(cluster_record(c) for c in result.clusters))
        if not run.quiet and run.console.is_terminal:
            run.console.print(summary(result, len(run.diagnostics.errors)))
    return run.status(bool(result.clusters))


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
    run = _run(kwargs)
    paths = _paths(paths)
    sources: list[Source] = []
    everything: list[Article] = []
    stream = itertools.chain(run.articles(paths, sources, fmt != "jsonl"), run.articles(archive))
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
    if fmt == "jsonl":
        _emit(jsonl(clean_record(c) for c in cleaned))
    else:
        _write_sources(sources, cleaned, out, in_place)
    removed = sum(len(c.removed) + len(c.stripped) for c in cleaned)
    flagged = sum(len(c.flagged) for c in cleaned)
    if not run.quiet:
        _report_removals(run.console, cleaned)
        touched = sum(1 for c in cleaned if c.removed or c.stripped)
        run.console.print(
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


def _write_sources(
    sources: Sequence[Source], cleaned: Sequence[Cleaned], out: Path | None, in_place: bool
) -> None:
    """Write each cleaned source: to stdout, under --out, or over itself."""
    removed_in: dict[str, dict[int, set[int]]] = {}
    by_article = {id(c.article): c for c in cleaned}
    for source in sources:
        removed_in[source.path] = {
            i: set(by_article[id(a)].removed) for i, a in enumerate(source.articles)
        }
    if out is None and not in_place:
        if len(sources) > 1:
            raise UsageError("several files: give --out DIR, --in-place or --format jsonl")
        _emit(formats.render(source, removed_in[source.path]) for source in sources)
        return
    for source in sources:
        if source.path == "<stdin>":
            _emit([formats.render(source, removed_in[source.path])])
            continue
        changes = removed_in[source.path]
        if in_place:
            if any(changes.values()):
                target = Path(source.path)
                write_atomic(target, formats.render(source, changes), mode_from=target)
            continue
        assert out is not None
        target = out / source.name
        if target.exists() and target.resolve() == Path(source.path).resolve():
            raise UsageError(f"{target}: --out would overwrite the input; use --in-place")
        write_atomic(target, formats.render(source, changes))


def _report_removals(console: Console, cleaned: Sequence[Cleaned]) -> None:
    """One stderr line per article: what went, and what stayed for a human to look at."""

    def other(where: str, a: str, p: int) -> str:
        return f"{'' if a == where else a + ' '}¶{p}"

    for c in cleaned:
        where = c.article.id
        parts = [f"¶{i} (repeats {other(where, a, p)})" for i, (a, p) in sorted(c.removed.items())]
        parts += [f"¶{i} (standing text)" for i in c.stripped]
        if parts:
            line = f"dedup: {where}: removed {', '.join(parts)}"
            console.print(line, soft_wrap=True, highlight=False, markup=False)
        for i, (a, p, changes) in sorted(c.flagged.items()):
            near = other(where, a, p)
            line = f"dedup: {where}: kept ¶{i}, near {near} but changed: {', '.join(changes)}"
            console.print(line, soft_wrap=True, highlight=False, markup=False)


def _emit(pieces: Iterable[bytes]) -> None:
    """Write bytes to stdout, flushing after each piece (a live pipe sees them at once)."""
    with _stdout():
        sys.stdout.flush()
        for piece in pieces:
            sys.stdout.buffer.write(piece)
            sys.stdout.buffer.flush()


def _quiet_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so nothing complains at exit."""
    try:
        fileno = sys.stdout.fileno()
    except (OSError, ValueError):  # not a real file (tests)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fileno)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Console-script entry point: run the CLI and exit with the documented status."""
    sys.exit(run(argv))


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with `argv` and return the exit status (never raises for user errors)."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        status = cli.main(args=argv, prog_name="dedup", standalone_mode=False)
    except click.exceptions.Abort:
        _stderr().print("dedup: interrupted")
        status = EXIT_INTERRUPTED
    except KeyboardInterrupt:
        _stderr().print("dedup: interrupted; nothing was written for the run in progress")
        status = EXIT_INTERRUPTED
    except click.ClickException as err:
        err.show()
        status = EXIT_ERROR
    except DedupError as err:
        _stderr().print(f"dedup: error: {err}", soft_wrap=True, highlight=False, markup=False)
        status = err.exit_code
    except (_PipeClosed, BrokenPipeError):
        _quiet_stdout()
        status = EXIT_PIPE
    except Exception as err:  # a bug: one line unless asked for more
        if debug:
            raise
        _stderr().print(
            f"dedup: internal error: {type(err).__name__}: {err} (run with --debug for details)",
            soft_wrap=True,
            highlight=False,
            markup=False,
        )
        status = EXIT_ERROR
    return status if isinstance(status, int) else EXIT_OK
