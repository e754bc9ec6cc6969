"""One paragraph in every article: a sign-off, or a disclaimer, shared by N stories.

    python benchmarks/shared_line.py [--articles 10000 100000 1000000]

Each article holds one paragraph of its own (30 words) and a second one. For each N,
`dedup scan --format json` runs three times in a child process: with a sign-off
("Reporting by ...; editing by ...") as the second paragraph of every article, with a
disclaimer that only recurrence marks as standing text, and, as the baseline in the
same run, with a second paragraph of its own (as many paragraphs, none shared). Prints
seconds, the peak resident memory of the process and its workers, and the cost per
article, as a markdown table; the figures go to RELIABILITY.md.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support import dedup  # noqa: E402

SIGN_OFF = "Reporting by Jane Doe in London; editing by John Smith and Mary Major"
DISCLAIMER = (
    "This story has not been edited by the desk and is published from a syndicated feed "
    "under the terms of the agency licence."
)
WORDS = [f"w{i}" for i in range(50_000)]


def write_archive(path: Path, articles: int, shared: str | None) -> None:
    rng = random.Random(articles)
    with path.open("w") as out:
        for i in range(articles):
            own = " ".join(rng.choice(WORDS) for _ in range(30))
            second = shared or " ".join(rng.choice(WORDS) for _ in range(14))
            out.write(json.dumps({"id": f"a{i}", "paragraphs": [own, second]}) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    print("| articles | shared paragraph | seconds | peak MB | µs per article | KB per article |")
    print("|---:|---|---:|---:|---:|---:|")
    for articles in args.articles:
        for label, shared in (
            ("none: a second paragraph of its own (baseline)", None),
            ("sign-off", SIGN_OFF),
            ("disclaimer", DISCLAIMER),
        ):
            with tempfile.TemporaryDirectory() as folder:
                archive = Path(folder) / "archive.jsonl"
                write_archive(archive, articles, shared)
                began = time.perf_counter()
                done = dedup("scan", "-q", "--format", "json", archive)
                seconds = time.perf_counter() - began
            document = json.loads(done.stdout)
            kinds = {s["kind"]: s["articles"] for s in document["standing"]}
            assert shared is None or max(kinds.values()) == articles, kinds
            print(
                f"| {articles:,} | {label} | {seconds:.1f} | {done.peak_mb:,.0f} | "
                f"{seconds / articles * 1e6:.0f} | {done.peak_mb * 1024 / articles:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
