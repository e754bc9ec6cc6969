"""Where a Dask scan's time goes: when each stage starts, and the driver's memory then.

Runs `dedup.distributed.scan` (the library, as `dedup scan --engine dask` does) on a
local cluster of 2 single-threaded workers with a memory limit each, writing its tables
to a temporary folder, and prints a line as each stage starts (the progress callback's
stages, and the driver's own steps after the clusters: `finish`, `tables`) with the
seconds since the start, the driver's resident memory, and what the workers have
written to their spill folder and read back from it so far (Dask's own counts).

    python benchmarks/dask_stages.py benchmarks/out/synthetic-10000000-pool1000000
        [--memory-limit 2.5GB]
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from support import _rss_kb  # a process's resident memory

from dedup.config import Params
from dedup.distributed import engine, runtime


def _timed(say: Callable[[str], None], name: str, function: Any) -> Any:
    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        say(name)
        return function(*args, **kwargs)

    return run


def _spilled(dask_worker: Any) -> tuple[int, int]:
    """Bytes a worker has written to its spill folder and read back from it."""
    digests = dask_worker.digests_total
    found = {"disk-write": 0, "disk-read": 0}
    for key, value in digests.items():
        if isinstance(key, tuple) and len(key) >= 2 and key[-1] == "bytes" and key[-2] in found:
            found[key[-2]] += int(value)
    return found["disk-write"], found["disk-read"]


def _spilled_by(clients: list[Any]) -> tuple[int, int]:
    """What every worker of the cluster has written and read back (none before it starts)."""
    found = clients[0].run(_spilled).values() if clients else []
    return sum(w for w, _ in found), sum(r for _, r in found)


@click.command()
@click.argument("archive")
@click.option("--memory-limit", default="2.5GB", show_default=True)
def main(archive: str, memory_limit: str) -> None:
    """Print each stage's start (seconds), the driver's memory and the spill then."""
    started = time.perf_counter()
    last: list[str] = []
    clients: list[Any] = []

    def say(stage: str) -> None:
        rss = _rss_kb(os.getpid()) / 2**20
        written, read = (n / 2**30 for n in _spilled_by(clients))
        print(
            f"{time.perf_counter() - started:8.1f} s  driver {rss:5.2f} GB  "
            f"spill written {written:6.2f} GB, read {read:6.2f} GB  {stage}",
            flush=True,
        )

    def progress(stage: str, done: int, total: int) -> None:
        if stage not in last:
            last.append(stage)
            say(stage)

    engine.finish = _timed(say, "finish (driver)", engine.finish)
    engine.tables.write = _timed(say, "tables (driver)", engine.tables.write)
    with (
        tempfile.TemporaryDirectory() as work,
        runtime.connected(None, 2, memory_limit, os.path.join(work, "spill")) as client,
    ):
        clients.append(client)
        done = engine.scan(
            [archive],
            Params(),
            client=client,
            out=os.path.join(work, "tables"),
            progress=progress,
            collect=False,
        )
        say(f"done: {done.counts}")


if __name__ == "__main__":
    main()
