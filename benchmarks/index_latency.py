"""Filter index figures (issue 4): check+add latency, bulk ingest, size, load after restart.

Builds a 1,000,000-paragraph index from benchmarks/out/synthetic-1000000.jsonl.gz (made
by make_corpus.py when missing) with `dedup index add`, once embedded (SQLite) and once
in a redis-server of its own on loopback. Then times `Filter.check` (check, then add)
of fresh 20-paragraph articles drawn from real Reuters paragraphs, alternating between
the two indexes so both see the same articles in the same state. Also: bulk ingest of
Reuters into an empty index, size per paragraph, and open ("load") time after a
restart. Writes the figures into benchmarks/RESULTS.md.

    python benchmarks/index_latency.py [--articles 400]
"""

from __future__ import annotations

import datetime
import gzip
import json
import os
import platform
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import click
import numpy as np
import redis

from dedup import Article, Params
from dedup.filter import Filter
from dedup.gcpause import settled
from dedup.index import Index, open_index

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
CORPUS = OUT / "synthetic-1000000.jsonl.gz"
REUTERS = HERE.parents[1] / "shared" / "data" / "reuters21578.jsonl.gz"
RESULTS = HERE / "RESULTS.md"
SECTION = "## Filter and index (issue 4)"


def run_dedup(*args: str) -> tuple[float, str]:
    """Run the dedup CLI; wall seconds and its stderr."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "dedup", *args], capture_output=True, text=True, check=True
    )
    return time.perf_counter() - started, done.stderr


def reported_rate(stderr: str) -> float:
    """The articles/s `dedup index add` reports (interpreter start-up not included)."""
    found = re.search(r"\(([\d,]+)/s\)", stderr)
    assert found, stderr
    return float(found.group(1).replace(",", ""))


class RedisServer:
    """A redis-server on a free loopback port, its data in `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        """Start it; seconds until it answers (loading its snapshot, if any)."""
        exe = shutil.which("redis-server")
        assert exe, "redis-server is not installed (apt-get install -y redis-server)"
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [
                exe,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.folder),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        while True:
            try:
                client.ping()
                return time.perf_counter() - started
            except (redis.ConnectionError, redis.BusyLoadingError):
                time.sleep(0.01)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait()
            self.proc = None


def fresh_articles(count: int, seed: int = 4) -> list[Article]:
    """`count` articles of 20 Reuters paragraphs each, drawn at random."""
    with gzip.open(REUTERS, "rt", encoding="utf-8") as handle:
        paragraphs = [p for line in handle for p in json.loads(line)["paragraphs"]]
    rng = np.random.default_rng(seed)
    return [
        Article(f"fresh-{i}", tuple(paragraphs[j] for j in rng.choice(len(paragraphs), 20)), "", "")
        for i in range(count)
    ]


def open_seconds(spec: str) -> tuple[float, float]:
    """In a new process: seconds to open the index, then to check one article (no add).

    Both backends' modules are imported first: importing datasketch (and SciPy) for the
    Redis index takes about a second of its own.
    """
    code = (
        "import json, time; from dedup import Article, Params; from dedup.filter import Filter; "
        "from dedup.index import open_index, redis, sqlite; t = time.perf_counter(); "
        f"index = open_index({spec!r}, Params(), create=False); o = time.perf_counter() - t; "
        "a = Article('probe', ('The company said its first quarter results would be released "
        "next week after the board meeting in New York.',) * 2, '', ''); "
        "t = time.perf_counter(); Filter(index).check(a, add=False); "
        "print(json.dumps([o, time.perf_counter() - t]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    opened, checked = json.loads(done.stdout)
    return opened, checked


def ms(values: list[float], q: float) -> str:
    return f"{np.percentile(values, q) * 1000:.1f} ms"


def machine() -> str:
    memory = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    server = subprocess.run(["redis-server", "--version"], capture_output=True, text=True)
    found = re.search(r"v=(\S+)", server.stdout)
    return (
        f"{os.cpu_count()} cores ({cpu.group(1) if cpu else platform.machine()}), "
        f"{memory:.0f} GiB RAM, {platform.system()}, Python {platform.python_version()}, "
        f"NumPy {np.__version__}, datasketch {version('datasketch')}, SQLite "
        f"{sqlite3.sqlite_version}, "
        f"redis-py {redis.__version__}, redis-server {found.group(1) if found else '?'}"
    )


def write_results(lines: list[str]) -> None:
    text = RESULTS.read_text()
    section = "\n".join([SECTION, "", *lines]) + "\n"
    if SECTION in text:
        start = text.index(SECTION)
        after = text.find("\n## ", start + len(SECTION))
        text = text[:start] + section + (text[after + 1 :] if after != -1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)


@click.command()
@click.option("--articles", default=400, show_default=True, help="Fresh articles to time.")
def main(articles: int) -> None:
    """Measure both index kinds and write the figures to benchmarks/RESULTS.md."""
    if not CORPUS.exists():
        subprocess.run(
            [sys.executable, str(HERE / "make_corpus.py"), "--paragraphs", "1000000"], check=True
        )
    work = Path(tempfile.mkdtemp(prefix="dedup-bench-"))
    server = RedisServer(work)
    server.start()
    try:
        lines = measure(work, server, articles)
    finally:
        server.stop()
        shutil.rmtree(work)
    write_results(lines)
    print("\n".join(lines))


def measure(work: Path, server: RedisServer, count: int) -> list[str]:
    embedded = str(work / "index.sqlite")
    build = {}
    for name, spec in (("embedded", embedded), ("Redis", server.url)):
        seconds, stderr = run_dedup("index", "add", "--index", spec, str(CORPUS))
        build[name] = (seconds, reported_rate(stderr))
        print(f"built {name}: {seconds:.0f} s", file=sys.stderr)

    indexes: dict[str, Index] = {
        "embedded": open_index(embedded, Params()),
        "Redis": open_index(server.url, Params()),
    }
    paragraphs = indexes["embedded"].summary().paragraphs
    assert indexes["Redis"].summary().paragraphs == paragraphs
    filters = {name: Filter(index) for name, index in indexes.items()}
    timings: dict[str, list[float]] = {name: [] for name in filters}
    articles = fresh_articles(count)
    settled()  # as `dedup filter` does after start-up (this harness holds all of Reuters)
    for article in articles:
        for name, checker in filters.items():
            started = time.perf_counter()
            checker.check(article)
            timings[name].append(time.perf_counter() - started)
    stored = indexes["embedded"].summary().paragraphs
    assert indexes["Redis"].summary().paragraphs == stored
    for index in indexes.values():
        index.close()

    client = redis.Redis.from_url(server.url, socket_timeout=600)  # SAVE takes a while
    used = client.info("memory")["used_memory"]
    client.save()
    rdb = (work / "dump.rdb").stat().st_size
    server.stop()
    redis_load = server.start()
    redis_open = open_seconds(server.url)
    sqlite_open = open_seconds(embedded)
    sqlite_bytes = sum(
        p.stat().st_size for p in work.glob("index.sqlite*") if p.suffix != ".sqlite-shm"
    )

    reuters = {}
    for name, spec in (("embedded", str(work / "reuters.sqlite")), ("Redis", server.url)):
        _, stderr = run_dedup("index", "add", "--index", spec, "--prefix", "reuters", str(REUTERS))
        reuters[name] = reported_rate(stderr)

    command = f"python benchmarks/index_latency.py --articles {count}"
    today = datetime.date.today().isoformat()
    return [
        f"`{command}`, {today}. Machine: {machine()}.",
        "",
        f"Index built from `{CORPUS.relative_to(HERE.parent)}` with `dedup index add` (its "
        f"{paragraphs:,} paragraphs of at least {Params().min_words} words are indexed); then "
        f"{count} fresh 20-paragraph articles of "
        "random real Reuters paragraphs, each checked and added (`Filter.check`), "
        "alternating between the two indexes.",
        "",
        "| measure | embedded (SQLite) | Redis (loopback) | target |",
        "| --- | --- | --- | --- |",
        f"| check+add, median | **{ms(timings['embedded'], 50)}** | "
        f"**{ms(timings['Redis'], 50)}** | ≤ 10 ms embedded, ≤ 30 ms Redis |",
        f"| check+add, p99 | **{ms(timings['embedded'], 99)}** | {ms(timings['Redis'], 99)} "
        "| ≤ 50 ms embedded |",
        f"| check+add, slowest | {ms(timings['embedded'], 100)} | {ms(timings['Redis'], 100)} | |",
        f"| bulk ingest of Reuters (21,578 articles) into an empty index | "
        f"**{reuters['embedded']:,.0f} articles/s** | {reuters['Redis']:,.0f} articles/s "
        "| ≥ 2,000 articles/s embedded |",
        f"| bulk ingest of the synthetic corpus (1M paragraphs) | "
        f"{build['embedded'][1]:,.0f} articles/s | {build['Redis'][1]:,.0f} articles/s | |",
        f"| size per paragraph | {sqlite_bytes / stored:,.0f} bytes on disk | "
        f"{used / stored:,.0f} bytes of server memory, {rdb / stored:,.0f} bytes of RDB "
        "snapshot | report |",
        f"| load after restart | open {sqlite_open[0] * 1000:.1f} ms, first check "
        f"{sqlite_open[1] * 1000:.0f} ms | server start with snapshot {redis_load:.1f} s; "
        f"open {redis_open[0] * 1000:.1f} ms, first check {redis_open[1] * 1000:.0f} ms "
        "| report |",
        "",
    ]


if __name__ == "__main__":
    main()
