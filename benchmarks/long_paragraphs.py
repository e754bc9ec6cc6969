"""The cost of a report on two very long near-identical paragraphs (issue 11, item 9).

One article holds two copies of a 20,000-word paragraph made of Reuters text, the
second with a dozen words changed and a sentence cut. `dedup scan` writes it as JSON,
HTML and for the terminal (each in its own process, best of `--reps`); the word diff
the HTML page and the terminal report draw was quadratic in the paragraph length.

    python benchmarks/long_paragraphs.py [--words 20000] [--reps 3] [--checkout DIR]

`--checkout DIR` runs another checkout's dedup instead (for example `git archive main`
unpacked in /tmp/base), with the same interpreter.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def article(words: int) -> str:
    with gzip.open(DATA / "reuters21578.jsonl.gz", "rt", encoding="utf-8") as handle:
        text = " ".join(p for line in handle for p in json.loads(line)["paragraphs"])
    old = text.split(" ")[:words]
    new = list(old)
    rng = random.Random(9)
    for at in rng.sample(range(len(new) - 100), 12):
        new[at] = "changed"
    del new[words // 2 : words // 2 + 40]
    return " ".join(old) + "\n\n" + " ".join(new) + "\n"


def seconds(checkout: Path, path: Path, form: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "dedup", "scan", "--format", form, "--quiet", str(path)],
        cwd=checkout,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": "100"},
        timeout=600,
    )
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr.decode()[-500:])
    return time.perf_counter() - started


@click.command()
@click.option("--words", default=20000, show_default=True)
@click.option("--reps", default=3, show_default=True)
@click.option("--checkout", type=click.Path(file_okay=False, path_type=Path))
def main(words: int, reps: int, checkout: Path | None) -> None:
    root = checkout or Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "long.txt"
        path.write_text(article(words), encoding="utf-8")
        print("| format | best of runs, s |\n|---|---:|")
        for form in ("json", "html", "terminal"):
            best = min(seconds(root, path, form) for _ in range(reps))
            print(f"| {form} | {best:.2f} |", flush=True)


if __name__ == "__main__":
    main()
