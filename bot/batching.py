"""Micro-batching: concurrent requests merged into one call, results split back per caller.

OpenFisca is vectorised: one simulation of 100 households costs about as much as one of a
single household (~2 s). So a check is not computed on its own: it joins a queue, and one
dispatcher thread takes everything that is waiting (the checks that arrived while the
previous batch was being computed, plus those arriving within a short window after the
first one) and hands it to ``run_batch`` in one call.

When it is told which turns the process is running (common/inflight.py), it does not wait
for the window once every one of them is waiting for a check: nothing else can join the
batch, so a lone resident's check and a burst's last one start at once (after ``settle``
seconds without a new turn arriving, so that a burst still reaching the process is not cut).

``run_batch(items) -> results`` returns one result per item, in order. If it raises, every
caller of that batch gets the exception (the rules engine's ``evaluate_many`` never raises
for one bad household: it falls back to one-by-one computing itself).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

log = logging.getLogger(__name__)

_STOP = object()


class BatcherClosed(RuntimeError):
    """The batcher was closed before this item could be computed."""


class MicroBatcher:
    """Collects items from many threads; one dispatcher thread runs them in batches.

    ``window``: after the first item of a batch, how long to wait for others (seconds); the
    wait is extended while items keep arriving, up to ``max_wait``, so that a burst of
    concurrent checks lands in one simulation rather than being cut in two.

    ``turns``: the process's turns in flight (common.inflight.TurnsInFlight), or None. With
    it, a batch starts as soon as every turn in flight waits for a submitted item and none
    arrived for ``settle`` seconds, without waiting for the rest of the window.
    """

    # How often the dispatcher looks at the turns in flight while it collects a batch.
    POLL = 0.005

    def __init__(self, run_batch: Callable[[list[Any]], list[Any]], *, window: float = 0.02,
                 max_wait: float = 0.05, max_batch: int = 1000, name: str = "micro-batcher",
                 turns: Any = None, settle: float = 0.05):
        self.run_batch = run_batch
        self.window = window
        self.max_wait = max_wait
        self.max_batch = max_batch
        self.name = name
        self.turns = turns
        self.settle = settle
        # Items submitted and not yet resolved (queued, collected or being computed).
        self._unresolved = 0
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._lock = threading.Lock()
        # Read by tests and the benchmark: how many batches ran for how many items.
        self.batches = 0
        self.items = 0

    def submit(self, item: Any) -> Future:
        future: Future = Future()
        with self._lock:
            if self._closed:
                future.set_exception(BatcherClosed("the batcher is closed"))
            else:
                self._unresolved += 1
                future.add_done_callback(self._resolved)
                self._queue.put((item, future))
        return future

    def _resolved(self, _future: Future) -> None:
        with self._lock:
            self._unresolved -= 1

    def _all_waiting(self) -> bool:
        """Every turn in flight waits for an item (so no other check is on its way), and the
        last turn arrived at least `settle` ago (a burst may still be reaching us)."""
        if self.turns is None:
            return False
        count = self.turns.count
        return (0 < count <= self._unresolved
                and time.monotonic() - self.turns.last_arrival >= self.settle)

    def start(self) -> None:
        """Start dispatching (items submitted before wait in the queue meanwhile)."""
        with self._lock:
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
                self._thread.start()

    def close(self, timeout: float | None = 30) -> None:
        """Stop taking items; the batch being computed finishes, waiting items fail."""
        with self._lock:
            self._closed = True
            thread = self._thread
        self._queue.put(_STOP)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._fail_waiting()

    def fail_waiting(self, error: BaseException) -> None:
        """Fail every item waiting in the queue (e.g. the worker could not start)."""
        self._fail_waiting(error)

    # -- the dispatcher ---------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            batch, stop = self._collect()
            if batch:
                self._run(batch)
            if stop:
                return

    def _collect(self) -> tuple[list[tuple[Any, Future]], bool]:
        first = self._queue.get()
        if first is _STOP:
            return [], True
        batch = [first]
        started = time.monotonic()
        deadline = started + self.window
        while len(batch) < self.max_batch:
            # Everything already waiting joins at once (arrived during the last computation).
            try:
                entry = self._queue.get_nowait()
            except queue.Empty:
                if self._all_waiting():
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    entry = self._queue.get(
                        timeout=remaining if self.turns is None else min(remaining, self.POLL))
                except queue.Empty:
                    continue  # the window, or every turn waiting, is checked again above
                # Still arriving: give the burst a little longer, within max_wait.
                deadline = min(started + self.max_wait, time.monotonic() + self.window)
            if entry is _STOP:
                return batch, True
            batch.append(entry)
        return batch, False

    def _run(self, batch: list[tuple[Any, Future]]) -> None:
        live = [(item, future) for item, future in batch if future.set_running_or_notify_cancel()]
        if not live:
            return
        self.batches += 1
        self.items += len(live)
        started = time.monotonic()
        try:
            results = self.run_batch([item for item, _ in live])
            if len(results) != len(live):
                raise RuntimeError(f"{len(results)} results for {len(live)} items")
        except BaseException as error:  # noqa: BLE001 - handed to every caller of the batch
            log.exception("batch of %d failed", len(live))
            for _, future in live:
                future.set_exception(error)
            return
        log.info("%s: batch of %d computed in %.2f s", self.name, len(live),
                 time.monotonic() - started)
        for (_, future), result in zip(live, results):
            future.set_result(result)

    def _fail_waiting(self, error: BaseException | None = None) -> None:
        stop_seen = False
        while True:
            try:
                entry = self._queue.get_nowait()
            except queue.Empty:
                break
            if entry is _STOP:
                stop_seen = True
                continue
            _, future = entry
            if future.set_running_or_notify_cancel():
                future.set_exception(error or BatcherClosed("the batcher is closed"))
        if stop_seen:  # the dispatcher has not read it yet: it must still stop
            self._queue.put(_STOP)
