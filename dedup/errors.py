"""Exceptions the library raises; each carries a one-line message meant for the user."""

from __future__ import annotations

import os
from collections.abc import Callable


def printable(path: str) -> str:
    """A file name as it can be printed and put in JSON: bytes that are not UTF-8
    (kept by Python as lone surrogates) are shown as \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


class DedupError(Exception):
    """Base class: something the user can fix. The CLI prints it and exits with status 2."""

    exit_code = 2


class ConfigError(DedupError):
    """A parameter or configuration file is invalid."""


class IndexRefused(DedupError):
    """An index cannot be opened or used: built with other parameters, busy, unreachable."""


class InputError(DedupError):
    """One input (a file, or a line of it) cannot be read; the run goes on without it."""

    def __init__(self, source: str, message: str, line: int | None = None) -> None:
        self.source = printable(source)
        self.line = line
        self.reason = message
        where = f"{self.source}:{line}" if line is not None else self.source
        super().__init__(f"{where}: {message}")


class OutputError(InputError):
    """A cleaned file that cannot be written; the run goes on with the others."""


class Skipped(InputError):
    """An item read but left out: not text (`kind` says what it is: "picture" ...), or
    a text item without a body (`kind` None). Counted or warned about, never an error."""

    def __init__(
        self, source: str, message: str, line: int | None = None, kind: str | None = None
    ) -> None:
        super().__init__(source, message, line)
        self.kind = kind
        self.raw = b""  # the JSON Lines line it came from, as read (BOM off, UTF-8)


class Diagnostics:
    """Collects the errors and warnings met while reading inputs; the run goes on.

    Pass callbacks to see each one as it happens (the CLI prints them on stderr).
    """

    def __init__(
        self,
        on_error: Callable[[InputError], None] | None = None,
        on_warning: Callable[[InputError], None] | None = None,
    ) -> None:
        self.errors: list[InputError] = []
        self.warnings: list[InputError] = []
        self.skipped: dict[str, int] = {}
        self._on_error = on_error
        self._on_warning = on_warning

    def error(self, problem: InputError) -> None:
        """Record an input that could not be read (the exit status becomes 2)."""
        self.errors.append(problem)
        if self._on_error:
            self._on_error(problem)

    def skip(self, kind: str) -> None:
        """Count an item not read because it is not text (a picture, a video ...)."""
        self.skipped[kind] = self.skipped.get(kind, 0) + 1

    def warn(self, source: str, message: str, line: int | None = None) -> None:
        """Record something worth knowing that did not stop the input being read."""
        problem = InputError(source, message, line)
        self.warnings.append(problem)
        if self._on_warning:
            self._on_warning(problem)
