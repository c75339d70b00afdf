"""How many conversation turns this process is running, and when the last one arrived.

The rules batcher (bot/batching.py) merges the checks that arrive together into one
OpenFisca simulation. Without knowing what else is coming, it waited 0.3 s after the last
check for another one: every resident paid it, and a burst of 100 paid it after its last
check. With this count it can start the batch as soon as every turn in the process is
waiting for a check (nothing else can still join it), and otherwise wait as before.

A turn is counted from the moment the event loop takes the request (before it is handed to
a thread, so that a burst's later requests count while its first turns compute) until it
has answered. The count is per process, as the batcher is.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import time
from collections.abc import Iterator


class TurnsInFlight:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0
        self._last_arrival = 0.0
        # Counted already in this task or thread (a Telegram webhook's request, then its
        # update's turn): the same turn is not counted twice.
        self._inside = contextvars.ContextVar(f"turn-counted-{id(self)}", default=False)

    @property
    def count(self) -> int:
        return self._count

    @property
    def last_arrival(self) -> float:
        """time.monotonic() of the last turn's arrival (0 before any)."""
        return self._last_arrival

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        if self._inside.get():
            yield
            return
        token = self._inside.set(True)
        with self._lock:
            self._count += 1
            self._last_arrival = time.monotonic()
        try:
            yield
        finally:
            with self._lock:
                self._count -= 1
            self._inside.reset(token)


# One per process: the turns of every channel (web chat, SMS, Telegram) count together, as
# their checks share the process's batcher.
TURNS = TurnsInFlight()


class CountTurns:
    """ASGI middleware: every request that may run a turn (not a GET: the chat, the SMS and
    Telegram webhooks, the console's field forms) counts while it is answered."""

    def __init__(self, app, turns: TurnsInFlight = TURNS):
        self.app = app
        self.turns = turns

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        with self.turns.turn():
            await self.app(scope, receive, send)
