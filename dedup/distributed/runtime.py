"""Where the job runs: a local cluster of worker processes, or an existing Dask cluster.

A local cluster has one single-threaded worker process per core (hashing is NumPy and
Python, which a thread at a time runs), a memory limit per worker past which Dask
spills results to disk, in the folder given. Dask's own log lines are kept to errors:
the scan reports its progress itself.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import signal
from collections.abc import Iterator
from typing import Any

import dask
from distributed import Client, LocalCluster, WorkerPlugin

from ..errors import DedupError
from ..workers import default_workers, interrupts_blocked

CONNECT_SECONDS = 30
_ENVIRON = "distributed.nanny.pre-spawn-environ"


def _quiet() -> None:
    """Dask's warnings (memory, garbage collection, ports) off, in workers too."""
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")
    for name in ("distributed", "dask"):
        logging.getLogger(name).setLevel(logging.ERROR)


@contextlib.contextmanager
def connected(
    scheduler: str | None = None,
    workers: int | None = None,
    memory_limit: str | None = None,
    spill: str | None = None,
) -> Iterator[Any]:
    """A distributed Client: of the scheduler at `scheduler` (tcp://host:port), or of a
    local cluster of `workers` processes (default: every core), each limited to
    `memory_limit` ("4GB"; default: the machine's memory shared out) and spilling to
    `spill` (default: a folder under the current one, as Dask does).

    Ctrl-C is for this process only (local workers ignore it, the client's thread has it
    blocked): whoever catches it here cancels the job and stops the workers.
    """
    _quiet()
    cluster = None
    try:
        with interrupts_blocked():  # the workers and the client's thread must not take it
            if scheduler:
                client = Client(scheduler, timeout=CONNECT_SECONDS)
            else:
                # Dask sets MALLOC_TRIM_THRESHOLD_ in its workers, which turns off glibc's
                # adaptive mmap threshold: every large NumPy array is then mapped and
                # faulted in anew (on a 1M-paragraph scan, a fifth of the workers' time).
                with dask.config.set({f"{_ENVIRON}.MALLOC_TRIM_THRESHOLD_": None}):
                    cluster = LocalCluster(
                        n_workers=workers or default_workers(),
                        threads_per_worker=1,
                        processes=True,
                        memory_limit=memory_limit or "auto",
                        local_directory=spill,
                        dashboard_address=":0",
                    )
                client = Client(cluster)
                client.register_plugin(_LeaveInterruptsToTheDriver())
    except (OSError, TimeoutError) as err:
        where = scheduler or "a local cluster"
        raise DedupError(f"cannot reach the Dask scheduler at {where} ({err})") from None
    except ValueError as err:  # a memory limit Dask cannot read
        raise DedupError(f"cannot start the local Dask cluster: {err}") from None
    try:
        yield client
    finally:
        with interrupts_blocked():
            client.close()
            if cluster is not None:
                cluster.close()


class _LeaveInterruptsToTheDriver(WorkerPlugin):
    """In each local worker: ignore Ctrl-C (a terminal sends it to the whole process
    group); the driver cancels the job and stops the workers."""

    name = "dedup-leave-interrupts"

    def setup(self, worker: Any) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def dashboard(client: Any, local: bool) -> str | None:
    """The link to the cluster's dashboard, when it has one (a local one needs bokeh)."""
    services = client.scheduler_info().get("services", {})
    if "dashboard" not in services or (local and importlib.util.find_spec("bokeh") is None):
        return None
    return str(client.dashboard_link)
