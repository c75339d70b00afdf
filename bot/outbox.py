"""The persistent outbox: every message to a person on SMS, WhatsApp, Telegram (and web
messages the person did not ask for, like a referent's reply) is a row here first.

Queued in the same transaction as the turn that produced it, so nothing is lost when the
provider or our process is down. Dispatchers (bot/worker.py) claim rows, send them, and
retry failures with exponential backoff. Claiming is safe with several workers on one
database: PostgreSQL claims with SELECT … FOR UPDATE SKIP LOCKED, SQLite (one writer at a
time) with a conditional UPDATE. A row is claimable only when no earlier row to the same
address is still waiting, so messages go out in order; the parts of one SMS turn are claimed
together and sent as one concatenated SMS, which the phone reassembles in order. An address that opted
out gets nothing but the opt-out confirmation (`always_send`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from bot.dialogue.types import Reply
from bot.render import Outbound, render
from storage.db import Database
from storage.erasure import ERASED_KEYS, checkpoint
from storage.models import ChannelAddress, OutboxMessage

BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_CAP = timedelta(hours=1)
MAX_ATTEMPTS = 12  # about five hours of retries before a message is given up
LEASE = timedelta(seconds=90)  # a claim older than this belongs to a dead worker
WAITING = ("pending", "sending")
# Channels whose parts of one turn are sent as one message (see _claim_rest_of_turns).
JOINED_CHANNELS = ("sms",)
JOINED_LIMIT = 1600  # Twilio's limit for one message body
FINAL_STATUSES = {"delivered": "delivered", "read": "delivered", "undelivered": "undelivered",
                  "failed": "failed", "sent": "sent"}


ERASED_MARK = "erasure_confirmation"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Claimed:
    """A claimed message, detached from its session: what a transport needs to send it."""

    id: int
    channel: str
    recipient: str
    body: str
    choices: list[str] = field(default_factory=list)
    attempts: int = 1
    address_key: str = ""
    queued_at: datetime | None = None  # the rows of one turn share it
    sender: str | None = None  # a territory's own number; None: the deployment's sender
    in_hours: bool = False  # a campaign message: only in the allowed hours
    kind: str | None = None  # bot/delivery.py KINDS; None: a reply to the person's message
    language: str | None = None
    variables: dict = field(default_factory=dict)
    content_sid: str | None = None  # set on WhatsApp outside the 24-hour window


class TransientError(Exception):
    """The provider could not take the message now (down, 5xx, rate limit): retry later."""


class PermanentError(Exception):
    """The provider refused the message for good (bad number, bot blocked): do not retry."""


# ---------------------------------------------------------------------------- queueing

def enqueue(session: Session, *, channel: str, recipient: str, address_key: str,
            replies: Iterable[Reply], always_send: bool = False,
            now: datetime | None = None, sender: str | None = None,
            in_hours: bool = False, kind: str | None = None, language: str | None = None,
            variables: dict | None = None) -> list[OutboxMessage]:
    """Queue the replies of one turn, rendered for the channel (SMS parts, Telegram messages).

    `in_hours`: a message nobody is waiting for (a campaign's invitation or reminder), sent
    only in the allowed hours, retries included."""
    replies = list(replies)
    always_send = always_send or any(getattr(r, "always_send", False) for r in replies)
    return enqueue_rendered(session, channel=channel, recipient=recipient,
                            address_key=address_key, messages=render(channel, replies),
                            always_send=always_send, now=now, sender=sender,
                            in_hours=in_hours, kind=kind, language=language,
                            variables=variables)


def enqueue_rendered(session: Session, *, channel: str, recipient: str, address_key: str,
                     messages: Iterable[Outbound], always_send: bool = False,
                     now: datetime | None = None, sender: str | None = None,
                     in_hours: bool = False, kind: str | None = None,
                     language: str | None = None, variables: dict | None = None
                     ) -> list[OutboxMessage]:
    now = now or _now()
    if variables is None and address_key in session.info.get(ERASED_KEYS, ()):
        # The erasure's own confirmation, queued in the erasing turn: marked, so that its
        # row goes altogether once sent (`mark_sent`). No template ever reads it (no kind).
        variables = {ERASED_MARK: True}
    rows = [OutboxMessage(channel=channel, recipient=recipient, address_key=address_key,
                          sender=sender, kind=kind, language=language, variables=variables,
                          body=message.body, choices=list(message.choices),
                          always_send=always_send, status="pending", attempts=0,
                          next_attempt_at=now, created_at=now, in_hours=in_hours)
            for message in messages]
    session.add_all(rows)
    session.flush()
    return rows


def enqueue_for_address(session: Session, address: ChannelAddress, replies: Iterable[Reply],
                        *, now: datetime | None = None, sender: str | None = None,
                        kind: str | None = None, language: str | None = None,
                        variables: dict | None = None) -> list[OutboxMessage]:
    """Queue messages the person did not just ask for (a referent's reply, a reminder).

    The address must be known in clear, which it is only after consent. `kind`, `language`
    and `variables`: how it goes on WhatsApp outside the 24-hour window (bot/delivery.py).
    """
    if not address.address:
        raise ValueError("this address is not kept (no consent): nothing can be sent to it")
    return enqueue(session, channel=address.channel, recipient=address.address,
                   address_key=address.key, replies=replies, now=now, sender=sender,
                   kind=kind, language=language, variables=variables)


# ---------------------------------------------------------------------------- claiming

def _claimable(channels: Iterable[str], now: datetime):
    earlier = aliased(OutboxMessage)
    # A campaign message waiting for the allowed hours holds back only its own parts: the
    # reply to someone who just wrote must not wait until tomorrow 9:00 behind it.
    waiting_for_hours = and_(earlier.in_hours.is_(True), earlier.status == "pending",
                             earlier.next_attempt_at > now,
                             earlier.created_at != OutboxMessage.created_at)
    blocked = exists().where(earlier.address_key == OutboxMessage.address_key,
                             earlier.channel == OutboxMessage.channel,
                             earlier.id < OutboxMessage.id,
                             earlier.status.in_(WAITING), ~waiting_for_hours)
    due = or_(and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
              and_(OutboxMessage.status == "sending", OutboxMessage.lease_until < now))
    return and_(OutboxMessage.channel.in_(list(channels)), due, ~blocked)


def claim(db: Database, *, channels: Iterable[str], worker: str, now: datetime | None = None,
          limit: int = 50) -> list[Claimed]:
    """Take up to `limit` due messages for this worker; no other worker gets the same ones.

    Messages to an address that opted out are marked refused on the way, not returned.
    """
    now = now or _now()
    channels = list(channels)
    if not channels:
        return []
    for _ in range(1000):
        claimed, refused = _claim_once(db, channels, worker, now, limit)
        if claimed or not refused:
            return claimed
    return []


def _claim_once(db: Database, channels: list[str], worker: str, now: datetime,
                limit: int) -> tuple[list[Claimed], int]:
    with db.session() as session:
        query = (select(OutboxMessage).where(_claimable(channels, now))
                 .order_by(OutboxMessage.id).limit(limit))
        if session.bind.dialect.name == "postgresql":
            rows = list(session.scalars(
                query.with_for_update(skip_locked=True, of=OutboxMessage)))
            ids = [row.id for row in rows]
            if ids:
                session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(
                    status="sending", claimed_by=worker, lease_until=now + LEASE,
                    attempts=OutboxMessage.attempts + 1))
        else:
            ids = []
            for row in session.scalars(query).all():
                # One writer at a time on SQLite: the UPDATE that still finds the row as we
                # saw it is the claim; another worker's claim changes `attempts`.
                result = session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == row.id, OutboxMessage.attempts == row.attempts,
                           OutboxMessage.status.in_(WAITING))
                    .values(status="sending", claimed_by=worker, lease_until=now + LEASE,
                            attempts=OutboxMessage.attempts + 1)
                    .execution_options(synchronize_session=False))
                if result.rowcount == 1:
                    ids.append(row.id)
        if not ids:
            return [], 0
        ids += _claim_rest_of_turns(session, ids, worker, now)
        session.expire_all()
        rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))
                                    .order_by(OutboxMessage.id)))
        refused = _opted_out_keys(session, {r.address_key for r in rows if not r.always_send})
        claimed = []
        for row in rows:
            if row.address_key in refused and not row.always_send:
                _finish(row, "refused", now)
                row.last_error = "opted out"
                continue
            claimed.append(Claimed(row.id, row.channel, row.recipient or "", row.body,
                                   list(row.choices or []), row.attempts, row.address_key,
                                   row.created_at, row.sender, bool(row.in_hours),
                                   row.kind, row.language, dict(row.variables or {})))
        return claimed, len(rows) - len(claimed)


def _claim_rest_of_turns(session: Session, ids: list[int], worker: str,
                         now: datetime) -> list[int]:
    """With the first SMS part of a turn, claims the turn's other parts, to send them together.

    Separate SMS may reach the phone in any order; the parts of one turn go out as one
    concatenated message (bot/worker.py), which the phone puts back in order. Nobody else
    can hold those parts: each waits behind the first one (`_claimable`).
    """
    heads = session.execute(
        select(OutboxMessage.address_key, OutboxMessage.channel, OutboxMessage.created_at)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.channel.in_(JOINED_CHANNELS))).all()
    more: list[int] = []
    for key, channel, queued_at in set(heads):
        more += session.scalars(
            update(OutboxMessage)
            .where(OutboxMessage.address_key == key, OutboxMessage.channel == channel,
                   OutboxMessage.created_at == queued_at, OutboxMessage.status == "pending",
                   OutboxMessage.id.not_in(ids))
            .values(status="sending", claimed_by=worker, lease_until=now + LEASE,
                    attempts=OutboxMessage.attempts + 1)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)).all()
    return more


def _opted_out_keys(session: Session, keys: set[str]) -> set[str]:
    if not keys:
        return set()
    return set(session.scalars(select(ChannelAddress.key).where(
        ChannelAddress.key.in_(keys), ChannelAddress.opted_out.is_(True))))


def _finish(row: OutboxMessage, status: str, now: datetime) -> None:
    """Keeps the delivery record, not the words nor the number."""
    row.status = status
    row.lease_until = None
    row.body = ""
    row.recipient = None
    row.variables = None
    if status in ("sent", "delivered"):
        row.sent_at = now


def renew(db: Database, message: Claimed, *, worker: str, now: datetime | None = None) -> bool:
    """Extends this worker's claim just before sending; False if the claim is no longer ours.

    A claim lasts LEASE from the moment it is taken; a batch sent through a slow provider can
    outlast it, and another dispatcher then takes the rest. Renewing right before each send
    means a message is sent only by the worker that holds it now; the attempt count tells a
    claim from a later one by the same worker.
    """
    now = now or _now()
    with db.session() as session:
        result = session.execute(
            update(OutboxMessage)
            .where(*_held_by(message, worker))
            .values(lease_until=now + LEASE)
            .execution_options(synchronize_session=False))
        return result.rowcount == 1


# ---------------------------------------------------------------------------- outcomes

def mark_sent(db: Database, message_id: int, *, provider_id: str | None,
              now: datetime | None = None) -> None:
    with db.session() as session:
        row = session.get(OutboxMessage, message_id)
        if row is None:
            return
        erased = row.kind is None and bool((row.variables or {}).get(ERASED_MARK))
        _finish(row, "sent", now or _now())
        row.provider_id = provider_id
        row.last_error = None
        if erased:
            # The erasure's own confirmation, sent: not even the delivery record stays, and
            # the pages that held the number leave the SQLite file and its log.
            session.delete(row)
    if erased:
        checkpoint(db)


def mark_failed(db: Database, message_id: int, *, error: str, permanent: bool,
                now: datetime | None = None,
                window: Callable[[datetime], datetime] | None = None) -> str:
    """Schedule a retry with backoff, or give up; returns the new status.

    `window` gives the first allowed moment from a given one: a campaign message's retry
    is put off to it (an outage at 18:55 must not send invitations at 20:00)."""
    now = now or _now()
    with db.session() as session:
        row = session.get(OutboxMessage, message_id)
        if row is None:
            return "gone"
        row.last_error = error[:300]
        if permanent or row.attempts >= MAX_ATTEMPTS:
            _finish(row, "failed", now)
            # The other parts of the same message would arrive alone, cut in the middle:
            # they fail with it (same address, queued in the same turn).
            for part in session.scalars(select(OutboxMessage).where(
                    OutboxMessage.address_key == row.address_key,
                    OutboxMessage.channel == row.channel, OutboxMessage.id > row.id,
                    OutboxMessage.created_at == row.created_at,
                    OutboxMessage.status == "pending")):
                _finish(part, "failed", now)
                part.last_error = "an earlier part of this message failed"
            return "failed"
        row.status = "pending"
        row.lease_until = None
        row.next_attempt_at = now + backoff(row.attempts)
        if row.in_hours and window is not None:
            row.next_attempt_at = max(row.next_attempt_at, window(row.next_attempt_at))
        return "pending"


def _held_by(message: Claimed, worker: str) -> tuple:
    """The row while `worker` holds this claim (the attempt count tells it from a later
    claim by the same worker)."""
    return (OutboxMessage.id == message.id, OutboxMessage.status == "sending",
            OutboxMessage.claimed_by == worker, OutboxMessage.attempts == message.attempts)


def defer(db: Database, message: Claimed, *, until: datetime, worker: str) -> bool:
    """Puts a claimed message back, untried, until `until` (a campaign message claimed
    outside the allowed hours); False if the claim was no longer ours."""
    with db.session() as session:
        result = session.execute(
            update(OutboxMessage)
            .where(*_held_by(message, worker))
            .values(status="pending", lease_until=None, next_attempt_at=until,
                    attempts=OutboxMessage.attempts - 1)
            .execution_options(synchronize_session=False))
        return result.rowcount == 1


def backoff(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s … up to an hour between two tries."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def record_status(session: Session, *, provider_id: str, status: str) -> bool:
    """A delivery report from the provider (Twilio status callback)."""
    status = FINAL_STATUSES.get(status)
    if status is None:
        return False
    row = session.scalars(select(OutboxMessage).where(
        OutboxMessage.provider_id == provider_id)).first()
    if row is None:
        return False
    if row.status == "delivered" and status == "sent":
        return True  # reports can arrive out of order
    row.status = status
    return True


# ---------------------------------------------------------------------------- web pull

def take_web(session: Session, *, address_key: str, now: datetime | None = None) -> list[Outbound]:
    """The web person's waiting messages, marked delivered (the page polls for them)."""
    now = now or _now()
    rows = list(session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.channel == "web", OutboxMessage.address_key == address_key,
               OutboxMessage.status == "pending")
        .order_by(OutboxMessage.id)
        .with_for_update(skip_locked=True)))
    opted_out = bool(_opted_out_keys(session, {address_key}))
    messages = []
    for row in rows:
        if opted_out and not row.always_send:
            _finish(row, "refused", now)
            continue
        messages.append(Outbound(row.body, list(row.choices or [])))
        _finish(row, "delivered", now)
    return messages
