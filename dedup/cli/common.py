"""What the commands share: streams, progress, parameters, options, exit codes."""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from enum import IntEnum
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.text import Text

from .. import detect, formats
from ..config import Params, find_config, load_params
from ..errors import Diagnostics, InputError, printable
from ..gcpause import paused
from ..model import Article, ScanResult, Source
from ..report.wording import visible
from ..workers import interrupts_blocked


class Exit(IntEnum):
    """The exit statuses, like grep's and diff's (README "Exit status")."""

    OK = 0  # nothing found
    FOUND = 1  # near-duplicates found
    ERROR = 2  # bad input, options or configuration; the rest of the run was done
    INTERRUPTED = 130  # Ctrl-C
    PIPE = 141  # stdout closed early (| head)


F = TypeVar("F", bound=Callable[..., Any])


class UsageError(click.UsageError):
    """A usage error raised by dedup itself (exit status 2, like click's own)."""


class PipeClosed(Exception):
    """Stdout was closed by the reader; raised past click, which would exit with 1."""


class Interrupted(Exception):
    """Ctrl-C during a command; the message says what it had completed (exit 130)."""


@contextlib.contextmanager
def interruptible(completed: Callable[[], str]) -> Iterator[None]:
    """Turn Ctrl-C inside the block into Interrupted(completed())."""
    try:
        yield
    except KeyboardInterrupt:
        raise Interrupted(completed()) from None


@contextlib.contextmanager
def finish_first() -> Iterator[None]:
    """Hold a first Ctrl-C until the block is done, then raise it; a second one at once.

    For a unit of work that must be done whole or not at all as far as the user can
    tell (a filter line: checked, written and added).
    """
    held: list[int] = []

    def hold(signum: int, frame: object) -> None:
        if held:
            raise KeyboardInterrupt
        held.append(signum)

    previous = signal.signal(signal.SIGINT, hold)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if held:
        raise KeyboardInterrupt


@contextlib.contextmanager
def stdout_guard() -> Iterator[None]:
    """Around every write to stdout: turn a closed pipe into PipeClosed."""
    try:
        yield
    except BrokenPipeError:
        raise PipeClosed from None


@functools.cache
def stderr() -> Console:
    """The console for messages: never wrapped (a log or a pipe gets whole lines)."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def say(message: str, style: str = "") -> None:
    """Print one message on stderr as it is written: never read as markup, control
    characters (from file names, ids, text) made visible."""
    stderr().print(Text(visible(message), style=style))


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
                console=stderr(),
                transient=True,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            with interrupts_blocked():  # its refresh thread must not take a Ctrl-C
                self.progress.start()
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total or None)
        self.progress.update(self.tasks[stage], completed=done, total=total or None)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()


class Invocation:
    """What one command invocation shares: parameters, diagnostics, progress."""

    def __init__(
        self, params: Params, workers: int | None, quiet: bool, config: Path | None = None
    ) -> None:
        self.params = params
        self.workers = workers
        self.quiet = quiet
        self.config = None if config is None else printable(str(config))
        self.console = stderr()
        self.diagnostics = Diagnostics(self._error, self._warning)
        self.bar = _Bar(enabled=not quiet and self.console.is_terminal)
        self.read = 0  # articles read so far

    def _error(self, problem: InputError) -> None:
        line = Text("dedup: error:", style="bold red")
        self.console.print(line.append(f" {visible(str(problem))}", style="not bold default"))

    def _warning(self, problem: InputError) -> None:
        if not self.quiet:
            line = Text("dedup: warning:", style="yellow")
            self.console.print(line.append(f" {visible(str(problem))}", style="default"))

    def articles(
        self,
        paths: Sequence[str],
        sources: list[Source] | None = None,
        keep_raw: bool = False,
        **reading: Any,
    ) -> Iterator[Article]:
        """The articles of `paths`, counted; `reading` goes to `formats.iter_articles`."""
        found = formats.iter_articles(
            paths, self.diagnostics, sources, keep_raw, self.params.max_line, **reading
        )
        for article in found:
            self.read += 1
            yield article

    def scan(self, articles: Iterable[Article]) -> ScanResult:
        try:
            with paused(freeze=True):  # this process is ours: freeze what the scan keeps
                return detect.scan(articles, self.params, self.workers, self.bar)
        finally:
            self.bar.stop()

    def status(self, found: bool) -> int:
        if self.diagnostics.errors:
            return Exit.ERROR
        return Exit.FOUND if found else Exit.OK


def engine_options(command: F) -> F:
    """Options every detecting command shares."""
    options = [
        click.option(
            "--threshold",
            type=click.FloatRange(0, 1, min_open=True),
            help="Jaccard similarity of shingles a pair must reach [default: 0.8].",
        ),
        click.option(
            "--min-words",
            type=click.IntRange(1),
            help="Paragraphs of fewer units (words; characters of Chinese, Japanese, Korean, "
            "Thai ...) are never clustered [default: 9].",
        ),
        click.option(
            "--shingle-size", type=click.IntRange(1), help="Units per shingle [default: 5]."
        ),
        click.option(
            "--containment",
            type=click.FloatRange(0, 1, min_open=True),
            help="Share of a paragraph's word 3-grams (character 5- or 15-grams) found in "
            "another for it to count as contained (trimmed, merged, edited) [default: 0.7].",
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


def input_options(command: F) -> F:
    """Options of the commands that walk folders of articles."""
    return click.option(
        "--follow-links",
        is_flag=True,
        help="Read the files and folders that symbolic links inside folders point to "
        "(skipped by default; a file named directly is always read).",
    )(command)


def invocation(kwargs: dict[str, Any]) -> Invocation:
    """The run for a command's options (those of `engine_options` or `index_options`)."""
    overrides = {
        k: kwargs.pop(k, None) for k in ("threshold", "min_words", "shingle_size", "containment")
    }
    given = kwargs.pop("config")
    config = given or find_config(Path.cwd())
    params = load_params(overrides, config=config)
    shown = given or (None if config is None else Path(os.path.relpath(config)))
    return Invocation(params, kwargs.pop("workers", None), kwargs.pop("quiet"), shown)


def input_paths(paths: tuple[str, ...]) -> tuple[str, ...]:
    if paths:
        return paths
    if sys.stdin.isatty():
        raise UsageError("give one or more files or folders (or pipe JSON Lines to stdin)")
    return (formats.STDIN,)


def emit(pieces: Iterable[bytes]) -> None:
    """Write bytes to stdout, flushing after each piece (a live pipe sees them at once).

    A write can take only part of a big piece without an error (when the reader goes
    away, for one); the rest is written until it all goes or the pipe is found closed.
    """
    with stdout_guard():
        sys.stdout.flush()
        for piece in pieces:
            rest = memoryview(piece)
            while rest:
                rest = rest[sys.stdout.buffer.write(rest) :]
            sys.stdout.buffer.flush()
