"""The worker processes a scan shares between its stages, started only when they pay.

Hashing, verification and change classification hand chunks of work to one pool of
forked processes; the pool starts the first time a stage has more than one chunk,
so a small scan never pays for it, and it is forked early (while the parent's heap
is still small) and reused.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")


def _leave_interrupts_to_parent() -> None:
    """In a worker: ignore Ctrl-C (sent to the whole process group); the parent stops the
    workers, instead of each printing its own traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@contextlib.contextmanager
def interrupts_blocked() -> Iterator[None]:
    """Block Ctrl-C in the threads and processes started inside the block.

    A SIGINT taken by a helper thread leaves the main thread asleep in a blocking read
    (Python runs handlers in the main thread but does not wake it), so helper threads
    must not take it. A Ctrl-C that comes meanwhile waits for the end of the block.
    """
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def default_workers() -> int:
    """Every core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Workers:
    """Runs tasks in up to `count` processes, or in this one when `count` < 2."""

    def __init__(self, count: int | None = None) -> None:
        self.count = count or default_workers()
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close(wait=error is None)

    @property
    def parallel(self) -> bool:
        """Whether there is more than one process to spread work over."""
        return self.count > 1

    def submit(self, task: Callable[..., T], *args: Any) -> Future[T]:
        """Run `task(*args)` in the pool (starting it if needed), or here if not parallel."""
        if not self.parallel:
            future: Future[T] = Future()
            future.set_result(task(*args))
            return future
        if self._pool is None:
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else None)
            with interrupts_blocked():  # forks the workers, starts the pool's threads
                self._pool = ProcessPoolExecutor(
                    self.count, mp_context=context, initializer=_leave_interrupts_to_parent
                )
                return self._pool.submit(task, *args)
        return self._pool.submit(task, *args)

    def map(self, task: Callable[..., T], chunks: Sequence[tuple[Any, ...]]) -> list[T]:
        """`task(*chunk)` for every chunk, in order; in the pool only if there are several."""
        if len(chunks) < 2 or not self.parallel:
            return [task(*chunk) for chunk in chunks]
        futures = [self.submit(task, *chunk) for chunk in chunks]
        return [f.result() for f in futures]

    def close(self, wait: bool = True) -> None:
        """Stop the pool, if it was started.

        Without `wait` (interrupted, or failed) pending tasks are cancelled and the
        workers leave once their current task is done; nothing waits for them here.
        They are never terminated mid-task: a worker killed while sending its result
        leaves half a message in the pool's pipe, and the pool's own thread then waits
        for the rest forever. (The command line, which owns its process, kills them.)
        """
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.shutdown(wait=wait, cancel_futures=True)
