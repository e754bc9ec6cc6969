"""The embedded index: one SQLite file, safe across restarts, crashes and writers.

Each article is added in one transaction (WAL journal), so after a crash or
`kill -9` it is either wholly present or absent. Writers coordinate through SQLite's
lock: a check-then-add holds the write lock, a second writer waits for it (up to
`BUSY_SECONDS`, then gets a clear error).

Tables: `articles` (id, time added, story metadata), `paragraphs` (text, sorted
shingle hashes, band keys, as blobs), `bands` (band key -> paragraph), `meta` (the
parameters the index was built with).
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from ..config import Params
from ..errors import IndexRefused
from ..lsh import FIRST_OF_BUCKET, MAX_BUCKET, ramp
from ..model import Article, Story
from . import Entry, Hashed, Index, Summary, check_structure, now, structure

BUSY_SECONDS = 30.0
MMAP_BYTES = 1 << 31  # read pages through a memory map: no system call per B-tree page
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS articles (
    num INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, added REAL NOT NULL,
    paragraphs INTEGER NOT NULL, guid TEXT, story TEXT
);
CREATE INDEX IF NOT EXISTS articles_added ON articles (added);
CREATE INDEX IF NOT EXISTS articles_guid ON articles (guid);
CREATE TABLE IF NOT EXISTS paragraphs (
    pid INTEGER PRIMARY KEY, num INTEGER NOT NULL, idx INTEGER NOT NULL,
    text TEXT NOT NULL, shingles BLOB NOT NULL, keys BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS paragraphs_num ON paragraphs (num);
CREATE TABLE IF NOT EXISTS bands (
    key INTEGER NOT NULL, pid INTEGER NOT NULL, PRIMARY KEY (key, pid)
) WITHOUT ROWID;
"""
_BATCH = 900  # SQL parameters per statement
# The stored paragraphs sharing each band key; like a scan, a bucket of more than
# MAX_BUCKET only offers its first FIRST_OF_BUCKET (bounded candidates to verify).
_BUCKETS = f"""
SELECT key, pid FROM (
    SELECT key, pid, row_number() OVER (PARTITION BY key ORDER BY pid) AS rank,
        count(*) OVER (PARTITION BY key) AS size
    FROM bands WHERE key IN ({{marks}})
) WHERE rank <= CASE WHEN size > {MAX_BUCKET} THEN {FIRST_OF_BUCKET} ELSE size END
"""


def _sharing(stored: np.ndarray, keys: np.ndarray) -> list[tuple[int, int]]:
    """Distinct (row j of `stored`, column k of `keys`) pairs that share a band key.

    stored is (m, bands), one row per stored paragraph; keys is (bands, n), the checked
    article's. A sorted join, linear in the matches (an article of 100,000 paragraphs
    against as many stored ones stays small).
    """
    ours = keys.ravel()
    columns = np.tile(np.arange(keys.shape[1], dtype=np.int64), keys.shape[0])
    order = np.argsort(ours, kind="stable")
    ours = ours[order]
    theirs = stored.ravel()
    low = np.searchsorted(ours, theirs, side="left")
    counts = np.searchsorted(ours, theirs, side="right") - low
    rows = np.repeat(np.arange(theirs.size, dtype=np.int64) // stored.shape[1], counts)
    matched = columns[order[np.repeat(low, counts) + ramp(counts)]]
    codes = np.unique(rows * keys.shape[1] + matched)
    n = keys.shape[1]
    return list(zip((codes // n).tolist(), (codes % n).tolist(), strict=True))


def _signed(keys: np.ndarray) -> list[int]:
    """uint64 band keys as SQLite's signed 64-bit integers."""
    return keys.astype(np.uint64).view(np.int64).tolist()


def story_json(story: Story | None) -> str | None:
    """Story metadata as stored next to an article."""
    if story is None:
        return None
    return json.dumps(dataclasses.asdict(story))


def story_of(data: str | None) -> Story:
    """The Story stored as JSON."""
    if not data:
        return Story()
    fields = json.loads(data)
    fields["signals"] = tuple(fields.get("signals") or ())
    return Story(**fields)


class SqliteIndex(Index):
    """An index in one SQLite file (see the module docstring)."""

    batch = 10_000  # each commit rewrites most pages of the band B-tree: commit seldom

    def __init__(self, path: str, params: Params, create: bool = True) -> None:
        self.params = params
        self.location = path
        self._bands: list[tuple[np.ndarray, int]] = []  # (band keys, pid) not yet inserted
        if not create and not os.path.exists(path):
            raise IndexRefused(f"{path}: no such index")
        deadline = time.monotonic() + BUSY_SECONDS
        while True:
            try:
                self._db = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None)
            except sqlite3.Error as err:
                raise IndexRefused(f"{path}: cannot open the index ({err})") from None
            try:
                stored = self._setup(params, create)
                check_structure(stored, params, path)
                break
            except (sqlite3.DatabaseError, IndexRefused) as err:
                self._db.close()
                # Two processes creating one index can deadlock on its first lock, and
                # SQLite then answers "busy" at once instead of waiting: try again.
                cause = err.__cause__ if isinstance(err, IndexRefused) else err
                code = getattr(cause, "sqlite_errorcode", 0) or 0
                if code & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                    if isinstance(err, IndexRefused):
                        raise
                    raise IndexRefused(f"{path}: not a usable index ({err})") from None
                time.sleep(0.05)

    def _setup(self, params: Params, create: bool) -> dict[str, str]:
        """WAL journal, tables, and the parameters stored (stored now if new).

        A database holding other tables is refused, not turned into an index; with
        `create` False, so is one holding no tables yet.
        """
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master")}
        if "meta" not in tables:
            if tables:
                raise IndexRefused(f"{self.location}: not a dedup index (it holds other tables)")
            if not create:
                raise IndexRefused(f"{self.location}: no such index (the file holds none)")
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        with self._write():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            stored = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
            if not stored:
                stored = structure(params)
                self._db.executemany("INSERT INTO meta VALUES (?, ?)", sorted(stored.items()))
        return stored

    @contextmanager
    def _write(self) -> Iterator[None]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as err:
            raise IndexRefused(
                f"{self.location}: another process holds the index ({err}); try again later"
            ) from err
        try:
            yield
            self._flush()
            self._db.execute("COMMIT")
        except BaseException as err:
            self._bands.clear()
            if self._db.in_transaction:  # SQLite may have rolled back already (disk full)
                self._db.execute("ROLLBACK")
            if isinstance(err, sqlite3.Error):
                raise IndexRefused(f"{self.location}: {err}") from err
            raise

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._db.in_transaction:
            yield
            return
        with self._write():
            yield

    def candidates(self, hashed: Hashed) -> list[list[Entry]]:
        """One query for the paragraphs sharing any band key; NumPy says with which paragraph.

        Each stored paragraph keeps its band keys, so matching them against the article's
        replaces a Python loop over every (key, paragraph) row of the bands table.
        """
        keys = hashed.keys
        if not keys.shape[1]:
            return []
        self._flush()
        distinct = _signed(np.unique(keys))
        rows: dict[int, tuple[str, int, str, bytes, bytes]] = {}
        for start in range(0, len(distinct), _BATCH):
            part = distinct[start : start + _BATCH]
            marks = ",".join("?" * len(part))
            for pid, *row in self._db.execute(
                "SELECT p.pid, a.id, p.idx, p.text, p.shingles, p.keys FROM paragraphs p "
                "JOIN articles a ON a.num = p.num "
                f"WHERE p.pid IN (SELECT pid FROM ({_BUCKETS.format(marks=marks)}))",
                part,
            ):
                rows[pid] = tuple(row)
        found = [rows[pid] for pid in sorted(rows)]
        entries: list[list[Entry]] = [[] for _ in range(keys.shape[1])]
        if not found:
            return entries
        stored = np.frombuffer(b"".join(r[4] for r in found), dtype="<u8").reshape(len(found), -1)
        made = [Entry(a, i, t, np.frombuffer(blob, dtype=np.uint64)) for a, i, t, blob, _ in found]
        for j, k in _sharing(stored.astype(np.uint64), keys):
            entries[k].append(made[j])
        return entries

    def add(self, article: Article, hashed: Hashed, when: float | None = None) -> bool:
        with self.transaction():
            replaced = self._remove(article.id)
            story = article.story
            cursor = self._db.execute(
                "INSERT INTO articles (id, added, paragraphs, guid, story) VALUES (?, ?, ?, ?, ?)",
                (
                    article.id,
                    now() if when is None else when,
                    len(hashed.paragraphs),
                    story.guid if story else None,
                    story_json(story),
                ),
            )
            num = cursor.lastrowid
            for k, (idx, text, shingles) in enumerate(
                zip(hashed.paragraphs, hashed.texts, hashed.shingles, strict=True)
            ):
                keys = hashed.keys[:, k]
                blobs = (shingles.astype("<u8").tobytes(), keys.astype("<u8").tobytes())
                pid = self._db.execute(
                    "INSERT INTO paragraphs (num, idx, text, shingles, keys) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (num, idx, text, *blobs),
                ).lastrowid
                assert pid is not None
                self._bands.append((keys, pid))
        return replaced

    def _flush(self) -> None:
        """Insert the band rows added so far in this transaction, in key order.

        The bands table is a B-tree on random keys: rows inserted in key order touch
        each page once per batch instead of once per row (see benchmarks/RESULTS.md).
        """
        if not self._bands:
            return
        keys = np.concatenate([k for k, _ in self._bands]).astype(np.uint64).view(np.int64)
        pids = np.repeat([pid for _, pid in self._bands], [len(k) for k, _ in self._bands])
        order = np.lexsort((pids, keys))
        rows = zip(keys[order].tolist(), pids[order].tolist(), strict=True)
        self._db.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?)", rows)
        self._bands.clear()

    def _remove(self, article_id: str) -> bool:
        row = self._db.execute("SELECT num FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            return False
        self._flush()  # its band rows may still be waiting
        (num,) = row
        doomed: list[tuple[int, int]] = []
        for pid, blob in self._db.execute(
            "SELECT pid, keys FROM paragraphs WHERE num = ?", (num,)
        ).fetchall():
            keys = np.frombuffer(blob, dtype="<u8")
            doomed.extend((key, pid) for key in _signed(keys))
        self._db.executemany("DELETE FROM bands WHERE key = ? AND pid = ?", doomed)
        self._db.execute("DELETE FROM paragraphs WHERE num = ?", (num,))
        self._db.execute("DELETE FROM articles WHERE num = ?", (num,))
        return True

    def remove(self, article_id: str) -> bool:
        with self.transaction():
            return self._remove(article_id)

    def prune(self, before: float) -> int:
        with self.transaction():
            ids = [
                r[0] for r in self._db.execute("SELECT id FROM articles WHERE added < ?", (before,))
            ]
            for article_id in ids:
                self._remove(article_id)
        return len(ids)

    def stories(self, guid: str) -> list[tuple[str, Story]]:
        rows = self._db.execute("SELECT id, story FROM articles WHERE guid = ?", (guid,))
        return [(article_id, story_of(data)) for article_id, data in rows]

    def summary(self) -> Summary:
        articles, oldest, newest = self._db.execute(
            "SELECT count(*), min(added), max(added) FROM articles"
        ).fetchone()
        (paragraphs,) = self._db.execute("SELECT count(*) FROM paragraphs").fetchone()
        stored = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        size = sum(
            os.path.getsize(p) for p in (self.location, self.location + "-wal") if os.path.exists(p)
        )
        return Summary(articles, paragraphs, oldest, newest, stored, self.location, {"bytes": size})

    def close(self) -> None:
        self._db.close()
