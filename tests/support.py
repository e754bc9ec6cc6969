"""What the tests share: dedup in a child process (exit status, output, peak memory, a
hang guard, kills and Ctrl-C at chosen points), a redis-server of their own, feeds of
articles, and the checks that an index is sound."""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import pytest
import redis

from dedup import Article, Params
from dedup.index import hash_article, open_index
from dedup.index.sqlite import SqliteIndex

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


# A redis-server of the tests' own, on a free loopback port.


def _free_port() -> int:
    """A free loopback port of this test process's own: each pytest-xdist worker draws from
    its own range, below the kernel's ephemeral ports (32768 and up), so no other test's
    server and no client socket can take it."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1 ... under pytest-xdist
    low = 16000 + 2000 * int(worker[2:]) if worker else 14000
    rng = random.Random()
    for _ in range(100):
        port = rng.randrange(low, low + 2000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free port in {low}-{low + 2000}")


class Server:
    """A redis-server of our own on a free loopback port, in a temporary folder."""

    def __init__(self, exe: str, folder: Path) -> None:
        self.exe = exe
        self.folder = folder.resolve()
        folder.mkdir(exist_ok=True)
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, persist: bool = False) -> None:
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder)]
        args += ["--save", "", "--appendonly", "yes" if persist else "no"]
        args += ["--appendfsync", "always"]
        self.proc = subprocess.Popen(
            [self.exe, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        client = redis.Redis.from_url(self.url)
        for _ in range(200):
            if self.proc.poll() is not None:
                break
            try:
                if client.config_get("dir")["dir"] == str(self.folder):  # ours, not another
                    return
            except redis.ConnectionError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=HANG)
            self.proc = None


@contextlib.contextmanager
def redis_server(folder: Path) -> Iterator[Server]:
    """A started redis-server in `folder` (skipped where none is installed, except in CI)."""
    exe = shutil.which("redis-server")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing: CI must install it (see .ci/run)")
        pytest.skip("redis-server is not installed (apt-get install -y redis-server)")
    found = Server(exe, folder)
    found.start()
    try:
        yield found
    finally:
        found.kill()


def assert_consistent(client: redis.Redis, prefix: str = "dedup", bands: int = 16) -> int:
    """Every committed article wholly present, nothing else: datasketch's tables included.

    Returns the number of paragraphs (LSH keys) stored.
    """
    p = prefix.encode() + b":"
    expected = set()
    for article, commit in client.hgetall(p + b"gens").items():
        gen, idxs, _ = commit.split(b"|", 2)
        expected |= {gen + b":" + i + b":" + article for i in idxs.split(b",") if i}
    keys_table = p + b"lsh_keys"
    stored = client.hgetall(keys_table)
    assert set(stored) == expected, "LSH keys lost or left over"
    pipe = client.pipeline()
    for key in stored:
        pipe.lrange(keys_table + key, 0, -1)
        pipe.exists(p + b"e:" + key)
    answers = pipe.execute()
    members: dict[bytes, set[bytes]] = {}
    for key, hs, entry in zip(stored, answers[0::2], answers[1::2], strict=True):
        assert entry == 1 and len(hs) == bands
        for i, h in enumerate(hs):
            members.setdefault(p + b"lsh_bucket_" + i.to_bytes(2, "big") + h, set()).add(key)
    buckets = {k for k in client.scan_iter(p + b"lsh_bucket_*") if client.type(k) == b"set"}
    assert buckets == set(members)
    for bucket, keys in members.items():
        assert client.smembers(bucket) == keys
    fields = sum(client.hlen(p + b"lsh_bucket_" + i.to_bytes(2, "big")) for i in range(bands))
    assert fields == len(members)
    assert client.zcard(p + b"added") == client.hlen(p + b"gens")
    return len(stored)


# Feeds of articles, and what the filter must give for one of them.


LEAD = (
    "The minister said the talks would resume next week in Geneva after a long pause "
    "in negotiations."
)
OTHER = "Brand new paragraph about something else that has never been seen before today."


def record(article_id: str, *paragraphs: str) -> str:
    return json.dumps({"id": article_id, "paragraphs": list(paragraphs), "desk": "world"})


MIXED = [  # a repeat inside an article, three bad lines, a republished copy
    record("a1", LEAD, OTHER, LEAD.rstrip(".")),
    "{broken",
    "",
    "[1, 2]",
    record("a2", "GENEVA - " + LEAD, "A fresh paragraph written for the second story only."),
]


def mixed_records(out: Any) -> list[dict[str, Any]]:
    """The filter's records for MIXED, checked for what every kind of index must give."""
    assert out.status == 2
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(records) == 5
    first, broken, blank, array, second = records
    assert first["cleaned"] == [LEAD, OTHER] and first["dedup"]["status"] == "partial"
    assert (broken["line"], blank["line"], array["line"]) == (2, 3, 4)
    assert "malformed JSON" in broken["error"] and blank["error"] == "blank line"
    [dup] = second["duplicates"]
    assert dup["match"]["article"] == "a1" and dup["in"] == "index"
    assert dup["changes"] == ["extended"]
    return records


def feed_of(reuters: list[dict[str, Any]], folder: Path, count: int) -> Path:
    """`count` Reuters articles with paragraphs, a fifth of them sent again under a new id
    (so verdicts differ): every line is an article the filter adds."""
    rng = random.Random(count)
    records = [r for r in reuters if r["paragraphs"]][:count]
    records += [{**r, "id": f"{r['id']}-again"} for r in rng.sample(records, count // 5)]
    feed = folder / "feed.jsonl"
    feed.write_text("".join(json.dumps(r) + "\n" for r in records))
    return feed


# An index is sound after a crash: checks, and where to crash.


def article_of(record: dict[str, Any]) -> Article:
    """A feed record as the filter reads it (id and paragraphs)."""
    return Article(str(record["id"]), tuple(record["paragraphs"]), "feed", "jsonl")


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


def kill_points(trials: int, feed: Path) -> list[Point]:
    """`trials` points spread over a filter run of `feed` (from `feed_of`) on a new index:
    while the index is created, mid-article, around commits, after a line is written.
    Each is reached: the counts are those of the feed."""
    records = [json.loads(line) for line in feed.read_text().splitlines()]
    articles = len(records)
    paragraphs = sum(len(hash_article(article_of(r), Params()).paragraphs) for r in records)
    points = [
        Point("sql:CREATE", 1, "before"),
        Point("sql:CREATE", 2, "after"),
        Point("sql:INSERT INTO meta", 1, "after"),
    ]
    during = [
        ("sql:INSERT INTO paragraphs", paragraphs, "after"),  # mid-article
        ("sql:INSERT INTO articles", articles, "before"),
        ("sql:COMMIT", articles, "before"),
        ("sql:COMMIT", articles, "after"),
        ("dedup.cli.filter:emit", articles, "after"),
    ]
    for k in range(trials - len(points)):
        target, calls, when = during[k % len(during)]
        points.append(Point(target, 1 + (k * 7919) % calls, when))  # the same every time
    return points


def kill_trials(feed: Path, folder: Path, points: list[Point], converge_every: int) -> int:
    """`dedup filter` of `feed` killed at each point, each on a new index, which must be
    sound after; every `converge_every`-th is then sent the feed again and must end as
    the index an uninterrupted run builds. Returns how many converged."""
    reference = folder / "reference"
    assert dedup("filter", "--index", reference, feed).status == 0
    wanted, lines = index_contents(reference), len(feed.read_text().splitlines())
    converged = 0
    for trial, point in enumerate(points):
        index = folder / f"idx{trial}"
        killed = dedup("filter", "--index", index, feed, at=point)  # asserts it was killed
        if index.exists():  # (killed before the file was made, there is none)
            check_whole(index, killed.stdout.splitlines())
        if trial % converge_every == 0:
            again = dedup("filter", "--index", index, feed)
            assert again.status == 0
            assert check_whole(index, again.stdout.splitlines()) == lines
            assert index_contents(index) == wanted
            converged += 1
    return converged
