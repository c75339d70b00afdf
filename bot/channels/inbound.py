"""The path every messaging channel shares: one inbound message processed once, its replies
queued in the outbox in the same transaction as the turn."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from bot import messages, outbox
from bot.dialogue.core import DialogueCore
from bot.dialogue.types import IncomingMessage, Reply
from common.ratelimit import RateLimits
from handoff import campaigns
from handoff.booking import TooManyBookings
from storage.db import Database
from storage.models import ProcessedInbound


def already_processed(db: Database, inbound_id: str) -> bool:
    with db.session() as session:
        return session.get(ProcessedInbound, inbound_id) is not None


def process(core: DialogueCore, message: IncomingMessage, *, inbound_id: str | None,
            recipient: str | None = None, limits: RateLimits | None = None) -> list[Reply] | None:
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
        outbox.enqueue(session, channel=message.channel, recipient=recipient or message.sender,
                       address_key=key, replies=replies)
        # A household invited by a campaign (or in its control group) answered: the
        # conversation is tagged through the address key, in the turn's own transaction.
        campaigns.note_inbound(session, key, now=core.clock())

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


__all__ = ["process", "send_now", "already_processed", "is_opted_out"]
