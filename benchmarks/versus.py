"""The same scan by this checkout and by another, alternating, on the same corpora.

For a change that must not cost English text anything: each round runs
`dedup scan --format json --quiet CORPUS` once with this checkout's code and once with
the other's (same interpreter and libraries), in separate processes, and reports the
median and best wall time and the peak memory of each (as benchmarks/throughput.py).

    git archive main | tar -x -C /tmp/base
    python benchmarks/versus.py --other /tmp/base [--reps 5] [--corpus PATH]...

Without --corpus: Reuters-21578 and the synthetic corpora of benchmarks/make_corpus.py
that exist.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import click
from throughput import REUTERS, SYNTHETIC, measure, paragraphs_in

HERE = Path(__file__).resolve().parents[1]


def command(corpus: Path) -> list[str]:
    return [sys.executable, "-m", "dedup", "scan", "--format", "json", "--quiet", str(corpus)]


@click.command()
@click.option("--other", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--reps", default=5, show_default=True)
@click.option("--corpus", "corpora", multiple=True, type=click.Path(path_type=Path))
def main(other: Path, reps: int, corpora: tuple[Path, ...]) -> None:
    chosen = list(corpora) or [REUTERS, *(p for p in SYNTHETIC if p.exists())]
    print("| corpus | paragraphs | code | median s | best s | runs | peak MB |")
    print("|---|---:|---|---:|---:|---|---:|")
    for corpus in chosen:
        runs: dict[str, list[tuple[float, float]]] = {"this": [], "other": []}
        for _ in range(reps):
            for name, root in (("other", other), ("this", HERE)):
                run = measure(command(corpus.resolve()), cwd=root)
                runs[name].append((run.seconds, run.peak_mb))
                print(f"  {corpus.name} {name}: {run.seconds:.2f} s", file=sys.stderr)
        count = paragraphs_in(corpus)
        for name in ("other", "this"):
            times = [s for s, _ in runs[name]]
            peak = max(m for _, m in runs[name])
            label = str(other) if name == "other" else "this checkout"
            print(
                f"| {corpus.name} | {count:,} | {label} | {statistics.median(times):.2f} | "
                f"{min(times):.2f} | {', '.join(f'{t:.2f}' for t in times)} | {peak:.0f} |"
            )


if __name__ == "__main__":
    main()
