"""The embedded index: one SQLite file, safe across restarts, crashes and writers.

Each article is added in one transaction (WAL journal), so after a crash or
`kill -9` it is either wholly present or absent. Writers coordinate through SQLite's
lock: a check-then-add holds the write lock, a second writer waits for it (up to
`BUSY_SECONDS`, then gets a clear error).

Tables: `articles` (id, time added, story metadata), `paragraphs` (text, sorted
shingle hashes, band keys, as blobs), `meta` (the parameters the index was built
with, and the token of the current band snapshot). Band key -> paragraph is looked
up in a `BandMap` built from the paragraphs' keys (bandmap.py): an article then writes
a handful of pages, not a page per band key.
"""

from __future__ import annotations

import os
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from ..arrays import ramp
from ..config import Params
from ..errors import IndexRefused
from ..model import Article, Story
from .bandmap import BandMap, sorted_run
from .base import (
    ArticleHashes,
    Entry,
    Index,
    Stored,
    Summary,
    check_structure,
    now,
    record_json,
    stored_record,
    structure,
)

BUSY_SECONDS = 30.0
MMAP_BYTES = 1 << 31  # read pages through a memory map: no system call per B-tree page
# Copy the journal back every 16 MB (about 300 articles) rather than every 4 MB: the
# same pages are written either way, and a check waits for the copy less often.
CHECKPOINT_PAGES = 4000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS articles (
    num INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, added REAL NOT NULL,
    paragraphs INTEGER NOT NULL, guid TEXT, story TEXT
);
CREATE INDEX IF NOT EXISTS articles_added ON articles (added);
CREATE INDEX IF NOT EXISTS articles_guid ON articles (guid);
CREATE TABLE IF NOT EXISTS paragraphs (
    pid INTEGER PRIMARY KEY AUTOINCREMENT, num INTEGER NOT NULL, idx INTEGER NOT NULL,
    text TEXT NOT NULL, shingles BLOB NOT NULL, keys BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS paragraphs_num ON paragraphs (num);
"""
_BATCH = 900  # SQL parameters per statement


class SqliteIndex(Index):
    """An index in one SQLite file (see the module docstring)."""

    def __init__(self, path: str, params: Params, create: bool = True) -> None:
        self.params = params
        self.location = path
        self._added: list[tuple[int, np.ndarray]] = []  # (pid, band keys) not yet committed
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
        self.bands = BandMap(path + ".bands")  # loaded under the lock, by `_catch_up`
        self._snapshots = True  # until writing one fails

    def _catch_up(self) -> None:
        """Bring the band lookup up to date with the paragraphs committed (by any writer).
        Called holding the write lock: a snapshot and its token cannot change meanwhile."""
        if self.bands.stale():
            token = self._db.execute("SELECT value FROM meta WHERE key = 'snapshot'").fetchone()
            self.bands = BandMap.load(self.bands.path, token[0] if token else None)
        rows = self._db.execute(
            "SELECT pid, keys FROM paragraphs WHERE pid > ? ORDER BY pid", (self.bands.seen,)
        ).fetchall()
        if rows:
            pids = np.array([pid for pid, _ in rows], dtype=np.int64)
            keys = np.frombuffer(b"".join(blob for _, blob in rows), dtype="<u8")
            self.bands.extend(pids, keys.reshape(len(rows), -1))

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
        self._db.execute(f"PRAGMA wal_autocheckpoint={CHECKPOINT_PAGES}")
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
            self._db.execute("COMMIT")
        except BaseException as err:
            self._added.clear()
            if self._db.in_transaction:  # SQLite may have rolled back already (disk full)
                self._db.execute("ROLLBACK")
            if isinstance(err, sqlite3.Error):
                raise IndexRefused(f"{self.location}: {err}") from err
            raise
        if self._added:
            self.bands.extend(*self._added_arrays())
            self._added.clear()

    def _added_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """This transaction's paragraphs: pids, and their band keys (paragraphs, bands)."""
        pids = np.array([pid for pid, _ in self._added], dtype=np.int64)
        return pids, np.stack([keys for _, keys in self._added])

    def _snapshot(self) -> None:
        """Write a new snapshot of the band lookup and record its token (bandmap.py).

        Best effort: when it fails (disk full, say) the index is whole, only slower to
        open, and this process tries no more.
        """
        if self._db.in_transaction or not self._snapshots:
            return
        token = uuid.uuid4().hex
        try:
            with self._write():
                self._catch_up()
                rows = self._db.execute("SELECT pid FROM paragraphs ORDER BY pid")
                live = np.fromiter((pid for (pid,) in rows), dtype=np.int64)
                self.bands.write(live, token)
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('snapshot', ?)", (token,))
                self.bands = BandMap.load(self.bands.path, token)  # covers all held
        except (OSError, MemoryError, IndexRefused):
            self._snapshots = False

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._db.in_transaction:
            yield
            return
        if self.bands.due():
            self._snapshot()
        with self._write():
            self._catch_up()  # no other writer can commit until this one ends
            yield

    def candidates(self, hashed: ArticleHashes) -> list[list[Entry]]:
        """The paragraphs sharing a band key, from the band lookup, for each paragraph."""
        keys = hashed.keys
        n = keys.shape[1]
        if not n:
            return []
        if not self._db.in_transaction:
            with self.transaction():
                return self.candidates(hashed)
        added = None
        if self._added:  # this transaction's own, not committed yet
            added = sorted_run(*self._added_arrays())
        query, position = np.unique(keys.ravel(), return_inverse=True)
        owner, pids = self.bands.lookup(query, added)
        wanted = np.unique(pids)
        entries: list[list[Entry]] = [[] for _ in range(n)]
        if not len(wanted):
            return entries
        made: dict[int, Entry] = {}
        listed = wanted.tolist()
        for start in range(0, len(listed), _BATCH):
            part = listed[start : start + _BATCH]
            for pid, article, idx, text, blob in self._db.execute(
                "SELECT p.pid, a.id, p.idx, p.text, p.shingles FROM paragraphs p JOIN articles a "
                f"ON a.num = p.num WHERE p.pid IN ({','.join('?' * len(part))})",
                part,
            ):
                made[pid] = Entry(article, idx, text, np.frombuffer(blob, dtype=np.uint64))
        # Each (key, pid) pair goes to the article's paragraphs holding that key.
        order = np.argsort(position, kind="stable")
        held, column = position[order], order % n
        low = np.searchsorted(held, owner, "left")
        counts = np.searchsorted(held, owner, "right") - low
        rows = np.searchsorted(wanted, np.repeat(pids, counts))
        m = len(wanted)
        codes = np.unique(column[np.repeat(low, counts) + ramp(counts)] * m + rows)
        for k, j in zip((codes // m).tolist(), (codes % m).tolist(), strict=True):
            entry = made.get(listed[j])  # (a removed paragraph is gone)
            if entry is not None:
                entries[k].append(entry)
        return entries

    def add(self, article: Article, hashed: ArticleHashes, when: float | None = None) -> bool:
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
                    record_json(article),
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
                self._added.append((pid, keys))
        return replaced

    def stored(self, article_id: str) -> Stored | None:
        row = self._db.execute(
            "SELECT num, story FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
        if row is None:
            return None
        rows = self._db.execute(
            "SELECT idx, text FROM paragraphs WHERE num = ? ORDER BY idx", (row[0],)
        )
        return Stored([(idx, text) for idx, text in rows], stored_record(row[1])[1])

    def _remove(self, article_id: str) -> bool:
        """Delete an article's rows; its band keys leave the lookup at the next snapshot."""
        row = self._db.execute("SELECT num FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            return False
        self._db.execute("DELETE FROM paragraphs WHERE num = ?", row)
        self._db.execute("DELETE FROM articles WHERE num = ?", row)
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
        if ids:
            self._snapshot()  # the pruned paragraphs leave the band lookup now
        return len(ids)

    def stories(self, key: str) -> list[tuple[str, Story]]:
        rows = self._db.execute(
            "SELECT id, story FROM articles WHERE guid = ? OR id = ? ORDER BY id", (key, key)
        )
        return [(article_id, stored_record(data)[0]) for article_id, data in rows]

    def summary(self) -> Summary:
        articles, oldest, newest = self._db.execute(
            "SELECT count(*), min(added), max(added) FROM articles"
        ).fetchone()
        (paragraphs,) = self._db.execute("SELECT count(*) FROM paragraphs").fetchone()
        stored = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        stored.pop("snapshot", None)
        files = (self.location, self.location + "-wal", self.bands.path)
        size = sum(os.path.getsize(p) for p in files if os.path.exists(p))
        return Summary(articles, paragraphs, oldest, newest, stored, self.location, {"bytes": size})

    def close(self) -> None:
        """Close; first snapshot the band lookup if many paragraphs would be read at open."""
        try:
            if self.bands.due(closing=True):
                self._snapshot()
        finally:
            self._db.close()
