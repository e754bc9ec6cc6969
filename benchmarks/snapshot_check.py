"""What the band snapshot's checksum costs when an index is opened (issue 11, item 7).

Writes a snapshot of `--paragraphs` paragraphs (16 random band keys each; 868,824 is
the million-paragraph benchmark's index, 222 MB) with `BandMap.write`, then maps it
the way a process opening the index does, in turns: `BandMap.load` (header, map,
CRC-32 of the rows) against the same steps without the checksum (the baseline,
measured in the same run). Prints the medians; the file stays in the page cache, as
it does for a filter opened beside a running one.

    python benchmarks/snapshot_check.py [--paragraphs 868824] [--rounds 15]
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import click
import numpy as np

from dedup.index import bandmap


def map_only(path: str, token: str) -> bandmap.Run:
    """The load before the checksum: header, then the rows mapped."""
    with open(path, "rb") as handle:
        size = Path(path).stat().st_size
        header = bandmap._header(handle.read(bandmap.HEADER), size, token)
        assert header is not None
        return bandmap._mapped(handle, header["entries"])


@click.command()
@click.option("--paragraphs", default=868_824, show_default=True)
@click.option("--rounds", default=15, show_default=True)
def main(paragraphs: int, rounds: int) -> None:
    rng = np.random.default_rng(1)
    pids = np.arange(1, paragraphs + 1, dtype=np.int64)
    keys = rng.integers(0, 2**63, size=(paragraphs, 16), dtype=np.uint64)
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "idx.bands")
        writer = bandmap.BandMap(path)
        writer.extend(pids, keys)
        started = time.perf_counter()
        writer.write(pids, "token")
        wrote = time.perf_counter() - started
        size = Path(path).stat().st_size
        timings: dict[str, list[float]] = {"map only": [], "map + CRC-32": []}
        for _ in range(rounds):
            started = time.perf_counter()
            run = map_only(path, "token")
            timings["map only"].append(time.perf_counter() - started)
            assert len(run) == 16 * paragraphs
            del run
            started = time.perf_counter()
            loaded = bandmap.BandMap.load(path, "token")
            timings["map + CRC-32"].append(time.perf_counter() - started)
            assert len(loaded.snapshot) == 16 * paragraphs  # the checksum held
            del loaded
    print(f"{paragraphs:,} paragraphs, snapshot {size / 1e6:,.0f} MB, written in {wrote:.1f} s")
    for name, values in timings.items():
        low, high = min(values) * 1000, max(values) * 1000
        median = statistics.median(values) * 1000
        print(f"{name}: median {median:.1f} ms (min {low:.1f}, max {high:.1f}, {rounds} rounds)")


if __name__ == "__main__":
    main()
