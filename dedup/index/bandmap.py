"""The embedded index's band lookup: LSH band key -> the paragraphs (pids) carrying it.

A B-tree on random band keys makes every added article dirty a page per key (16 per
paragraph), and SQLite then writes and syncs all of them again at each checkpoint. So
the keys live in SQLite only as each paragraph's blob, and the lookup is built from
them: a snapshot file of (key, pid) rows sorted by key, memory-mapped (`<index>.bands`),
plus the paragraphs added since, held in memory as a few sorted runs.

The snapshot is derived data. Its header carries a random token that the index's
database records in the transaction after the file is in place, and a CRC-32 of the
header's fields and the rows, verified whenever the file is mapped (50 to 100 ms
for the 222 MB of a million paragraphs, once per process and per snapshot). A file whose
token is not the recorded one (missing, another index's, or newer or older than the
database after a crash or a restore) or whose checksum fails (damaged) is not used,
and the lookup is rebuilt from the database. Removed paragraphs stay in the lookup
until the next snapshot; the index drops them when it fetches the candidates (their
rows are gone), and pids are never reused.
"""

from __future__ import annotations

import json
import mmap
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from ..arrays import ramp
from ..atomic import write_atomic
from ..lsh import FIRST_OF_BUCKET, MAX_BUCKET

FORMAT = "dedup-bands-2"
HEADER = 4096  # bytes before the keys; the JSON header padded with spaces
MIN_SNAPSHOT = 160_000
"""Rows (10,000 paragraphs) held in memory before a snapshot is worth writing."""


@dataclass(frozen=True, slots=True)
class Run:
    """(key, pid) rows sorted by key, then pid."""

    keys: np.ndarray  # uint64
    pids: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.keys)


EMPTY = Run(np.empty(0, np.uint64), np.empty(0, np.int64))


def sorted_run(pids: np.ndarray, keys: np.ndarray) -> Run:
    """A run from paragraphs in pid order: `keys` is (paragraphs, bands)."""
    flat = keys.astype(np.uint64, copy=False).ravel()
    every = np.repeat(pids.astype(np.int64, copy=False), keys.shape[1])
    order = np.argsort(flat, kind="stable")  # stable: pids stay ascending within a key
    return Run(flat[order], every[order])


def merged(runs: list[Run]) -> Run:
    """One run of several, each older (smaller pids) than the next."""
    keys = np.concatenate([r.keys for r in runs])
    order = np.argsort(keys, kind="stable")  # merges the presorted runs in linear passes
    return Run(keys[order], np.concatenate([r.pids for r in runs])[order])


class BandMap:
    """The lookup: a snapshot covering pids up to `covered`, and the runs added since.

    A new BandMap holds nothing and counts as stale, so that the index loads the
    snapshot (under its write lock) before the first lookup.
    """

    def __init__(self, path: str, snapshot: Run = EMPTY, covered: int = 0) -> None:
        self.path = path
        self.snapshot = snapshot
        self.covered = covered
        self.identity: tuple[int, int, int] | None = (-1, -1, -1)  # matches no file
        self.runs: list[Run] = []
        self.seen = covered  # the largest pid held

    @classmethod
    def load(cls, path: str, token: str | None) -> BandMap:
        """Map the snapshot at `path` if its token is `token`; else an empty map."""
        try:
            with open(path, "rb") as handle:  # one descriptor: what is checked is mapped
                stat = os.fstat(handle.fileno())
                header = _header(handle.read(HEADER), stat.st_size, token)
                found = cls(path)
                if header is not None:
                    rows = _mapped(handle, header["entries"])
                    if _checksum(header, rows) == header["crc32"]:
                        found = cls(path, rows, header["covered"])
        except OSError:
            found, stat = cls(path), None
        found.identity = _identity(stat)
        return found

    @property
    def tail(self) -> int:
        """Rows held in memory, not in the snapshot."""
        return sum(len(r) for r in self.runs)

    def stale(self) -> bool:
        """The snapshot file is not the one this map was loaded from."""
        try:
            return _identity(os.stat(self.path)) != self.identity
        except OSError:
            return self.identity is not None

    def extend(self, pids: np.ndarray, keys: np.ndarray) -> None:
        """Hold paragraphs added after all held so far (pids ascending)."""
        if not len(pids):
            return
        self.runs.append(sorted_run(pids, keys))
        # Runs shrink by more than 8x each: few to search, each row merged a few times.
        while len(self.runs) > 1 and len(self.runs[-2]) <= 8 * len(self.runs[-1]):
            self.runs[-2:] = [merged(self.runs[-2:])]
        self.seen = int(pids[-1])

    def lookup(self, query: np.ndarray, extra: Run | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The (query index, pid) pairs sharing a key of `query` (distinct, sorted), also
        from `extra` (newer than all held).

        A bucket of more than MAX_BUCKET paragraphs offers only its newest
        FIRST_OF_BUCKET: the candidates to verify stay bounded, and the newest are the
        likeliest to be still in the index and to be what an editor wants to see.
        """
        sources = [self.snapshot, *self.runs, *([extra] if extra is not None else [])]
        spans = [_span(s.keys, query) for s in sources]
        total = np.sum([high - low for low, high in spans], axis=0)
        capped = total > MAX_BUCKET
        found, owners = [], []
        for source, (low, high) in zip(sources, spans, strict=True):
            take = np.where(capped, np.minimum(high - low, FIRST_OF_BUCKET), high - low)
            found.append(source.pids[np.repeat(high - take, take) + ramp(take)])
            owners.append(np.repeat(np.arange(len(query)), take))
        pids, owner = np.concatenate(found), np.concatenate(owners)
        if capped.any():  # each source gave its newest; keep the newest of them all
            order = np.lexsort((-pids, owner))
            pids, owner = pids[order], owner[order]
            starts = np.searchsorted(owner, owner)
            keep = ~capped[owner] | (np.arange(len(owner)) - starts < FIRST_OF_BUCKET)
            pids, owner = pids[keep], owner[keep]
        return owner, pids

    def due(self, closing: bool = False) -> bool:
        """Time for a new snapshot: the rows held in memory outnumber the snapshot's or,
        on closing, are enough that reading them again at the next open would show."""
        return self.tail >= MIN_SNAPSHOT and (closing or self.tail >= len(self.snapshot))

    def write(self, live: np.ndarray, token: str) -> None:
        """Write a snapshot of the rows held whose pid is in `live` (sorted), as `token`.

        The caller holds the index's write lock, and records `token` after this returns.
        """
        every = merged([self.snapshot, *self.runs])
        position = np.minimum(np.searchsorted(live, every.pids), max(len(live) - 1, 0))
        alive = live[position] == every.pids if len(live) else np.zeros(len(every), bool)
        keys, pids = every.keys[alive].astype("<u8"), every.pids[alive].astype("<i8")
        header: dict[str, Any] = {"token": token, "covered": self.seen, "entries": len(keys)}
        header["crc32"] = _checksum(header, Run(keys, pids))
        head = json.dumps({"format": FORMAT, **header}).encode().ljust(HEADER)
        write_atomic(Path(self.path), [head, memoryview(keys), memoryview(pids)])


def _span(keys: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each of `query` starts and ends in `keys`; most are absent, so the end is
    searched for only where the start holds the key."""
    low = np.searchsorted(keys, query, "left")
    high = low.copy()
    inside = np.flatnonzero(low < len(keys))
    present = inside[keys[low[inside]] == query[inside]]
    high[present] = np.searchsorted(keys, query[present], "right")
    return low, high


def _mapped(handle: BinaryIO, entries: int) -> Run:
    """The snapshot's rows, mapped in whole at once (a lookup then takes no page faults)."""
    if not entries:  # (an empty file cannot be mapped)
        return EMPTY
    flags = mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0)
    data = mmap.mmap(handle.fileno(), 0, flags=flags, prot=mmap.PROT_READ)
    return Run(
        np.frombuffer(data, dtype="<u8", count=entries, offset=HEADER),
        np.frombuffer(data, dtype="<i8", count=entries, offset=HEADER + 8 * entries),
    )


def _checksum(header: dict[str, Any], rows: Run) -> int:
    """CRC-32 of the header's fields and the rows as stored (little-endian)."""
    fields = f"{FORMAT} {header['token']} {header['covered']} {header['entries']}"
    crc = zlib.crc32(fields.encode())
    for column in (rows.keys, rows.pids):
        crc = zlib.crc32(column.data, crc)
    return crc


def _identity(stat: os.stat_result | None) -> tuple[int, int, int] | None:
    """What tells one snapshot file from another (None: no file)."""
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size) if stat else None


def _header(raw: bytes, size: int, token: str | None) -> dict[str, Any] | None:
    """The snapshot's header if the file is the right size and carries `token`."""
    try:
        header = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        return None
    entries, covered = header.get("entries"), header.get("covered")
    if token is None or header.get("token") != token or not isinstance(entries, int):
        return None
    if not isinstance(covered, int) or size != HEADER + 16 * entries:
        return None
    if not isinstance(header.get("crc32"), int):
        return None
    return {"token": token, "entries": entries, "covered": covered, "crc32": header["crc32"]}
