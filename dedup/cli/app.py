"""The `dedup` command: parse flags, call the library, print, map outcomes to exit codes.

Exit status: 0 nothing found, 1 duplicates found, 2 an error (after everything else
was processed), 130 interrupted, 141 stdout closed early (for example by `| head`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
from collections.abc import Sequence
from typing import NoReturn

import click

from .. import __version__
from ..errors import DedupError
from .common import (
    Exit,
    Interrupted,
    PipeClosed,
    say,
)


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
    status = run(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C while exiting changes nothing
    if status == Exit.INTERRUPTED:
        _leave_now(status)
    sys.exit(status)


def _leave_now(status: int) -> NoReturn:
    """Exit at once after a Ctrl-C: stop the worker processes, without waiting for them.

    A normal exit joins the worker pool's thread, which can wait forever on a worker
    cut short mid-message; nothing is left to finish (files are written whole or not).
    """
    for child in multiprocessing.active_children():
        child.kill()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(status)


def _usage(err: click.ClickException) -> str:
    """A click error in dedup's own style: one line, pointing at the command's help."""
    message = err.format_message()
    if message[:1].isupper() and message[1:2].islower():
        message = message[0].lower() + message[1:]
    ctx = getattr(err, "ctx", None)
    if isinstance(err, click.UsageError) and ctx is not None:
        message += f" (see '{ctx.command_path} --help')"
    return message


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with `argv` and return the exit status (never raises for user errors)."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        status = cli.main(args=argv, prog_name="dedup", standalone_mode=False)
    except Interrupted as err:
        say(f"dedup: interrupted: {err}")
        status = Exit.INTERRUPTED
    except click.exceptions.Abort:
        say("dedup: interrupted")
        status = Exit.INTERRUPTED
    except KeyboardInterrupt:
        say("dedup: interrupted; nothing was written for the run in progress")
        status = Exit.INTERRUPTED
    except click.ClickException as err:
        say(f"dedup: error: {_usage(err)}")
        status = Exit.ERROR
    except DedupError as err:
        say(f"dedup: error: {err}")
        status = err.exit_code
    except (PipeClosed, BrokenPipeError):
        _quiet_stdout()
        status = Exit.PIPE
    except Exception as err:  # a bug: one line unless asked for more
        if debug:
            raise
        say(f"dedup: internal error: {type(err).__name__}: {err} (run with --debug for details)")
        status = Exit.ERROR
    return status if isinstance(status, int) else Exit.OK
