"""The threads that run conversation turns, started before they are needed.

A turn is blocking work (database, Redis, and for a check the wait for its batch in the
rules worker), so it runs in a thread off the event loop. Starlette's thread pool (anyio)
starts a thread when none is idle and stops it after 10 idle seconds; Python's default
executor (asyncio.to_thread, used for Telegram) has min(32, cores + 4) threads: 6 here.

Measured with py-spy during `python -m bench burst` (100 residents sending their last answer
at once): the event loop spent much of its time in `Thread.start`, starting ~90 threads one
after the other, each start waiting until the new thread got the GIL from the ~100 turns
already running (the switch interval is 5 ms). The last request reached its thread 0.7 to
2.2 s after the first, all of it before the checks could be batched. And over Telegram, 6
threads meant 6 checks at a time: each waits for its batch (seconds) holding one.

So the turns get one executor per process whose threads are started at start-up (outside the
event loop) and never stop: handing a turn over is putting it on a queue. It is also the
loop's default executor, so that asyncio.to_thread (Telegram) uses it.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class TurnThreads:
    """A thread pool of `size` threads, `warm` of them started by `start()`."""

    def __init__(self, size: int, warm: int):
        self.size = size
        self.warm = min(warm, size)
        self.executor = self._new()
        self._closed = False

    def _new(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=self.size, thread_name_prefix="turn")

    def start(self) -> None:
        """Start `warm` threads now (blocking; call it off the event loop). Each start waits
        for the thread to run, which is quick while the process is idle, as at start-up.

        An app started again after it stopped (its lifespan runs twice) gets new threads."""
        if self._closed:
            self.executor = self._new()
            self._closed = False
        if self.warm <= 0:
            return
        # Every task waits for all the others: the executor cannot reuse a thread, so it
        # starts `warm` of them (an idle thread is reused instead of starting one).
        everyone = threading.Barrier(self.warm)
        futures = [self.executor.submit(everyone.wait, 30) for _ in range(self.warm)]
        for future in futures:
            future.result()
        log.info("%d turn threads started (of at most %d)", self.warm, self.size)

    @property
    def started(self) -> int:
        return len(self.executor._threads)  # noqa: SLF001 - read-only, for /healthz-like checks

    async def run(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`function(*args, **kwargs)` in one of the threads, with this task's context."""
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        call = functools.partial(context.run, function, *args, **kwargs)
        return await loop.run_in_executor(self.executor, call)

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        """Make them the loop's default executor: asyncio.to_thread runs there too."""
        loop.set_default_executor(self.executor)

    def close(self) -> None:
        self._closed = True
        self.executor.shutdown(wait=False, cancel_futures=True)


async def run_turn(request: Any, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Runs blocking turn work in the app's turn threads (Starlette's pool if the app has
    none, e.g. a router mounted in another app)."""
    threads: TurnThreads | None = getattr(request.app.state, "turn_threads", None)
    if threads is None:
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(function, *args, **kwargs)
    return await threads.run(function, *args, **kwargs)
