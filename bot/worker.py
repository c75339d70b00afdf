"""The outbox dispatcher: sends queued messages through each channel's transport.

`dispatch_once` is one pass (the tests call it with a moved clock); `Dispatcher` runs passes
in the background of the application process, started and stopped by the app's lifespan,
and can be woken up right after a turn queued something. Several processes may run it on
one database: claiming (bot/outbox.py) gives each message to one of them.
"""

from __future__ import annotations

import logging
import os
import re
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from bot import outbox
from bot.outbox import Claimed, PermanentError, TransientError
from common.periodic import PeriodicTask
from storage.db import Database

log = logging.getLogger(__name__)


class Transport(Protocol):
    def send(self, message: Claimed) -> str | None:
        """Sends one message; returns the provider's id for it. Raises TransientError or
        PermanentError."""


@dataclass
class DispatchReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0

    def __int__(self) -> int:
        return self.sent


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def dispatch_once(db: Database, transports: Mapping[str, Transport], *,
                  now: datetime | None = None, worker: str | None = None,
                  limit: int = 50, max_rounds: int = 50) -> DispatchReport:
    """Claims due messages and sends them, until none is left to claim now."""
    now = now or datetime.now(UTC)
    worker = worker or default_worker_id()
    report = DispatchReport()
    for _ in range(max_rounds):
        claimed = outbox.claim(db, channels=transports.keys(), worker=worker, now=now,
                               limit=limit)
        if not claimed:
            break
        for message in claimed:
            _send(db, transports[message.channel], message, now, report)
    return report


_NUMBER = re.compile(r"\+?\d[\d .-]{5,}\d")


def redact(error: BaseException | str) -> str:
    """The error without phone numbers or chat ids: providers quote them in their messages."""
    return _NUMBER.sub("<numéro>", str(error))


def _send(db: Database, transport: Transport, message: Claimed, now: datetime,
          report: DispatchReport) -> None:
    try:
        provider_id = transport.send(message)
    except PermanentError as error:
        log.warning("outbox %s refused by %s: %s", message.id, message.channel, redact(error))
        outbox.mark_failed(db, message.id, error=redact(error), permanent=True, now=now)
        report.failed += 1
        return
    except Exception as error:  # noqa: BLE001 - anything else is worth another try
        if not isinstance(error, TransientError):
            log.warning("outbox %s: unexpected %s from %s: %s", message.id,
                        type(error).__name__, message.channel, redact(error))
        status = outbox.mark_failed(db, message.id,
                                    error=f"{type(error).__name__}: {redact(error)}",
                                    permanent=False, now=now)
        if status == "failed":
            report.failed += 1
        else:
            report.retried += 1
        return
    outbox.mark_sent(db, message.id, provider_id=provider_id, now=now)
    report.sent += 1


class Dispatcher(PeriodicTask):
    """Runs `dispatch_once` every `interval` seconds, off the event loop, until stopped."""

    def __init__(self, db: Database, transports: Mapping[str, Transport], *,
                 interval: float = 1.0, clock: Callable[[], datetime] | None = None):
        self.db = db
        self.transports = dict(transports)
        self.clock = clock
        self.worker = default_worker_id()
        super().__init__("outbox-dispatcher", self._pass, interval=interval)

    @property
    def enabled(self) -> bool:
        return bool(self.transports)

    def _pass(self) -> None:
        now = self.clock() if self.clock else None
        dispatch_once(self.db, self.transports, now=now, worker=self.worker)
