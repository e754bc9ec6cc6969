"""The embedded index's band lookup (bandmap.py): its snapshot file is used after a
restart, picked up from another writer, ignored when it cannot be trusted, and it
forgets removed paragraphs; buckets are capped as in a scan."""

import json
import random
import sqlite3
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from support import Point, check_lookup
from support import dedup as run_dedup

from dedup import Article, Params
from dedup.filter import Filter
from dedup.index import bandmap, hash_article, open_index
from dedup.index.sqlite import SqliteIndex
from dedup.lsh import FIRST_OF_BUCKET, MAX_BUCKET

LINE = (
    "The central bank left its benchmark rate unchanged on Thursday and said inflation "
    "was easing faster than expected."
)


@pytest.fixture
def small_snapshots(monkeypatch: pytest.MonkeyPatch) -> None:
    """Snapshot after 20 paragraphs in memory, not 10,000 (the rule is the same)."""
    monkeypatch.setattr(bandmap, "MIN_SNAPSHOT", 16 * 20)


def stories(reuters: list[dict[str, Any]], start: int, count: int) -> list[Article]:
    """Reuters articles with at least one paragraph long enough to index."""
    found = []
    for r in reuters[start:]:
        article = Article(r["id"], tuple(r["paragraphs"]), "", "")
        if hash_article(article, Params()).paragraphs:
            found.append(article)
        if len(found) == count:
            return found
    return found


def sqlite_index(path: Path) -> SqliteIndex:
    index = open_index(str(path), Params())
    assert isinstance(index, SqliteIndex)
    return index


def add(index: SqliteIndex, articles: list[Article]) -> None:
    for article in articles:
        index.add(article, hash_article(article, index.params))


def statuses(index: SqliteIndex, articles: list[Article]) -> set[str]:
    """The filter's verdicts on copies of `articles` sent under new ids."""
    checker = Filter(index)
    return {
        checker.check(Article(a.id + "-copy", a.paragraphs, "", ""), add=False).status
        for a in articles
    }


def test_the_snapshot_serves_after_a_restart(
    tmp_path: Path, reuters: list, small_snapshots: None
) -> None:
    articles = stories(reuters, 0, 120)
    with sqlite_index(tmp_path / "idx") as index:
        add(index, articles)
    assert (tmp_path / "idx.bands").stat().st_size > bandmap.HEADER
    with sqlite_index(tmp_path / "idx") as index:
        assert statuses(index, articles) == {"duplicate"}
        assert index.bands.covered > 0 and len(index.bands.snapshot) > 0
        assert index.bands.tail == 0  # nothing had to be read from the database


def flip(path: Path, start: int, count: int, seed: int = 1) -> None:
    """Overwrite `count` bytes of a file at `start` with random ones, in place."""
    with path.open("r+b") as handle:
        handle.seek(start)
        old = handle.read(count)
        new = random.Random(seed).randbytes(count)
        assert new != old
        handle.seek(start)
        handle.write(new)


@pytest.mark.parametrize(
    "damage",
    ["truncated", "garbage", "foreign", "restored", "missing", "keys flipped", "one bit"],
)
def test_a_snapshot_that_cannot_be_trusted_is_ignored(
    tmp_path: Path, reuters: list, small_snapshots: None, damage: str
) -> None:
    articles = stories(reuters, 0, 120)
    with sqlite_index(tmp_path / "idx") as index:
        add(index, articles)
    snapshot = tmp_path / "idx.bands"
    if damage == "truncated":  # a copy cut short
        snapshot.write_bytes(snapshot.read_bytes()[:-100])
    elif damage == "garbage":
        snapshot.write_bytes(b"\0" * 10_000)
    elif damage == "foreign":  # another index's snapshot beside this database
        with sqlite_index(tmp_path / "other") as other:
            add(other, stories(reuters, 500, 120))
        snapshot.write_bytes((tmp_path / "other.bands").read_bytes())
    elif damage == "restored":  # the database put back from before the last snapshot
        backup = (tmp_path / "idx").read_bytes()
        with sqlite_index(tmp_path / "idx") as index:
            add(index, stories(reuters, 500, 60))
        (tmp_path / "idx").write_bytes(backup)
    elif damage == "keys flipped":  # header whole, size right: 64 KiB of keys replaced
        keys = json.loads(snapshot.read_bytes()[: bandmap.HEADER])["entries"] * 8
        flip(snapshot, bandmap.HEADER + keys // 3, min(65536, keys // 3))
    elif damage == "one bit":  # one pid pointing at another paragraph
        with snapshot.open("r+b") as handle:
            handle.seek(snapshot.stat().st_size - 100)
            byte = handle.read(1)[0]
            handle.seek(-1, 1)
            handle.write(bytes([byte ^ 4]))
    else:
        snapshot.unlink()
    with sqlite_index(tmp_path / "idx") as index:
        with index.transaction():
            assert index.bands.covered == 0 and index.bands.tail > 0  # not used
        assert statuses(index, articles) == {"duplicate"}  # rebuilt from the database
        assert index.bands.covered > 0  # and written again


def test_a_snapshot_that_cannot_be_written_costs_nothing_else(
    tmp_path: Path, reuters: list, small_snapshots: None
) -> None:
    (tmp_path / "idx.bands").mkdir()  # stands in the way, as a full disk would
    articles = stories(reuters, 0, 120)
    with sqlite_index(tmp_path / "idx") as index:
        add(index, articles)
        assert statuses(index, articles) == {"duplicate"}
    with sqlite_index(tmp_path / "idx") as index:
        assert statuses(index, articles) == {"duplicate"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["idx", "idx.bands"]  # no leftovers


def test_another_writers_snapshot_and_additions_are_seen(
    tmp_path: Path, reuters: list, small_snapshots: None
) -> None:
    first, second = sqlite_index(tmp_path / "idx"), sqlite_index(tmp_path / "idx")
    early, late = stories(reuters, 0, 60), stories(reuters, 60, 60)
    add(first, early)  # writes snapshots
    assert statuses(second, early) == {"duplicate"}
    assert second.bands.covered > 0  # it mapped the first one's snapshot
    add(second, late)
    assert statuses(first, late) == {"duplicate"}
    with first.transaction():  # not committed yet: seen by its own checks
        add(first, [Article("fresh", (LINE,), "", "")])
        assert statuses(first, [Article("fresh", (LINE,), "", "")]) == {"duplicate"}
    first.close()
    second.close()


def test_removed_and_pruned_paragraphs_leave_the_lookup(
    tmp_path: Path, reuters: list, small_snapshots: None
) -> None:
    articles = stories(reuters, 0, 60)
    solo = Article("solo", (LINE,), "", "")
    with sqlite_index(tmp_path / "idx") as index:
        add(index, [*articles, solo])
        assert statuses(index, [solo]) == {"duplicate"}
        assert index.remove("solo")
        assert statuses(index, [solo]) == {"new"}
        assert index.prune(time.time() + 1) == len(articles)
        assert len(index.bands.snapshot) == 0  # pruning writes a snapshot of what is left
        checker = Filter(index)
        for article in articles:
            verdict = checker.check(Article("again", article.paragraphs, "", ""), add=False)
            assert not any(d.indexed for d in verdict.duplicates)


def test_a_big_bucket_offers_its_newest_paragraphs_from_snapshot_and_memory(
    tmp_path: Path, small_snapshots: None
) -> None:
    copies = [Article(f"copy-{i:03}", (LINE,), "", "") for i in range(MAX_BUCKET + 40)]
    hashed = hash_article(copies[0], Params())
    query = np.unique(hashed.keys)
    with sqlite_index(tmp_path / "idx") as index:
        add(index, copies[:MAX_BUCKET])  # all of them fit a bucket
        with index.transaction():
            assert len(set(index.bands.lookup(query)[1].tolist())) == MAX_BUCKET
        add(index, copies[MAX_BUCKET:])  # now too many: part in the snapshot, part in memory
        assert len(index.bands.snapshot) and index.bands.tail
        add(index, copies[:FIRST_OF_BUCKET])  # re-sent: replaced, now the newest
        with index.transaction():
            owner, pids = index.bands.lookup(query)
            add(index, [Article("unsent", (LINE,), "", "")])  # newer still, not committed
            entries = index.candidates(hashed)[0]
        assert statuses(index, [copies[0]]) == {"duplicate"}
    every = sqlite3.connect(tmp_path / "idx").execute("SELECT pid FROM paragraphs ORDER BY pid")
    newest = [pid for (pid,) in every][-FIRST_OF_BUCKET - 1 : -1]
    for band in range(hashed.keys.shape[0]):  # each band's bucket offers its newest
        assert sorted(pids[owner == band].tolist()) == newest
    assert "unsent" in {e.article for e in entries}
    assert {e.article for e in entries} <= {"unsent", *(c.id for c in copies[:FIRST_OF_BUCKET])}


SNAPSHOT_POINTS = [
    Point("dedup.index.bandmap:BandMap.write"),  # about to write it
    Point("os:fsync"),  # written, not yet synced or renamed into place
    Point("dedup.index.bandmap:BandMap.write", when="after"),  # in place, its token not recorded
    Point("sql:INSERT OR REPLACE INTO meta", when="after"),  # token recorded, not committed
]


@pytest.mark.slow
@pytest.mark.parametrize("point", SNAPSHOT_POINTS, ids=lambda p: f"{p.target}-{p.when}")
def test_kill_9_while_snapshots_are_written(
    tmp_path: Path, reuters: list[dict[str, Any]], point: Point
) -> None:
    """`dedup index add` writes a snapshot as it closes; adding the same articles again,
    killed at each step of writing the next one, the index re-opens and finds each
    paragraph through its band keys, and every pair the lookup gives is right."""
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps(r) + "\n" for r in reuters[:4000]))
    index = tmp_path / "idx"
    assert run_dedup("index", "add", "-q", "--index", index, feed).status == 0
    assert (tmp_path / "idx.bands").exists()
    run_dedup("index", "add", "-q", "--index", index, feed, at=point)
    check_lookup(index, every=5)
    assert run_dedup("index", "add", "-q", "--index", index, feed).status == 0
    check_lookup(index, every=5)
