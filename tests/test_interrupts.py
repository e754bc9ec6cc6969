"""Crashes and interruptions: kill -9 during filter, Ctrl-C during scan, clean and filter,
and a reader that closes the pipe (`| head -1`) on every command.

Moments are drawn at random (seeded); what is checked holds whatever the moment.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pytest
from child import HANG
from conftest import Invoke

from dedup import Params
from dedup.index import open_index
from dedup.index.sqlite import SqliteIndex

PYTHON = [sys.executable, "-m", "dedup"]


def feed_of(reuters: list[dict[str, Any]], folder: Path, count: int) -> Path:
    """Reuters articles, a fifth of them sent again under a new id (so verdicts differ)."""
    rng = random.Random(count)
    records = reuters[:count]
    records += [{**r, "id": f"{r['id']}-again"} for r in rng.sample(records, count // 5)]
    feed = folder / "feed.jsonl"
    feed.write_text("".join(json.dumps(r) + "\n" for r in records))
    return feed


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


def index_contents(path: Path) -> dict[str, Any]:
    """What an index holds, without when it was added or its row numbers."""
    db = sqlite3.connect(path)
    articles = {
        row[0]: row[1:] for row in db.execute("SELECT id, paragraphs, guid, story FROM articles")
    }
    paragraphs = set(
        db.execute(
            "SELECT a.id, p.idx, p.text, p.shingles, p.keys FROM paragraphs p "
            "JOIN articles a ON a.num = p.num"
        )
    )
    db.close()
    return {"articles": articles, "paragraphs": paragraphs}


def check_lookup(path: Path, every: int = 1) -> None:
    """The band lookup finds each paragraph (of every `every`) through its band keys, and
    each (key, paragraph) pair it gives is one the database holds."""
    db = sqlite3.connect(path)
    stored = {
        pid: np.frombuffer(keys, "<u8")
        for pid, keys in db.execute("SELECT pid, keys FROM paragraphs")
    }
    db.close()
    with SqliteIndex(str(path), Params()) as index, index.transaction():
        for pid in list(stored)[::every]:
            query = np.unique(stored[pid])
            owner, pids = index.bands.lookup(query)
            assert pid in pids
            for key, other in zip(query[owner].tolist(), pids.tolist(), strict=True):
                assert other not in stored or key in stored[other]


def check_whole(path: Path, written: list[bytes]) -> int:
    """The index re-opens, is sound, every article in it whole, every line written in it;
    its size. (Killed while being created, the file may hold no tables yet: re-opening
    sets them up.)"""
    with open_index(str(path), Params()) as index:  # as dedup filter opens it
        size = index.summary().articles
    check_lookup(path)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    declared = db.execute(
        "SELECT a.paragraphs, count(p.pid) FROM articles a "
        "LEFT JOIN paragraphs p ON p.num = a.num GROUP BY a.num"
    ).fetchall()
    assert all(wanted == stored for wanted, stored in declared), "an article is half there"
    orphans = db.execute(
        "SELECT count(*) FROM paragraphs WHERE num NOT IN (SELECT num FROM articles)"
    ).fetchone()[0]
    assert orphans == 0
    ids = {row[0] for row in db.execute("SELECT id FROM articles")}
    db.close()
    assert {json.loads(line)["id"] for line in written} <= ids, "a line written, not added"
    return size


def test_kill_9_at_random_moments(tmp_path: Path, reuters: list[dict[str, Any]]) -> None:
    """The index always re-opens, every article is whole or absent, and running the same
    input again converges to the index an uninterrupted run builds."""
    feed = feed_of(reuters, tmp_path, 120)
    index = tmp_path / "idx"
    rng = random.Random(9)
    killed = 0
    for trial in range(14):
        target = tmp_path / f"fresh{trial}" if trial % 4 == 0 else index  # killed while created
        proc = start("filter", "--index", target, feed)
        finish = drained(proc)
        time.sleep(rng.uniform(0.05, 1.2))  # a random moment, not a measurement
        proc.kill()
        written, _ = finish()
        killed += proc.returncode == -signal.SIGKILL
        if target.exists():
            check_whole(target, written)
    assert killed >= 7  # at least half the trials were really cut short
    done = subprocess.run([*PYTHON, "filter", "--index", index, feed], capture_output=True)
    reference = tmp_path / "reference"
    subprocess.run([*PYTHON, "filter", "--index", reference, feed], capture_output=True, check=True)
    assert done.returncode == 0
    assert check_whole(index, done.stdout.splitlines()) == len(feed.read_text().splitlines())
    assert index_contents(index) == index_contents(reference)


def past_startup(proc: subprocess.Popen[bytes]) -> None:
    """Wait until dedup has started its worker pool (so its imports are done), or ended.

    A Ctrl-C while Python is still importing gets Python's own traceback (RELIABILITY.md);
    on a loaded machine that can take longer than any fixed pause.
    """
    deadline = time.monotonic() + HANG
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as handle:
                if handle.read().split():
                    return
        except OSError:
            return
        time.sleep(0.01)


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


def test_ctrl_c_during_clean_out(tmp_path: Path, reuters: list[dict[str, Any]]) -> None:
    """At any moment: 130 or done; every file under --out whole, as many as it says."""
    source = _clean_inputs(tmp_path, reuters)
    expected = tmp_path / "expected"
    subprocess.run([*PYTHON, "clean", "-q", source, "--out", expected], check=False)
    wanted = {p.name: p.read_bytes() for p in expected.iterdir()}
    assert len(wanted) == CLEANED
    rng = random.Random(3)
    interrupted = 0
    for trial in range(5):
        out = tmp_path / f"out{trial}"
        proc = start("clean", "-q", source, "--out", out)
        finish = drained(proc)
        past_startup(proc)
        time.sleep(rng.uniform(0.0, 1.5))
        ctrl_c(proc)
        _, err = finish()
        assert proc.returncode in (1, 130), err
        assert "Traceback" not in err
        found = {p.name: p.read_bytes() for p in out.iterdir()} if out.exists() else {}
        assert all(wanted[name] == data for name, data in found.items()), "a half-written file"
        if proc.returncode == 130:
            interrupted += 1
            [said] = INTERRUPTED.findall(err)
            if "nothing written" not in said:
                written = int(said.split(" cleaned file")[0].replace(",", ""))
                assert written == len(found)
            else:
                assert not found
    assert interrupted


def test_ctrl_c_while_clean_writes_counts_whole_files(
    dedup: Invoke, tmp_path: Path, reuters: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deterministically inside the writing: the files before are whole, none after."""
    from dedup import formats

    source = _clean_inputs(tmp_path, reuters)
    render = formats.render
    calls: list[int] = []

    def interrupting(*args: Any) -> bytes:
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return render(*args)

    monkeypatch.setattr(formats, "render", interrupting)
    out = dedup("clean", "-q", source, "--out", tmp_path / "out")
    assert out.status == 130
    assert "dedup: interrupted: 3 cleaned files written, each whole" in out.stderr
    written = sorted((tmp_path / "out").iterdir())
    assert len(written) == 3 and not [p for p in written if p.name.startswith(".")]


def test_ctrl_c_during_filter(tmp_path: Path, reuters: list[dict[str, Any]]) -> None:
    """The lines written and the articles added are exactly the ones it says it did."""
    feed = feed_of(reuters, tmp_path, 150)
    rng = random.Random(5)
    for trial in range(4):
        index = tmp_path / f"idx{trial}"
        proc = start("filter", "--index", index, feed)
        finish = drained(proc)
        while not index.exists() and proc.poll() is None:  # imports done, index opening
            time.sleep(0.01)
        time.sleep(rng.uniform(0.2, 1.5))
        ctrl_c(proc)
        written, err = finish()
        if proc.returncode == 0:
            continue  # it had finished
        assert proc.returncode == 130, err
        [said] = INTERRUPTED.findall(err)
        done = int(said.split(" lines done")[0].replace(",", ""))
        assert done == len(written)
        assert check_whole(index, written) == done


BIG = 2000  # Reuters articles: every output below is far bigger than a pipe's buffer


@pytest.fixture(scope="module")
def workplace(tmp_path_factory: pytest.TempPathFactory, reuters: list[dict[str, Any]]) -> Path:
    folder = tmp_path_factory.mktemp("head")
    (folder / "big.jsonl").write_text("".join(json.dumps(r) + "\n" for r in reuters[:BIG]))
    subprocess.run(
        [*PYTHON, "index", "add", "-q", "--index", folder / "idx", folder / "big.jsonl"],
        check=True,
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
