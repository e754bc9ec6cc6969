"""Crashes and interruptions: kill -9 during filter, Ctrl-C during scan, clean and filter,
and a reader that closes the pipe (`| head -1`) on every command.

Kills and interrupts land at chosen points (tests/child.py's Point: the nth call of a
function or SQL statement), never at a random moment: each trial is cut short where
it says, every time.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from support import HANG, Point, check_whole, feed_of, kill_points, kill_trials
from support import dedup as run_dedup

PYTHON = [sys.executable, "-m", "dedup"]


def start(*args: str | Path, stdin: int | BinaryIO = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    """dedup in its own process group (so a Ctrl-C reaches its workers too)."""
    return subprocess.Popen(
        [*PYTHON, *map(str, args)],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def drained(proc: subprocess.Popen[bytes]) -> Callable[[], tuple[list[bytes], str]]:
    """Read the child's stdout and stderr as they come; call the result to wait for both."""
    lines: list[bytes] = []
    errors: list[bytes] = []
    assert proc.stdout is not None and proc.stderr is not None
    out = threading.Thread(target=lambda: lines.extend(proc.stdout))  # type: ignore[arg-type]
    err = threading.Thread(target=lambda: errors.append(proc.stderr.read()))  # type: ignore[union-attr]
    out.start()
    err.start()

    def finish() -> tuple[list[bytes], str]:
        proc.wait(timeout=HANG)
        out.join()
        err.join()
        return lines, b"".join(errors).decode(errors="replace")

    return finish


@pytest.mark.slow
def test_kill_9_at_chosen_points(tmp_path: Path, reuters: list[dict[str, Any]]) -> None:
    """Killed at chosen points (while creating the index, mid-article, around commits,
    after writing a line): the index always re-opens, every article is whole or absent,
    and sending the same input again converges to what an uninterrupted run builds."""
    feed = feed_of(reuters, tmp_path, 120)
    assert kill_trials(feed, tmp_path, kill_points(13, feed), converge_every=3) == 5


INTERRUPTED = re.compile(r"^dedup: interrupted: (.+)$", re.M)


def ctrl_c(proc: subprocess.Popen[bytes]) -> None:
    """Ctrl-C as a terminal sends it: to the whole process group."""
    os.killpg(proc.pid, signal.SIGINT)


def test_ctrl_c_during_scan_of_a_stream(reuters: list[dict[str, Any]]) -> None:
    """Interrupted while reading (the worker pool running): 130, what was read, no output."""
    data = "".join(json.dumps(r) + "\n" for r in reuters[:6000]).encode()
    proc = start("scan", "--workers", "2", stdin=subprocess.PIPE)
    finish = drained(proc)
    assert proc.stdin is not None
    sent = threading.Event()

    def send() -> None:
        try:
            proc.stdin.write(data)  # type: ignore[union-attr]
            sent.set()  # all of it is in the pipe; stdin stays open: the scan waits for more
        except BrokenPipeError:
            pass

    threading.Thread(target=send, daemon=True).start()
    assert sent.wait(HANG)
    ctrl_c(proc)
    out, err = finish()
    with contextlib.suppress(BrokenPipeError):
        proc.stdin.close()
    assert proc.returncode == 130, err
    assert out == [] and "Traceback" not in err
    [said] = INTERRUPTED.findall(err)
    read, rest = said.split(" ", 1)
    assert rest == "articles read; no report written"
    assert 0 < int(read.replace(",", "")) <= 6000


CLEANED = 3000  # files: cleaning them takes a few seconds


def _clean_inputs(folder: Path, reuters: list[dict[str, Any]]) -> Path:
    source = folder / "in"
    source.mkdir()
    for record in [r for r in reuters if r["paragraphs"]][:CLEANED]:
        paragraphs = record["paragraphs"]
        text = "\n\n".join([*paragraphs, paragraphs[0]])  # the lead repeated at the end
        (source / f"{record['id']}.txt").write_text(text + "\n")
    return source


CLEAN_POINTS = [
    Point("dedup.workers:Workers.submit", 3),  # hashing in the pool, input still being read
    Point("dedup.detect:verified_edges"),  # between stages, the pool idle
    Point("dedup.detect:_changes"),  # change classes, in the pool
    Point("concurrent.futures.process:ProcessPoolExecutor.shutdown"),  # the pool closing
    Point("dedup.writeback:write_atomic", 1),
    Point("dedup.writeback:write_atomic", 1000, "after"),
]


@pytest.fixture(scope="module")
def clean_case(
    tmp_path_factory: pytest.TempPathFactory, reuters: list[dict[str, Any]]
) -> tuple[Path, dict[str, bytes]]:
    """The inputs of `_clean_inputs`, and what `clean --out` writes for them, uninterrupted."""
    folder = tmp_path_factory.mktemp("clean")
    source = _clean_inputs(folder, reuters)
    expected = folder / "expected"
    run_dedup("clean", "-q", source, "--out", expected)
    wanted = {p.name: p.read_bytes() for p in expected.iterdir()}
    assert len(wanted) == CLEANED
    return source, wanted


@pytest.mark.parametrize("point", CLEAN_POINTS, ids=lambda p: f"{p.target}-{p.nth}-{p.when}")
def test_ctrl_c_during_clean_out(
    tmp_path: Path, clean_case: tuple[Path, dict[str, bytes]], point: Point
) -> None:
    """Ctrl-C at each stage: exit 130 at once (never a hang), one line saying what was
    done, and every file under --out whole, as many as it says."""
    source, wanted = clean_case
    out = tmp_path / "out"
    done = run_dedup("clean", "-q", source, "--out", out, at=point, action="interrupt")
    assert done.status == 130, done.stderr
    [said] = INTERRUPTED.findall(done.stderr)
    found = {p.name: p.read_bytes() for p in out.iterdir()} if out.exists() else {}
    assert all(wanted[name] == data for name, data in found.items()), "a half-written file"
    assert not [name for name in found if name.startswith(".")], "a temporary file left"
    if "write_atomic" in point.target:
        written = int(said.split(" cleaned file")[0].replace(",", ""))
        assert written == len(found) == point.nth  # the file in progress is finished first
    else:
        assert said.endswith("articles read; nothing written") and not found


@pytest.mark.parametrize("nth", [1, 37, 150])
def test_ctrl_c_during_filter(tmp_path: Path, reuters: list[dict[str, Any]], nth: int) -> None:
    """Ctrl-C while a line is checked: that line is finished first (checked, written,
    added), none after it; the message says so and the index holds exactly those."""
    feed = feed_of(reuters, tmp_path, 150)
    index = tmp_path / "idx"
    at = Point("dedup.filter:Filter.check", nth)
    done = run_dedup("filter", "--index", index, feed, at=at, action="interrupt")
    assert done.status == 130, done.stderr
    [said] = INTERRUPTED.findall(done.stderr)
    assert said.startswith(f"{nth:,} lines done (each checked, written and added")
    written = done.stdout.splitlines()
    assert len(written) == nth
    assert check_whole(index, written) == nth


BIG = 2000  # Reuters articles: every output below is far bigger than a pipe's buffer


@pytest.fixture(scope="module")
def workplace(tmp_path_factory: pytest.TempPathFactory, reuters: list[dict[str, Any]]) -> Path:
    folder = tmp_path_factory.mktemp("head")
    (folder / "big.jsonl").write_text("".join(json.dumps(r) + "\n" for r in reuters[:BIG]))
    subprocess.run(
        [*PYTHON, "index", "add", "-q", "--index", folder / "idx", folder / "big.jsonl"],
        check=True,
        timeout=HANG,
    )
    return folder


HEAD = [
    ("scan --format json big.jsonl", 1),  # one line: the reader takes all of it
    ("scan --format jsonl big.jsonl", 141),
    ("scan --format terminal big.jsonl", 141),
    ("scan --format html big.jsonl", 141),
    ("clean big.jsonl", 141),
    ("clean --format jsonl big.jsonl", 141),
    ("filter --index fresh big.jsonl", 141),
    ("filter --no-add --index idx big.jsonl", 141),
    ("index stats --index idx", 0),
    ("index add --index idx big.jsonl", 0),
    ("index remove --index idx reuters21578-1", 0),
    ("index prune --index idx --older-than 1d", 0),
    ("--help", 0),
    ("scan --help", 0),
    ("--version", 0),
]


@pytest.mark.parametrize(("command", "status"), HEAD)
def test_head_1_on_every_command(workplace: Path, command: str, status: int) -> None:
    """`dedup ... | head -1`: the reader takes one line and goes; no traceback."""
    proc = subprocess.Popen(
        [*PYTHON, *command.split()],
        cwd=workplace,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode(errors="replace")
    proc.wait(timeout=HANG)
    assert proc.returncode == status, err
    assert "Traceback" not in err and "Exception" not in err and "Error" not in err
    assert first.strip() or command.startswith("index ")
