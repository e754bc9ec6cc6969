"""The scan as a Dask job at 1M, 3M and 10M paragraphs: time, memory of every process,
spill; and the single-process scan beside it where it fits.

Each run is `dedup scan` in a child process, on the synthetic archives of
make_corpus.py written as shards (`--shards`, made here when missing): `--engine dask`
on a local cluster of 2 single-threaded workers with a memory limit each, writing its
tables (`--out`); the single-process scan writing its JSON document to /dev/null.
Every 100 ms the resident memory of each process of the run is sampled (the driver,
which holds the client and the scheduler, and each worker: /proc/PID/statm), and every
second the size of the spill folder. Reported: wall time, time per paragraph, the peak
of the summed memory of all processes, each process's peak, the peak spilled, and the
load average before and after (the machine is shared: compare runs of one session).

    python benchmarks/dask_scale.py [--sizes 1000000,3000000,10000000]
        [--memory-limit 2.5GB] [--single-up-to 3000000] [--reps 1] [--pool 1000000]

By default the archives grow in stories (`--pool 1000000`: each million paragraphs
tells its own stories, copied as often as in the first million), so that the time per
paragraph measures the engine, not a corpus with ever more copies of the same
stories; `--pool 0` draws every size from one pool (85 copies of each story at 10M).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import click

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
from support import _rss_kb, _tree  # noqa: E402  (a process tree and its resident memory)

OUT = HERE / "out"
SHARD = 62_500  # paragraphs per shard


def corpus(paragraphs: int, pool: int) -> Path:
    """The archive's shard folder (made when missing); a first pool is the corpus
    without pools (make_corpus.py)."""
    pooled = 0 < pool < paragraphs
    folder = OUT / (f"synthetic-{paragraphs}" + (f"-pool{pool}" if pooled else ""))
    if not folder.is_dir():
        shards = max(1, paragraphs // SHARD)
        subprocess.run(
            [sys.executable, str(HERE / "make_corpus.py"), "--paragraphs", str(paragraphs),
             "--shards", str(shards), "--pool", str(pool if pooled else 0)],
            check=True,
        )  # fmt: skip
    return folder


def _role(pid: int, root: int) -> str:
    if pid == root:
        return "driver"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            command = handle.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "gone"
    if "resource_tracker" in command:
        return "resource tracker"
    if "spawn_main" in command or "forkserver" in command:
        return "worker"
    return "pool worker"  # the single-process scan's forked hashing pool


@dataclass
class Sampled:
    seconds: float = 0.0
    peak_mb: float = 0.0
    processes: dict[str, float] = field(default_factory=dict)  # role #n -> peak MB
    spill_mb: float = 0.0
    status: int = 0


def _folder_mb(folder: Path) -> float:
    total = 0
    for path, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(path, name))
            except OSError:
                continue
    return total / 2**20


def measure(command: list[str], spill: Path | None) -> Sampled:
    found = Sampled()
    peaks: dict[int, tuple[str, float]] = {}
    done = threading.Event()
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def sample() -> None:
        last_spill = 0.0
        while not done.is_set():
            total = 0.0
            for pid in _tree(process.pid):
                mb = _rss_kb(pid) / 1024
                total += mb
                role, peak = peaks.get(pid) or (_role(pid, process.pid), 0.0)
                peaks[pid] = (role, max(peak, mb))
            found.peak_mb = max(found.peak_mb, total)
            if spill is not None and time.monotonic() - last_spill > 1:
                found.spill_mb = max(found.spill_mb, _folder_mb(spill))
                last_spill = time.monotonic()
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    found.seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    found.status = process.returncode
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed: {stderr.decode()[-2000:]}")
    counts: dict[str, int] = {}
    for role, peak in sorted(peaks.values(), key=lambda r: (r[0], -r[1])):
        if role in ("gone",) or peak < 1:
            continue
        counts[role] = counts.get(role, 0) + 1
        found.processes[f"{role} {counts[role]}"] = peak
    return found


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


@click.command()
@click.option("--sizes", default="1000000,3000000,10000000", show_default=True)
@click.option("--memory-limit", default="2.5GB", show_default=True)
@click.option("--single-up-to", default=3_000_000, show_default=True)
@click.option("--reps", default=1, show_default=True)
@click.option(
    "--pool",
    default=1_000_000,
    show_default=True,
    help="Paragraphs per pool of stories (make_corpus.py --pool); 0: one pool at every size.",
)
def main(sizes: str, memory_limit: str, single_up_to: int, reps: int, pool: int) -> None:
    """Print a markdown table of the runs."""
    rows = []
    for paragraphs in (int(s) for s in sizes.split(",")):
        folder = corpus(paragraphs, pool)
        for _ in range(reps):
            work = Path(tempfile.mkdtemp(prefix="dask-scale-", dir=OUT))
            try:
                spill, tables = work / "spill", work / "tables"
                dask_command = [
                    sys.executable, "-m", "dedup", "scan", "--engine", "dask", "--workers", "2",
                    "--memory-limit", memory_limit, "--spill-dir", str(spill),
                    "--out", str(tables), "-q", str(folder),
                ]  # fmt: skip
                before = load()
                run = measure(dask_command, spill)
                rows.append(("dask", paragraphs, run, before, load()))
                print(_row(*rows[-1]), flush=True)
            finally:
                shutil.rmtree(work, ignore_errors=True)
            if paragraphs <= single_up_to:
                command = [sys.executable, "-m", "dedup", "scan", "--format", "json", "-q"]
                before = load()
                run = measure([*command, str(folder)], None)
                rows.append(("single", paragraphs, run, before, load()))
                print(_row(*rows[-1]), flush=True)
    print()
    print(
        "| engine | paragraphs | seconds | µs/paragraph | peak, all processes"
        " | per process (peak) | spilled (peak) | load before / after |"
    )
    print("| --- | ---: | ---: | ---: | ---: | --- | ---: | --- |")
    for row in rows:
        print(_row(*row))


def _row(engine: str, paragraphs: int, run: Sampled, before: str, after: str) -> str:
    each = ", ".join(f"{role} {mb / 1024:.2f} GB" for role, mb in run.processes.items())
    spilled = f"{run.spill_mb / 1024:.2f} GB" if engine == "dask" else "–"
    return (
        f"| {engine} | {paragraphs:,} | {run.seconds:.1f} | {run.seconds / paragraphs * 1e6:.1f} "
        f"| {run.peak_mb / 1024:.2f} GB | {each} | {spilled} | {before} / {after} |"
    )


if __name__ == "__main__":
    main()
