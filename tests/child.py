"""Running dedup in a child process: exit status, output, peak memory, and a hang guard."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO

HANG = 120.0  # seconds; far beyond any case here: only a hang reaches it

# Root in CI: a child that must meet file permissions drops to nobody after warming up.
AS_NOBODY = """
import os, sys, dedup, dedup.cli, dedup.index.sqlite
dedup.scan([dedup.Article('w', ('warm up',) * 2, 'w', 'text')], dedup.Params())
dedup.index.structure(dedup.Params())  # imports importlib.metadata's lazy modules
if os.geteuid() == 0:
    os.setgid(65534); os.setuid(65534)
sys.exit(dedup.cli.run(sys.argv[1:]))
"""


# Runs dedup with a chosen point armed: the NTH call of a function (module:qualname) or
# the NTH SQL statement starting with some words ("sql:COMMIT"), BEFORE or AFTER it runs,
# says REACHED on stderr, then kills the process (kill) or sends Ctrl-C to its group as a
# terminal would (interrupt). The kill or the interrupt thus always lands mid-work.
AT_POINT = """
import functools, importlib, os, signal, sqlite3, sys
import dedup.cli
target, nth, when, action = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
calls = 0

def fire():
    os.write(2, b"REACHED\\n")
    if action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    os.killpg(0, signal.SIGINT)

def counted(original):
    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        global calls
        if os.getpid() != parent:  # a forked worker
            return original(*args, **kwargs)
        calls += 1
        if calls == nth and when == "before":
            fire()
        result = original(*args, **kwargs)
        if calls == nth and when == "after":
            fire()
        return result
    return wrapper

parent = os.getpid()
if target.startswith("sql:"):
    words = target[4:].upper()
    class Connection(sqlite3.Connection):
        def execute(self, sql, *args):
            return self._armed(super().execute, sql)(sql, *args)

        def executemany(self, sql, *args):
            return self._armed(super().executemany, sql)(sql, *args)

        def _armed(self, run, sql):
            return counted(run) if sql.lstrip().upper().startswith(words) else run
    sqlite3.connect = functools.partial(sqlite3.connect, factory=Connection)
else:
    module, name = target.split(":")
    owner = importlib.import_module(module)
    *path, attribute = name.split(".")
    for part in path:
        owner = getattr(owner, part)
    setattr(owner, attribute, counted(getattr(owner, attribute)))
dedup.cli.main(sys.argv[5:])
"""

REACHED = "REACHED"


@dataclass(frozen=True)
class Point:
    """Where a test kills or interrupts dedup: the `nth` call of `target`, `when` it runs."""

    target: str
    nth: int = 1
    when: str = "before"

    def command(self, action: str) -> list[str]:
        return ["-c", AT_POINT, self.target, str(self.nth), self.when, action]


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
    at: Point | None = None,
    action: str = "kill",
) -> Finished:
    """Run `python -m dedup ARGS` to the end (killed after HANG seconds: a failure).

    With `at`, the child is killed (`action` "kill") or interrupted ("interrupt") when
    it reaches that point; the point must be reached.
    """
    if at is not None:
        command = [sys.executable, *at.command(action)]
    else:
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
        hung = threading.Event()
        timer = threading.Timer(HANG, lambda: (hung.set(), os.killpg(proc.pid, signal.SIGKILL)))
        timer.start()
        sampler = TreeMemory(proc.pid)
        try:
            _, status, _ = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
            sampler.stop()
            with contextlib.suppress(ProcessLookupError):  # workers a killed child left
                os.killpg(proc.pid, signal.SIGKILL)
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        finished = Finished(
            proc.returncode, out.read(), err.read().decode(errors="replace"), sampler.peak_mb
        )
    assert not hung.is_set(), f"hung: killed after {HANG:.0f} s"
    if at is not None:
        assert REACHED in finished.stderr, f"{at} was never reached: {finished.stderr}"
        finished.stderr = finished.stderr.replace(REACHED + "\n", "", 1)
        if action == "kill":
            assert finished.status == -signal.SIGKILL
        else:
            assert "Traceback" not in finished.stderr, finished.stderr
        return finished
    assert "Traceback" not in finished.stderr, finished.stderr
    return finished
