"""Running dedup in a child process: exit status, output, peak memory, and a hang guard."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO

HANG = 180.0  # seconds; far beyond any case here: only a hang reaches it

# Root in CI: a child that must meet file permissions drops to nobody after warming up.
AS_NOBODY = """
import os, sys, dedup, dedup.cli, dedup.index.sqlite
dedup.scan([dedup.Article('w', ('warm up',) * 2, 'w', 'text')], dedup.Params())
dedup.index.structure(dedup.Params())  # imports importlib.metadata's lazy modules
if os.geteuid() == 0:
    os.setgid(65534); os.setuid(65534)
sys.exit(dedup.cli.run(sys.argv[1:]))
"""


@dataclass
class Finished:
    status: int
    stdout: bytes
    stderr: str
    peak_mb: float  # largest resident set of the child or any process it started

    def errors(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if "error:" in line]


def dedup(
    *args: str | Path,
    stdin: IO[bytes] | None = None,
    as_nobody: bool = False,
    cwd: Path | None = None,
) -> Finished:
    """Run `python -m dedup ARGS` to the end (killed after HANG seconds: a failure)."""
    command = [sys.executable, *(["-c", AS_NOBODY] if as_nobody else ["-m", "dedup"])]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [*command, *map(str, args)],
            stdin=stdin if stdin is not None else subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            cwd=cwd,
            start_new_session=True,
        )
        timer = threading.Timer(HANG, os.killpg, (proc.pid, signal.SIGKILL))
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        finished = Finished(
            proc.returncode, out.read(), err.read().decode(errors="replace"), usage.ru_maxrss / 1024
        )
    assert finished.status != -signal.SIGKILL, f"hung: killed after {HANG:.0f} s"
    assert "Traceback" not in finished.stderr, finished.stderr
    return finished
