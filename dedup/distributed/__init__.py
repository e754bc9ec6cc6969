"""The scan as a Dask job, for archives beyond one process: `pip install 'dedup[dask]'`.

    from distributed import Client
    from dedup import Params
    from dedup.distributed import scan
    with Client("tcp://scheduler:8786") as client:
        done = scan(["archive/*.jsonl.gz"], Params(), client=client, out="tables/")

The clusters, their ids, members and similarities are those of `dedup.scan` on the same
input (see `engine`); the tables are described in `tables`.
"""

from __future__ import annotations

from .engine import Options, Scanned, scan
from .inputs import Columns

__all__ = ["Columns", "Options", "Scanned", "scan"]
