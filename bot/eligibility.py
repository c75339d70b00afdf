"""The eligibility check as the application uses it: batched, computed in a worker process.

Loading OpenFisca and its first computation take about 11 s; the web server must answer
meanwhile, so the engine warms up in the background and `/healthz` says "warming" until then.
A check asked during warm-up waits for it rather than failing. A worker that dies, or hangs
past BATCH_DEADLINE on a batch, is killed and replaced; that batch fails, the next ones run.

One household costs ~2 s of OpenFisca whatever the number of households in the simulation,
so concurrent checks are merged into one simulation (bot/batching.py) and their results split
back. The computation runs in a separate worker process with its own warmed engine: OpenFisca
holds the GIL for most of a computation, and in a thread of the web server it would slow every
other conversation turn. Two worker processes by default (RULES_WORKERS), each computing its
part of the catalogue for the whole batch (rules.engine.split_catalogue): while a burst's turns
all wait for their batch, the web server leaves its core idle, and the batch takes the time of
the longer part. Any more would only compete for the two cores of these machines.
"""

from __future__ import annotations

import gc
import importlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from bot.batching import BatcherClosed, MicroBatcher
from common.inflight import TURNS
from common.settings import Settings
from rules.catalogue import Benefit, load_catalogue
from rules.engine import RulesEngine, merge_results, split_catalogue
from rules.profile import validate_profile

log = logging.getLogger(__name__)

# A failed warm-up is tried again this many times in all, after 5 s, then 10 s.
WARM_UP_TRIES = 3
WARM_UP_BACKOFF = 5.0
# A check that has not come back after this long has failed (the worker is stuck or dead).
CHECK_TIMEOUT = 120.0
# A batch costs ~2 s whatever its size; one not back after this long means a hung worker
# (alive, not answering): it is killed and replaced, and the checks behind it go on.
BATCH_DEADLINE = 60.0
# Loading OpenFisca takes ~11 s; a worker not ready after this long is killed.
WARM_UP_DEADLINE = 300.0


class EligibilityService:
    """``evaluate(profile)`` from any thread; checks asked together share one simulation.

    ``worker``: "process" (default; env RULES_WORKER) or "thread" (computes in this process,
    e.g. for comparison in the benchmark). ``engine_factory``: "module:callable" returning a
    RulesEngine, built inside the worker process (default: RulesEngine over the catalogue).
    Passing an ``engine`` instance computes with it in this process.
    """

    def __init__(self, engine: RulesEngine | None = None, *, worker: str | None = None,
                 engine_factory: str | None = None, window: float | None = None,
                 max_wait: float | None = None, max_batch: int = 1000,
                 warm_up_tries: int = WARM_UP_TRIES, warm_up_backoff: float = WARM_UP_BACKOFF):
        self.catalogue = {benefit.id: benefit for benefit in load_catalogue()}
        settings = Settings.from_env()
        worker = worker or ("thread" if engine is not None else settings.rules_worker)
        window = settings.rules_batch_window if window is None else window
        max_wait = settings.rules_batch_max_wait if max_wait is None else max_wait
        # In process mode this engine is never loaded here (cheap); kept for one-off uses.
        self.engine = engine or RulesEngine(list(self.catalogue.values()))
        if worker == "process":
            # Another engine (tests) is not split: its catalogue is its own.
            parts = split_catalogue(list(self.catalogue.values()),
                                    settings.rules_workers if engine_factory is None else 1)
            self._worker: _ProcessWorker | _SplitWorker | _ThreadWorker = \
                _SplitWorker(parts, list(self.catalogue)) if len(parts) > 1 \
                else _ProcessWorker(engine_factory)
        elif worker == "thread":
            self._worker = _ThreadWorker(self.engine)
        else:
            raise ValueError(f"worker must be 'process' or 'thread', not {worker!r}")
        self.worker = worker
        self._batcher = MicroBatcher(
            self._run_batch, window=window, max_wait=max_wait, max_batch=max_batch,
            name="rules-batcher", turns=TURNS if settings.rules_batch_early else None,
            settle=settings.rules_batch_settle)
        self._ready = threading.Event()
        self._restarting = False
        self._failed: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._closed = False
        self._lock = threading.Lock()
        self._batch_started: float | None = None
        self._restarts = 0
        self.warm_up_tries = max(1, warm_up_tries)
        self.warm_up_backoff = warm_up_backoff
        self._closing = threading.Event()

    # -- lifecycle -------------------------------------------------------------------------
    def start_warm_up(self) -> None:
        with self._lock:
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._warm_up, name="rules-warm-up",
                                                daemon=True)
                self._thread.start()

    def _warm_up(self) -> None:
        """Warms the worker up, retried with backoff (a machine short of memory at start-up,
        a slow disk): a failed warm-up used to leave the service without rules until a
        restart. After the last try, `status` says "failed" (/healthz answers 503)."""
        error: BaseException | None = None
        try:
            for attempt in range(self.warm_up_tries):
                if attempt and self._closing.wait(self.warm_up_backoff * 2 ** (attempt - 1)):
                    break  # closed meanwhile
                try:
                    self._worker.start()
                except BaseException as failed:  # noqa: BLE001 - retried, then reported
                    error = failed
                    self._worker.stop(timeout=0)
                    if self._closed:
                        break
                    log.warning("rules engine failed to warm up (try %d of %d): %s",
                                attempt + 1, self.warm_up_tries, type(failed).__name__)
                    continue
                self._batcher.start()
                return
            if not self._closed:
                log.error("rules engine failed to warm up after %d tries", self.warm_up_tries,
                          exc_info=error)
            self._failed = error or RuntimeError("rules engine closed")
            self._batcher.close()  # checks waiting for the warm-up fail now, not at timeout
        finally:
            self._ready.set()

    @property
    def status(self) -> str:
        """"ready", "warming" (or being restarted), or "failed" once the warm-up's retries
        are spent."""
        if self._failed is not None:
            return "failed"
        ok = self._ready.is_set() and not self._restarting
        return "ready" if ok else "warming"

    @property
    def busy_seconds(self) -> float:
        """How long the batch being computed has been running (0 when idle): /healthz shows
        it, so a worker stuck on a batch is visible before its deadline kills it."""
        started = self._batch_started
        return round(time.monotonic() - started, 1) if started is not None else 0.0

    @property
    def restarts(self) -> int:
        return self._restarts

    @property
    def stats(self) -> dict[str, int]:
        """How many checks were computed in how many batches (one simulation per period)."""
        return {"checks": self._batcher.items, "batches": self._batcher.batches}

    def close(self) -> None:
        """Stop the worker (at application shutdown). Checks still waiting fail."""
        with self._lock:
            self._closed = True
        self._closing.set()
        self._batcher.close()
        self._worker.close()
        if self._thread is not None:
            self._thread.join(10)

    # -- checks ----------------------------------------------------------------------------
    def evaluate(self, profile: dict) -> dict[str, Any]:
        """The result for one household; ProfileError if the profile is malformed."""
        self.start_warm_up()
        normalised = validate_profile(profile)  # a bad profile fails its caller only
        if self._failed is not None:
            raise RuntimeError("rules engine unavailable") from self._failed
        future = self._batcher.submit(normalised)
        try:
            result = future.result(timeout=CHECK_TIMEOUT)
        except FutureTimeout:
            future.cancel()
            raise TimeoutError(f"no eligibility result after {CHECK_TIMEOUT:.0f} s") from None
        except BatcherClosed as error:
            raise RuntimeError("rules engine unavailable") from (self._failed or error)
        if "error" in result:  # this household broke the computation; the others did not
            raise RuntimeError(f"eligibility check failed: {result['error']}")
        return result

    def benefit(self, benefit_id: str) -> Benefit:
        return self.catalogue[benefit_id]

    def _run_batch(self, profiles: list[dict]) -> list[dict]:
        self._batch_started = time.monotonic()
        try:
            return self._worker.run(profiles)
        except WorkerDied as error:
            if self._closed:
                raise
            # Fail this batch (it may be what killed or hung the worker) and bring a new one
            # up; a hung one is killed at once, it will not finish cleanly.
            hung = isinstance(error, WorkerHung)
            log.error("rules worker %s; restarting it", "hung" if hung else "died")
            self._restarting = True
            try:
                self._worker.stop(timeout=0 if hung else 10)
                self._worker.start()
                self._restarts += 1
            finally:
                self._restarting = False
            raise
        finally:
            self._batch_started = None


class WorkerDied(RuntimeError):
    """The worker process ended while computing (killed, out of memory, crashed)."""


class WorkerHung(WorkerDied):
    """The worker process did not answer before its deadline (alive but stuck)."""


class _ThreadWorker:
    """Computes in this process, in the batcher's thread."""

    def __init__(self, engine: RulesEngine):
        self.engine = engine

    def start(self) -> None:
        self.engine.warm_up()

    def run(self, profiles: list[dict]) -> list[dict]:
        return self.engine.evaluate_many(profiles)

    def stop(self, timeout: float = 10) -> None:
        pass

    close = stop


class _ProcessWorker:
    """One child process with its own warmed engine, fed batches through a pipe.

    `benefit_ids`: the part of the catalogue its engine computes (all of it by default)."""

    def __init__(self, engine_factory: str | None, benefit_ids: list[str] | None = None):
        self.engine_factory = engine_factory
        self.benefit_ids = benefit_ids
        self.process: multiprocessing.process.BaseProcess | None = None
        self._conn = None
        self._ready = False
        self._closed = False
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the process and wait until its engine is warm (~10 s)."""
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        # spawn, not fork: the web server has threads (a forked lock may be held forever).
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(target=_worker_main,
                                  args=(child, self.engine_factory, self.benefit_ids),
                                  name="rules-worker", daemon=True)
        with self._lock:
            if self._closed:
                raise WorkerDied("rules worker closed")
            process.start()
            self.process, self._conn, self._ready = process, parent, False
        child.close()

    def wait_ready(self) -> None:
        process = self.process
        try:
            kind, payload = self._receive(WARM_UP_DEADLINE)
        except WorkerDied:
            self.stop(timeout=0)
            raise
        if kind != "ready":
            raise RuntimeError(f"rules worker failed to start: {payload}")
        self._ready = True
        log.info("rules worker ready (pid %s)", process.pid)

    def run(self, profiles: list[dict]) -> list[dict]:
        self.send(profiles)
        return self.collect()

    def send(self, profiles: list[dict]) -> None:
        try:
            self._conn.send(profiles)
        except (OSError, ValueError, AttributeError) as error:  # AttributeError: stopped
            raise WorkerDied("rules worker is gone") from error

    def collect(self) -> list[dict]:
        kind, payload = self._receive(BATCH_DEADLINE)
        if kind != "ok":
            raise RuntimeError(f"rules worker: {payload}")
        return payload

    def _receive(self, deadline: float) -> tuple[str, Any]:
        try:
            if not self._conn.poll(deadline):
                pid = self.process.pid if self.process is not None else None
                raise WorkerHung(f"rules worker (pid {pid}) silent for {deadline:.0f} s")
            return self._conn.recv()
        except (EOFError, OSError) as error:
            code = self.process.exitcode if self.process is not None else None
            raise WorkerDied(f"rules worker ended (exit code {code})") from error

    def stop(self, timeout: float = 10) -> None:
        with self._lock:
            process, conn, ready = self.process, self._conn, self._ready
            self.process, self._conn, self._ready = None, None, False
        if process is None:
            return
        if ready and process.is_alive():
            try:
                conn.send(None)  # finish cleanly
            except (OSError, ValueError):
                pass
            process.join(timeout)
        if process.is_alive():  # still warming up, or stuck
            process.terminate()
            process.join(5)
        if process.is_alive():
            process.kill()
            process.join(5)
        conn.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self.stop()


class _SplitWorker:
    """One worker process per part of the catalogue, all given the whole batch at once; the
    batch's results are their parts merged. Started, stopped and restarted together."""

    def __init__(self, parts: list[list], order: list[str]):
        self.order = order
        self.workers = [_ProcessWorker(None, [b.id for b in part]) for part in parts]

    def start(self) -> None:
        # Launched together, they warm up side by side.
        try:
            for worker in self.workers:
                worker.launch()
            for worker in self.workers:
                worker.wait_ready()
        except BaseException:
            self.stop(timeout=0)
            raise

    def run(self, profiles: list[dict]) -> list[dict]:
        sent = []
        error: BaseException | None = None
        for worker in self.workers:
            try:
                worker.send(profiles)
                sent.append(worker)
            except WorkerDied as died:
                error = _first_or_dead(error, died)
        parts = []
        # Every worker sent the batch is heard out, even after another failed: a reply left
        # in a pipe would be read as the answer to the next batch.
        for worker in sent:
            try:
                parts.append(worker.collect())
            except (WorkerDied, RuntimeError) as failed:
                error = _first_or_dead(error, failed)
        if error is not None:
            raise error
        return merge_results(parts, self.order)

    def stop(self, timeout: float = 10) -> None:
        for worker in self.workers:
            worker.stop(timeout)

    def close(self) -> None:
        for worker in self.workers:
            worker.close()


def _first_or_dead(error: BaseException | None, new: BaseException) -> BaseException:
    """The error to raise for a batch: the first, unless a later one says a worker died (the
    service then replaces the workers at once)."""
    if error is None or (isinstance(new, WorkerDied) and not isinstance(error, WorkerDied)):
        return new
    return error


def _build_engine(engine_factory: str | None, benefit_ids: list[str] | None = None
                  ) -> RulesEngine:
    if not engine_factory:
        if benefit_ids is not None:
            return RulesEngine([b for b in load_catalogue() if b.id in benefit_ids])
        return RulesEngine()
    module, _, name = engine_factory.partition(":")
    return getattr(importlib.import_module(module), name)()


def _worker_main(conn, engine_factory: str | None, benefit_ids: list[str] | None = None
                 ) -> None:
    """The worker process: warm an engine, then compute the batches it is sent."""
    # Ctrl-C reaches the whole process group: the parent decides when we stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        engine = _build_engine(engine_factory, benefit_ids)
        engine.warm_up()
    except BaseException as error:  # noqa: BLE001 - reported to the parent
        conn.send(("failed", f"{type(error).__name__}: {error}"))
        return
    # The engine's hundreds of thousands of objects (parameters, formulas) live as long as
    # the process: frozen out of the collector's reach, its full collections no longer walk
    # them (~0.26 s each, now and then in the middle of a batch).
    gc.freeze()
    conn.send(("ready", os.getpid()))
    while True:
        try:
            profiles = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if profiles is None:
            return
        try:
            reply = ("ok", engine.evaluate_many(profiles))
        except Exception as error:  # noqa: BLE001 - evaluate_many falls back per household
            reply = ("error", f"{type(error).__name__}: {error}")
        try:
            conn.send(reply)
        except OSError:  # BrokenPipeError: the parent was killed during the batch
            return
