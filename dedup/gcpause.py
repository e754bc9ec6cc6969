"""Pausing Python's cyclic garbage collector while millions of objects are built.

Reading and scanning a large corpus allocates millions of small containers and no
reference cycles; the collector would traverse the growing heap again and again
(about 30 % of a 1M-paragraph scan). Reference counting still frees everything.
The command line, which owns its process, also freezes (`gc.freeze`) what survives a
big block, so that later collections skip it instead of traversing all of it once
more; the library never freezes its caller's heap. A small block (one article checked
by the filter, one file) is not frozen: freezing also keeps any cyclic garbage made
inside the block (an exception and its traceback, say), which a long-running process
must not accumulate. A long-running process freezes what start-up made (`settled`).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

BIG = 200_000
"""Containers a block must leave behind for it to be frozen (Reuters leaves millions)."""


@contextlib.contextmanager
def paused(freeze: bool = False) -> Iterator[None]:
    """Disable the cyclic collector inside the block; restore its previous state after.

    With `freeze` (for a process's owner only), a big block's survivors are frozen.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze and gc.get_count()[0] > BIG:  # containers made in the block, still alive
            gc.freeze()
        if was_enabled:
            gc.enable()


def settled() -> None:
    """Freeze what exists now (modules, an open index): in a long-running process, the
    collector then walks only what is made later, not all of them again now and then
    in the middle of a check."""
    gc.collect()
    gc.freeze()
