"""Sends the day-before reminders: which appointments is handoff.reminders' job, this
module turns each into one message in the outbox, so opt-outs and retries apply."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select

from bot import language, messages
from bot.dialogue.types import Reply
from bot.outbox import enqueue_for_address
from common.periodic import PeriodicTask
from handoff import reminders
from handoff.display import describe_slot
from handoff.slots import Slot
from handoff.territory import Territory
from storage.db import Database
from storage.models import ChannelAddress


def send_due_reminders(db: Database, territory: Territory, *, now: datetime) -> int:
    """Queues a reminder for every appointment due one; returns how many were queued."""
    queued = 0
    with db.session() as session:
        for appointment in reminders.due_reminders(session, now=now, territory=territory):
            conversation = appointment.handoff.conversation
            address = session.scalars(select(ChannelAddress).where(
                ChannelAddress.person_id == conversation.person_id,
                ChannelAddress.channel == conversation.channel,
                ChannelAddress.address.is_not(None))).first()
            if address is None:
                continue  # no address kept: nothing to send to
            # Claimed first, so two workers never both remind the same appointment.
            if not reminders.mark_sent(session, appointment_id=appointment.id, now=now):
                continue
            parts = describe_slot(Slot.of(appointment), territory)
            with language.use(conversation.language):  # the person's language, rendered in it
                text = messages.text("reminder", time=parts["time"], place=parts["place"],
                                     address=parts["address"])
                enqueue_for_address(session, address, [Reply(text)], now=now)
            queued += 1
    return queued


class ReminderLoop(PeriodicTask):
    """Looks for due reminders every `interval` seconds, off the event loop."""

    def __init__(self, db: Database, territory: Territory, *, interval: float = 300.0,
                 clock: Callable[[], datetime] | None = None):
        clock = clock or (lambda: datetime.now(UTC))
        super().__init__("reminders", lambda: send_due_reminders(db, territory, now=clock()),
                         interval=interval)
