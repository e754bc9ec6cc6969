"""What telling a re-sent article from a new one costs the filter (issue 13).

Every check now looks up the stored article with the same id (`Index.stored`) to tell
"unchanged" and a replaced one's revision. Indexes Reuters-21578 (embedded and in a
redis-server of its own on loopback), then, in the same run, times for 400 fresh
20-paragraph articles: the lookup alone (an id not stored, and one stored), a check and
add of each article sent first, and the same article sent again (unchanged: checked,
not added). Prints a markdown table.

    python benchmarks/resend.py [--articles 400]
"""

from __future__ import annotations

import gzip
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import click

from dedup import Article, Params
from dedup.filter import Filter
from dedup.gcpause import settled
from dedup.index import Index, hash_articles, open_index

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from index_latency import REUTERS, RedisServer, fresh_articles  # noqa: E402


def fill(index: Index) -> None:
    """Reuters-21578, added in the batches `dedup index add` uses."""
    with gzip.open(REUTERS, "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    articles = [Article(r["id"], tuple(r["paragraphs"]), "", "") for r in records]
    hashed = hash_articles(articles, Params())
    for start in range(0, len(articles), index.batch):
        with index.transaction():
            for article, h in zip(
                articles[start : start + index.batch],
                hashed[start : start + index.batch],
                strict=True,
            ):
                index.add(article, h)


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.3f}"


def measure(index: Index, articles: list[Article]) -> dict[str, list[float]]:
    checker = Filter(index)
    found: dict[str, list[float]] = {"absent": [], "first": [], "stored": [], "again": []}
    statuses = set()
    for article in articles:
        found["absent"].append(timed(lambda a=article: index.stored(a.id)))
        found["first"].append(timed(lambda a=article: checker.check(a)))
        found["stored"].append(timed(lambda a=article: index.stored(a.id)))
        started = time.perf_counter()
        statuses.add(checker.check(article).status)
        found["again"].append(time.perf_counter() - started)
    assert statuses == {"unchanged"}, statuses
    return found


@click.command()
@click.option("--articles", default=400, show_default=True, help="Fresh articles to time.")
def main(articles: int) -> None:
    """Print the table."""
    fresh = fresh_articles(articles)
    with tempfile.TemporaryDirectory(prefix="dedup-resend-") as work:
        server = RedisServer(Path(work))
        server.start()
        try:
            rows = []
            for name, spec in (("embedded", f"{work}/idx"), ("Redis", server.url)):
                with open_index(spec, Params()) as index:
                    fill(index)
                    settled()
                    found = measure(index, fresh)
                rows.append(
                    f"| {name} | {ms(found['absent'])} | {ms(found['stored'])} | "
                    f"{ms(found['first'])} | {ms(found['again'])} |"
                )
        finally:
            server.stop()
    print(
        "| index | lookup, id not stored (ms) | lookup, id stored (ms) | "
        "check+add, sent first (ms) | check, sent again: unchanged (ms) |"
    )
    print("|---|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
