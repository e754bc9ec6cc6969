"""End-to-end throughput and peak memory: dedup scan against the naive datasketch
pipeline and the rensa pipeline, on the same input, in the same run.

Each job runs as its own process, alternating job by job for `--reps` rounds; the
median wall time is reported. Memory is the peak, over the run, of the summed
resident set size of the process and all its children (dedup's workers), sampled
every 20 ms from /proc/PID/statm (pages a worker shares with its parent after fork
count twice, so this errs high). Reading smaps for PSS instead slowed a 1.6 GB process
down by half.

    python benchmarks/throughput.py [--reps 3] [--corpus PATH]... [--jobs naive,rensa,dedup]
        [--baseline DIR]

Without --corpus: Reuters-21578 with all three jobs, then the synthetic corpora of
100k, 300k and 1M paragraphs (benchmarks/make_corpus.py) with rensa and dedup.
--baseline DIR adds the job "baseline": the dedup package found in DIR (for example
`git archive <commit> dedup | tar -x -C DIR`), run the same way, to measure a change.
"""

from __future__ import annotations

import gzip
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import click

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
from support import TreeMemory  # noqa: E402  (samples a process tree's resident memory)

DATA = HERE.parents[0].parent / "shared" / "data"
REUTERS = DATA / "reuters21578.jsonl.gz"
SYNTHETIC = [HERE / "out" / f"synthetic-{n}.jsonl.gz" for n in (100000, 300000, 1000000)]


def command(job: str, corpus: Path) -> list[str]:
    if job in ("dedup", "baseline"):
        return [sys.executable, "-m", "dedup", "scan", "--format", "json", "--quiet", str(corpus)]
    return [sys.executable, str(HERE / "baselines.py"), job, str(corpus)]


@dataclass
class Run:
    seconds: float
    peak_mb: float
    status: int


def measure(cmd: list[str], path: Path | None = None, cwd: Path | None = None) -> Run:
    """Run `cmd` to completion (in `cwd`), sampling the resident memory of its process
    tree (`path`: where to import dedup from, for the baseline)."""
    started = time.perf_counter()
    # Bytecode is cached as on any normal install (this sandbox sets PYTHONDONTWRITEBYTECODE).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if path is not None:
        env["PYTHONPATH"] = str(path)
    process = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd
    )
    memory = TreeMemory(process.pid)
    _, stderr = process.communicate()
    seconds = time.perf_counter() - started
    memory.stop()
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({process.returncode}): {stderr.decode()[-500:]}")
    return Run(seconds, memory.peak_mb, process.returncode)


def paragraphs_in(corpus: Path) -> int:
    with gzip.open(corpus, "rt", encoding="utf-8") as handle:
        return sum(len(json.loads(line)["paragraphs"]) for line in handle)


def compare(corpus: Path, jobs: list[str], reps: int, baseline: Path | None = None) -> list[str]:
    """Markdown rows for one corpus."""
    runs: dict[str, list[Run]] = {job: [] for job in jobs}
    for _ in range(reps):
        for job in jobs:
            runs[job].append(measure(command(job, corpus), baseline if job == "baseline" else None))
            print(f"  {corpus.name} {job}: {runs[job][-1].seconds:.2f} s", file=sys.stderr)
    n = paragraphs_in(corpus)
    median = {job: statistics.median(r.seconds for r in runs[job]) for job in jobs}
    rows = []
    for job in jobs:
        peak = max(r.peak_mb for r in runs[job])
        ratios = []
        if job == "dedup":
            ratios = [f"{median[o] / median['dedup']:.1f}x vs {o}" for o in jobs if o != "dedup"]
        times = ", ".join(f"{r.seconds:.2f}" for r in runs[job])
        rows.append(
            f"| {corpus.name} | {n:,} | {job} | {median[job]:.2f} ({times}) | "
            f"{n / median[job]:,.0f} | {peak:,.0f} | {'; '.join(ratios)} |"
        )
    return rows


@click.command()
@click.option("--reps", default=3, show_default=True)
@click.option("--corpus", "corpora", multiple=True, type=click.Path(exists=True, path_type=Path))
@click.option("--jobs", help="Comma-separated subset of naive,rensa,dedup.")
@click.option(
    "--baseline",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder holding an earlier dedup package: adds the job 'baseline'.",
)
def main(reps: int, corpora: tuple[Path, ...], jobs: str | None, baseline: Path | None) -> None:
    """Print a markdown table of the comparison."""
    if baseline is not None and jobs is None:
        jobs = "baseline,dedup"
    plan = [(c, (jobs or "naive,rensa,dedup").split(",")) for c in corpora]
    if not plan:
        plan = [(REUTERS, (jobs or "naive,rensa,dedup").split(","))]
        plan += [(c, (jobs or "rensa,dedup").split(",")) for c in SYNTHETIC if c.exists()]
    columns = ["corpus", "paragraphs", "job", "median s (runs)", "paragraphs/s", "peak MB (RSS)"]
    print("| " + " | ".join([*columns, "dedup speed-up"]) + " |")
    print("|---|---:|---|---|---:|---:|---|")
    for corpus, job_list in plan:
        for row in compare(corpus, job_list, reps, baseline):
            print(row, flush=True)


if __name__ == "__main__":
    main()
