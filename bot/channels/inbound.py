"""The path every messaging channel shares: one inbound message processed once, its replies
queued in the outbox in the same transaction as the turn."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from bot import delivery, fieldwork, messages, outbox
from bot.dialogue.core import DialogueCore
from bot.dialogue.types import IncomingMessage, Reply
from common.periodic import PeriodicTask
from common.ratelimit import RateLimits
from handoff import campaigns
from handoff.booking import TooManyBookings
from storage.db import Database
from storage.models import InboundMessage, ProcessedInbound

log = logging.getLogger(__name__)
# A turn takes seconds; a claim older than this is from a process that died mid-turn.
LEASE = timedelta(minutes=2)
RETRY_BASE = timedelta(seconds=5)
RETRY_CAP = timedelta(minutes=10)
MAX_ATTEMPTS = 12  # about an hour and a half of tries


def already_processed(db: Database, inbound_id: str) -> bool:
    with db.session() as session:
        return session.get(ProcessedInbound, inbound_id) is not None


def process(core: DialogueCore, message: IncomingMessage, *, inbound_id: str | None,
            recipient: str | None = None, limits: RateLimits | None = None,
            stored_id: int | None = None) -> list[Reply] | None:
    """Runs the turn and queues its replies; None if this inbound id was handled already.

    The id is recorded in the turn's own transaction: a second delivery racing the first
    fails on the table's primary key and its whole turn is rolled back.

    Past the conversation's messages per minute (`limits`), nothing is processed and the
    first refused message of the minute gets « Trop de messages » (each one costs an SMS).
    """
    db: Database = core.db
    if inbound_id and already_processed(db, inbound_id):
        return None
    key = core.address_key(message.channel, message.sender)
    if limits is not None and not limits.message(key):
        if limits.refusal_notice(key):
            send_now(core, channel=message.channel, sender=recipient or message.sender,
                     replies=[Reply(messages.text("too_many_messages"))])
        return []

    def queue(session, replies: list[Reply]) -> None:
        if inbound_id:
            session.add(ProcessedInbound(id=inbound_id))
            session.flush()
        if stored_id is not None:
            # The stored message (its text, its sender) goes with the turn that answered it.
            session.execute(delete(InboundMessage).where(InboundMessage.id == stored_id))
        # A referent's reply held outside WhatsApp's window goes now, before this answer.
        delivery.release_held(session, key, now=core.clock())
        outbox.enqueue(session, channel=message.channel, recipient=recipient or message.sender,
                       address_key=key, replies=replies, sender=core.own_number(message))
        # A household invited by a campaign (or in its control group) answered: the
        # conversation is tagged through the address key, in the turn's own transaction.
        campaigns.note_inbound(session, key, now=core.clock())

    # A yes to an ambassador's one-time SMS: the field check's conversation becomes this
    # number's first, so this very yes is its consent (bot/fieldwork.py).
    fieldwork.claim_consent(core, message)
    try:
        return core.handle(message, then=queue)
    except TooManyBookings as refused:
        # The booking past the per-person cap is rolled back with its turn: say why.
        replies = [Reply(messages.text("too_many_bookings", count=refused.count,
                                       contact=core.services.contact))]
        send_now(core, channel=message.channel, sender=recipient or message.sender,
                 replies=replies)
        return replies
    except IntegrityError:
        if inbound_id and already_processed(db, inbound_id):
            return None
        raise


def send_now(core: DialogueCore, *, channel: str, sender: str, replies: list[Reply]) -> None:
    """Queues messages that are not a turn of the dialogue (Telegram's /aide)."""
    with core.db.session() as session:
        outbox.enqueue(session, channel=channel, recipient=sender,
                       address_key=core.address_key(channel, sender), replies=replies)


def is_opted_out(core: DialogueCore, channel: str, sender: str) -> bool:
    from bot.dialogue.optout import is_opted_out as flag

    with core.db.session() as session:
        return flag(session, core.address_key(channel, sender))


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def store(core: DialogueCore, message: IncomingMessage, *, inbound_id: str,
          now: datetime | None = None) -> int | None:
    """Saves a received message before anything else; its row id, None if already known.

    Committed before the webhook answers: from then on the message is ours to process.
    """
    db: Database = core.db
    row = InboundMessage(inbound_id=inbound_id, channel=message.channel,
                         address_key=core.address_key(message.channel, message.sender),
                         sender=message.sender, body=message.text, meta=dict(message.metadata),
                         next_attempt_at=now or _now())
    try:
        with db.session() as session:
            if session.get(ProcessedInbound, inbound_id) is not None:
                return None
            session.add(row)
            session.flush()
            return row.id
    except IntegrityError:  # the same message delivered twice at once
        return None


def _claim(db: Database, stored_id: int, now: datetime,
           lease: timedelta = LEASE) -> InboundMessage | None:
    """Takes the stored message for one attempt, if it is the oldest unfinished one of its
    sender (a later message never overtakes an earlier one) and nobody holds it."""
    with db.session() as session:
        row = session.get(InboundMessage, stored_id)
        if row is None or row.status != "pending":
            return None
        earlier = session.scalar(
            select(InboundMessage.id).where(InboundMessage.address_key == row.address_key,
                                            InboundMessage.status == "pending",
                                            InboundMessage.id < row.id).limit(1))
        if earlier is not None:
            return None
        taken = session.execute(
            update(InboundMessage)
            .where(InboundMessage.id == stored_id,
                   (InboundMessage.lease_until.is_(None)) | (InboundMessage.lease_until < now))
            .values(lease_until=now + lease, attempts=InboundMessage.attempts + 1))
        if taken.rowcount != 1:
            return None
        session.flush()
        session.refresh(row)
        session.expunge(row)
        return row


def _failed(db: Database, row: InboundMessage, error: BaseException, now: datetime) -> None:
    delay = min(RETRY_BASE * (2 ** max(row.attempts - 1, 0)), RETRY_CAP)
    with db.session() as session:
        stored = session.get(InboundMessage, row.id)
        if stored is None:
            return
        stored.lease_until = None
        stored.last_error = type(error).__name__[:300]  # never the text: it may quote them
        if row.attempts >= MAX_ATTEMPTS:
            stored.status, stored.body, stored.sender = "failed", "", None
            log.error("inbound %s given up after %d attempts: %s", row.id, row.attempts,
                      type(error).__name__)
        else:
            stored.next_attempt_at = now + delay
            log.warning("inbound %s failed (attempt %d), retried in %ss: %s", row.id,
                        row.attempts, int(delay.total_seconds()), type(error).__name__)


def process_stored(core: DialogueCore, stored_id: int, *, limits: RateLimits | None = None,
                   now: datetime | None = None, lease: timedelta = LEASE) -> bool:
    """One attempt at a stored message's turn; True if it was answered (or known already).

    A turn that raises leaves the message pending, retried by `retry_pending` with backoff.
    """
    now = now or _now()
    row = _claim(core.db, stored_id, now, lease)
    if row is None:
        return False
    message = IncomingMessage(channel=row.channel, sender=row.sender or "", text=row.body,
                              metadata=dict(row.meta or {}))
    try:
        process(core, message, inbound_id=row.inbound_id, limits=limits, stored_id=row.id)
    except Exception as error:  # noqa: BLE001 - kept for another try, never lost
        _failed(core.db, row, error, now)
        return False
    # Answered, or handled already by an attempt whose end was not seen: nothing left.
    with core.db.session() as session:
        session.execute(delete(InboundMessage).where(InboundMessage.id == row.id))
    return True


@dataclass
class RetryReport:
    processed: int = 0
    failed: int = 0
    waiting: int = 0


def retry_pending(core: DialogueCore, *, now: datetime | None = None,
                  limit: int = 100, lease: timedelta = LEASE) -> RetryReport:
    """Processes the stored messages that are due, oldest first, each sender in order."""
    now = now or _now()
    report = RetryReport()
    with core.db.session() as session:
        rows = session.execute(
            select(InboundMessage.id, InboundMessage.address_key, InboundMessage.next_attempt_at,
                   InboundMessage.lease_until)
            .where(InboundMessage.status == "pending").order_by(InboundMessage.id)
            .limit(limit)).all()
    blocked: set[str] = set()
    for stored_id, key, due, held_until in rows:
        if key in blocked:
            report.waiting += 1
            continue
        held_until = _aware(held_until)
        if _aware(due) > now or (held_until is not None and held_until >= now):
            blocked.add(key)
            report.waiting += 1
            continue
        if process_stored(core, stored_id, now=now, lease=lease):
            report.processed += 1
        else:
            blocked.add(key)
            report.failed += 1
    return report


def pending_count(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(InboundMessage)
                              .where(InboundMessage.status == "pending")) or 0


def retry_task(core: DialogueCore, *, interval: float, lease: timedelta = LEASE,
               after: Callable[[], None] | None = None) -> PeriodicTask:
    """The periodic pass over stored messages, run in the app process like the outbox."""
    def job() -> None:
        if retry_pending(core, lease=lease).processed and after is not None:
            after()

    return PeriodicTask("inbound-retry", job, interval=interval)


__all__ = ["process", "send_now", "already_processed", "is_opted_out", "store",
           "process_stored", "retry_pending", "retry_task", "pending_count"]
