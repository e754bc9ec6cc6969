"""The embedded index's band lookup: LSH band key -> the paragraphs (pids) carrying it.

A B-tree on random band keys makes every added article dirty a page per key (16 per
paragraph), and SQLite then writes and syncs all of them again at each checkpoint. So
the keys live in SQLite only as each paragraph's blob, and the lookup is built from
them: a snapshot file of (key, pid) rows sorted by key, memory-mapped (`<index>.bands`),
plus the paragraphs added since, held in memory as a few sorted runs. The snapshot is
derived data: when it is missing, damaged, from another index or from a later state
of this one, it is ignored and rebuilt from the database.

Removed paragraphs stay in the lookup until the next snapshot; the index drops them
when it fetches the candidates (their rows are gone), and pids are never reused.
"""

from __future__ import annotations

import json
import mmap
import os
from dataclasses import dataclass

import numpy as np

from ..lsh import FIRST_OF_BUCKET, MAX_BUCKET, ramp

FORMAT = "dedup-bands-1"
HEADER = 4096  # bytes before the keys; the JSON header padded with spaces


@dataclass(frozen=True, slots=True)
class Run:
    """(key, pid) rows sorted by key, then pid."""

    keys: np.ndarray  # uint64
    pids: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.keys)


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
    """The lookup: a snapshot covering pids up to `covered`, and the runs added since."""

    def __init__(self, path: str, instance: str, highest: int) -> None:
        """Map the snapshot at `path` if it belongs to index `instance` and covers no pid
        beyond `highest` (the index's largest pid ever); otherwise start empty."""
        self.path = path
        self.instance = instance
        self.snapshot = Run(np.empty(0, np.uint64), np.empty(0, np.int64))
        self.covered = 0
        self.identity = _identity(path)
        header = _read_header(path, instance)
        if header is not None and header["covered"] <= highest:
            self.covered, n = header["covered"], header["entries"]
            if n:  # (an empty file cannot be mapped)
                with open(path, "rb") as handle:
                    # Mapped in whole at once: a lookup then takes no page faults.
                    flags = mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0)
                    mapped = mmap.mmap(handle.fileno(), 0, flags=flags, prot=mmap.PROT_READ)
                self.snapshot = Run(
                    np.frombuffer(mapped, dtype="<u8", count=n, offset=HEADER),
                    np.frombuffer(mapped, dtype="<i8", count=n, offset=HEADER + 8 * n),
                )
        self.runs: list[Run] = []
        self.seen = self.covered  # the largest pid held

    @property
    def tail(self) -> int:
        """Rows held in memory, not in the snapshot."""
        return sum(len(r) for r in self.runs)

    def stale(self) -> bool:
        """Another process wrote a new snapshot since this one was mapped."""
        return _identity(self.path) != self.identity

    def extend(self, pids: np.ndarray, keys: np.ndarray) -> None:
        """Hold paragraphs added after all held so far (pids ascending)."""
        if not len(pids):
            return
        self.runs.append(sorted_run(pids, keys))
        while len(self.runs) > 1 and len(self.runs[-2]) <= 2 * len(self.runs[-1]):
            self.runs[-2:] = [merged(self.runs[-2:])]
        self.seen = int(pids[-1])

    def lookup(self, query: np.ndarray, extra: Run | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The (query index, pid) pairs sharing a key of `query` (distinct, sorted), also
        from `extra`.

        As in a scan, a bucket of more than MAX_BUCKET paragraphs offers only its first
        FIRST_OF_BUCKET (in pid order): the candidates to verify stay bounded.
        """
        sources = [self.snapshot, *self.runs, *([extra] if extra is not None else [])]
        spans = [_span(s.keys, query) for s in sources]
        total = np.sum([high - low for low, high in spans], axis=0)
        capped = total > MAX_BUCKET
        found, owners = [], []
        for source, (low, high) in zip(sources, spans, strict=True):
            take = np.where(capped, np.minimum(high - low, FIRST_OF_BUCKET), high - low)
            found.append(source.pids[np.repeat(low, take) + ramp(take)])
            owners.append(np.repeat(np.arange(len(query)), take))
        pids, owner = np.concatenate(found), np.concatenate(owners)
        if capped.any():  # each source gave its first; keep the first of them all
            order = np.lexsort((pids, owner))
            pids, owner = pids[order], owner[order]
            starts = np.searchsorted(owner, owner)
            keep = ~capped[owner] | (np.arange(len(owner)) - starts < FIRST_OF_BUCKET)
            pids, owner = pids[keep], owner[keep]
        return owner, pids

    def due(self, closing: bool = False) -> bool:
        """Time for a new snapshot: the rows held in memory outnumber the snapshot's or,
        on closing, are enough that reading them again at the next open would show."""
        return self.tail >= MIN_SNAPSHOT and (closing or self.tail >= len(self.snapshot))

    def write(self, live: np.ndarray) -> BandMap:
        """Write a snapshot of everything held whose pid is in `live` (sorted); map it.

        The caller holds the index's write lock: one writer of `<index>.bands.tmp` at a time.
        """
        every = merged([self.snapshot, *self.runs])
        position = np.minimum(np.searchsorted(live, every.pids), max(len(live) - 1, 0))
        alive = live[position] == every.pids if len(live) else np.zeros(len(every), bool)
        keys, pids = every.keys[alive], every.pids[alive]
        header = {"format": FORMAT, "instance": self.instance, "covered": self.seen}
        header["entries"] = len(keys)
        temporary = self.path + ".tmp"
        with open(temporary, "wb") as out:
            out.write(json.dumps(header).encode().ljust(HEADER))
            keys.astype("<u8").tofile(out)
            pids.astype("<i8").tofile(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.path)
        return BandMap(self.path, self.instance, self.seen)


MIN_SNAPSHOT = 160_000
"""Rows (10,000 paragraphs) held in memory before a snapshot is worth writing."""


def _span(keys: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each of `query` starts and ends in `keys`; most are absent, so the end is
    searched for only where the start holds the key."""
    low = np.searchsorted(keys, query, "left")
    high = low.copy()
    inside = np.flatnonzero(low < len(keys))
    present = inside[keys[low[inside]] == query[inside]]
    high[present] = np.searchsorted(keys, query[present], "right")
    return low, high


def _identity(path: str) -> tuple[int, int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def _read_header(path: str, instance: str) -> dict[str, int] | None:
    """The snapshot's header if the file is whole and belongs to `instance`."""
    try:
        with open(path, "rb") as handle:
            header = json.loads(handle.read(HEADER))
        size = os.path.getsize(path)
    except (OSError, ValueError):
        return None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        return None
    entries, covered = header.get("entries"), header.get("covered")
    if header.get("instance") != instance or not isinstance(entries, int):
        return None
    if not isinstance(covered, int) or size != HEADER + 16 * entries:
        return None
    return {"entries": entries, "covered": covered}
