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
    peak_mb: float  # largest summed resident set of the child and its descendants, sampled

    def errors(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if "error:" in line]


PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


class TreeMemory:
    """Samples, every 20 ms, the summed resident memory of a process and its descendants.

    (The rusage of a child would not do: it counts the test process's own memory, which
    the child had until it exec'd.)
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_mb = 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._done.is_set():
            kb = sum(_rss_kb(p) for p in _tree(self.pid))
            self.peak_mb = max(self.peak_mb, kb / 1024)
            self._done.wait(0.02)


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo.extend(int(c) for c in handle.read().split())
        except OSError:
            continue
    return pids


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


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
        sampler = TreeMemory(proc.pid)
        try:
            _, status, _ = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
            sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        finished = Finished(
            proc.returncode, out.read(), err.read().decode(errors="replace"), sampler.peak_mb
        )
    assert finished.status != -signal.SIGKILL, f"hung: killed after {HANG:.0f} s"
    assert "Traceback" not in finished.stderr, finished.stderr
    return finished
