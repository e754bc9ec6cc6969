"""The `dedup` command line (click); the library never imports this package."""

from . import clean, filter, scan  # noqa: F401 - registers the commands
from .app import cli, main, run

__all__ = ["cli", "main", "run"]
