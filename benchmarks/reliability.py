"""The figures in RELIABILITY.md: hostile inputs, kill -9 trials, records lost, fuzzing.

    python benchmarks/reliability.py [--kills 100] [--fuzz-seconds 300]

Reuses the generators and checks of tests/test_hostile.py and tests/test_interrupts.py
(the tests run fewer trials) and prints markdown tables.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import read_jsonl_gz  # noqa: E402
from support import dedup, feed_of, kill_points, kill_trials  # noqa: E402
from test_fuzz import SEEDS  # noqa: E402
from test_hostile import CASES, filter_feed, good_text  # noqa: E402

DATA = ROOT.parent / "shared" / "data"


def hostile() -> None:
    """Each case beside a good file, through `dedup scan`: outcome, status, time, memory."""
    print("| case | outcome | exit | seconds | peak MB |\n|---|---|---:|---:|---:|")
    for name, case in CASES.items():
        with tempfile.TemporaryDirectory() as folder:
            inputs = case.make(Path(folder))
            began = time.perf_counter()
            done = dedup("scan", "--format", "json", *inputs, good_text(Path(folder)))
            seconds = time.perf_counter() - began
            doc = json.loads(done.stdout)
            good = any(
                m["article"].endswith("good.txt") for c in doc["clusters"] for m in c["members"]
            )
            errors = done.errors()
            outcome = errors[0].split("error: ", 1)[1] if errors else "read correctly"
            outcome = re.sub(re.escape(folder) + "/?", "", outcome).replace("|", "\\|")
            if not good:
                outcome += " (REST OF RUN NOT PROCESSED)"
            print(f"| {name} | {outcome} | {done.status} | {seconds:.1f} | {done.peak_mb:.0f} |")


def records_lost() -> None:
    """Lines in, records out, for the filter's hostile feed."""
    with tempfile.TemporaryDirectory() as folder:
        feed, lines = filter_feed(Path(folder))
        done = dedup("filter", "--index", Path(folder) / "idx", feed)
        out = done.stdout.splitlines()
        errors = sum("error" in json.loads(line) for line in out)
        print(
            f"\nFilter, hostile feed: {len(lines)} lines in, {len(out)} records out "
            f"({errors} error records), {len(lines) - len(out)} lost; exit {done.status}"
        )


def kills(trials: int) -> None:
    """kill -9 at chosen points spread over a `dedup filter` run; then the index is checked."""
    reuters = list(read_jsonl_gz(DATA / "reuters21578.jsonl.gz"))
    with tempfile.TemporaryDirectory() as name:
        feed = feed_of(reuters, Path(name), 400)
        converged = kill_trials(feed, Path(name), kill_points(trials, feed), converge_every=5)
    print(
        f"\nkill -9 during `dedup filter` at {trials} chosen points (index creation, mid-article, "
        "around commits, after a line is written), each on a new index: sound every time, "
        f"every article whole or absent; {converged} of them sent the feed again: each "
        "converged to the index an uninterrupted run builds"
    )


def fuzz(seconds: int) -> None:
    """Each reader's atheris target for `seconds`: executions, coverage, crashes."""
    print("\n| target | seconds | executions | coverage (edges) | crashes |")
    print("|---|---:|---:|---:|---:|")
    for target, files in SEEDS.items():
        with tempfile.TemporaryDirectory() as name:
            corpus = Path(name) / "corpus"
            corpus.mkdir()
            for f in files:
                (corpus / f.name).write_bytes(f.read_bytes())
            command = [sys.executable, ROOT / "fuzz" / "readers.py", target]
            command += [f"-max_total_time={seconds}", f"-artifact_prefix={name}/", corpus]
            done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
            runs = re.findall(r"Done (\d+) runs", done.stderr)
            coverage = re.findall(r"\bcov: (\d+)", done.stderr)
            executions = f"{int(runs[-1]):,}" if runs else "?"
            edges = coverage[-1] if coverage else "?"
            crashes = len(list(Path(name).glob("crash-*")))
            print(f"| {target} | {seconds} | {executions} | {edges} | {crashes} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=100, help="kill -9 trials")
    parser.add_argument("--fuzz-seconds", type=int, default=0, help="per reader; 0 skips")
    args = parser.parse_args()
    hostile()
    records_lost()
    kills(args.kills)
    if args.fuzz_seconds:
        fuzz(args.fuzz_seconds)


if __name__ == "__main__":
    main()
