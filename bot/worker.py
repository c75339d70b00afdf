"""The outbox dispatcher: sends queued messages through each channel's transport.

`dispatch_once` is one pass (the tests call it with a moved clock); `Dispatcher` runs passes
in the background of the application process, started and stopped by the app's lifespan,
and can be woken up right after a turn queued something. Several processes may run it on
one database: claiming (bot/outbox.py) gives each message to one of them.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from bot import delivery, outbox
from bot.outbox import Claimed, PermanentError, TransientError
from common.periodic import PeriodicTask
from handoff.campaigns import next_allowed
from handoff.territory import Territories, Territory
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
    skipped: int = 0  # claims lost to another dispatcher before sending
    deferred: int = 0  # campaign messages put back until the allowed hours
    rerouted: int = 0  # WhatsApp messages outside the window sent by SMS or undeliverable

    def __int__(self) -> int:
        return self.sent


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def dispatch_once(db: Database, transports: Mapping[str, Transport], *,
                  now: datetime | None = None, worker: str | None = None,
                  limit: int = 50, max_rounds: int = 50,
                  clock: Callable[[], datetime] | None = None,
                  territory: Territory | Territories | None = None) -> DispatchReport:
    """Claims due messages and sends them, until none is left to claim now.

    The clock is read for every claim and every send (a pass can take minutes with a slow
    provider); `now` fixes it, for tests that move time by hand. Each message's claim is
    renewed right before it is sent and skipped if another dispatcher has taken it since.
    A campaign message claimed outside the allowed hours of its territory (the one whose
    number sends it, else the first of `territory`, default: the configured ones) is put
    back until the next allowed moment, and its retries too.
    """
    if now is not None:
        clock = lambda: now  # noqa: E731 - a fixed clock
    clock = clock or (lambda: datetime.now(UTC))
    worker = worker or default_worker_id()
    report = DispatchReport()
    window = _Window(territory)
    for _ in range(max_rounds):
        claimed = outbox.claim(db, channels=transports.keys(), worker=worker, now=clock(),
                               limit=limit)
        if not claimed:
            break
        for group in _turns(claimed):
            hours = window.of(group[0].sender)
            if group[0].in_hours:
                allowed = hours(clock())
                if allowed > clock():
                    for message in group:
                        outbox.defer(db, message, until=allowed, worker=worker)
                    report.deferred += len(group)
                    continue
            held = [m for m in group if outbox.renew(db, m, worker=worker, now=clock())]
            report.skipped += len(group) - len(held)
            transport = transports[group[0].channel]
            if held and held[0].channel == "whatsapp":
                # Outside the 24-hour window: the kind's template, else SMS or undeliverable.
                ready = delivery.prepare_whatsapp(db, held[0], getattr(transport, "templates", {}),
                                                  now=clock())
                held = [ready] if ready is not None else []
                report.rerouted += ready is None
            if held:
                _send(db, transport, held, clock, report, hours)
    return report


class _Window:
    """The first moment from a given one when campaign messages may leave, on the clock and
    holidays of the territory sending them; the territory files are read only if a campaign
    message comes up."""

    def __init__(self, territory: Territory | Territories | None):
        self.territories = None if territory is None else Territories.coerce(territory)

    def of(self, sender: str | None) -> Callable[[datetime], datetime]:
        def allowed(moment: datetime) -> datetime:
            if self.territories is None:
                from common.settings import Settings

                settings = Settings.from_env()
                self.territories = Territories.from_settings(settings.territory_dir,
                                                             settings.territory_file)
            territory = self.territories.owner_of(sender) or self.territories.first
            # In UTC: SQLite compares the stored times as text.
            return next_allowed(moment, territory).astimezone(UTC)
        return allowed


def _turns(claimed: list[Claimed]) -> list[list[Claimed]]:
    """The claimed messages in sending order, the SMS parts of one turn as one group (one
    concatenated message, up to Twilio's 1600 characters); any other message alone."""
    groups: list[list[Claimed]] = []
    open_turns: dict[tuple, list[Claimed]] = {}
    for message in claimed:
        turn = (message.channel, message.address_key, message.queued_at)
        group = open_turns.get(turn) if message.channel in outbox.JOINED_CHANNELS else None
        if group is not None and len(_joined(group + [message])) <= outbox.JOINED_LIMIT:
            group.append(message)
            continue
        group = [message]
        groups.append(group)
        open_turns[turn] = group
    return groups


def _joined(group: list[Claimed]) -> str:
    return "\n".join(message.body for message in group)


_NUMBER = re.compile(r"\+?\d[\d .-]{5,}\d")


def redact(error: BaseException | str) -> str:
    """The error without phone numbers or chat ids: providers quote them in their messages."""
    return _NUMBER.sub("<numéro>", str(error))


def _send(db: Database, transport: Transport, group: list[Claimed],
          clock: Callable[[], datetime], report: DispatchReport,
          window: Callable[[datetime], datetime] | None = None) -> None:
    """Sends one message, or the parts of one SMS turn joined into one; each row of the
    group gets the outcome."""
    first = group[0]
    message = first if len(group) == 1 else dataclasses.replace(first, body=_joined(group))
    try:
        provider_id = transport.send(message)
    except PermanentError as error:
        log.warning("outbox %s refused by %s: %s", first.id, first.channel, redact(error))
        for part in group:
            outbox.mark_failed(db, part.id, error=redact(error), permanent=True, now=clock())
        delivery.note_failure(db, first.id, now=clock())
        report.failed += len(group)
        return
    except Exception as error:  # noqa: BLE001 - anything else is worth another try
        if not isinstance(error, TransientError):
            log.warning("outbox %s: unexpected %s from %s: %s", first.id,
                        type(error).__name__, first.channel, redact(error))
        for part in group:
            status = outbox.mark_failed(db, part.id,
                                        error=f"{type(error).__name__}: {redact(error)}",
                                        permanent=False, now=clock(), window=window)
            if status == "failed":
                # Given up for good: the person will not get it. Never the body nor the number.
                log.warning("outbox %s to %s given up after %d attempts: %s", part.id,
                            part.channel, part.attempts, redact(error))
                if part is first:
                    delivery.note_failure(db, part.id, now=clock())
                report.failed += 1
            else:
                report.retried += 1
        return
    if message.content_sid and message.kind == "referent_reply":
        # The template said « a referent answered you »: the reply waits for the person.
        delivery.hold(db, message.id, provider_id=provider_id, now=clock())
        report.sent += 1
        return
    for part in group:
        outbox.mark_sent(db, part.id, provider_id=provider_id, now=clock())
    report.sent += len(group)


class Dispatcher(PeriodicTask):
    """Runs `dispatch_once` every `interval` seconds, off the event loop, until stopped."""

    def __init__(self, db: Database, transports: Mapping[str, Transport], *,
                 interval: float = 1.0, clock: Callable[[], datetime] | None = None,
                 territory: Territory | Territories | None = None):
        self.db = db
        self.transports = dict(transports)
        self.clock = clock
        self.territory = territory
        self.worker = default_worker_id()
        super().__init__("outbox-dispatcher", self._pass, interval=interval)

    @property
    def enabled(self) -> bool:
        return bool(self.transports)

    def _pass(self) -> None:
        dispatch_once(self.db, self.transports, worker=self.worker, clock=self.clock,
                      territory=self.territory)
