"""Sends the day-before reminders: which appointments is handoff.reminders' job, this
module turns each into one message in the outbox, so opt-outs and retries apply."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import language, messages
from bot.dialogue.types import Reply
from bot.outbox import enqueue, enqueue_for_address
from common.periodic import PeriodicTask
from handoff import reminders
from handoff.display import describe_slot
from handoff.slots import Slot
from handoff.territory import Territories, Territory
from storage.db import Database
from storage.models import ChannelAddress, PersonPhone


def send_due_reminders(db: Database, territories: Territory | Territories, *,
                       now: datetime) -> int:
    """Queues a reminder for every appointment due one; returns how many were queued.

    Territory by territory: « tomorrow », the sending hours and the place described are
    those of the appointment's own territory."""
    territories = Territories.coerce(territories)
    queued = 0
    with db.session() as session:
        for territory in territories:
            queued += _remind(session, territory, territories, now=now)
    return queued


def _remind(session: Session, territory: Territory, territories: Territories, *,
            now: datetime) -> int:
    queued = 0
    for appointment in reminders.due_reminders(session, now=now, territory=territory,
                                               territories=territories):
        conversation = appointment.handoff.conversation
        address = session.scalars(select(ChannelAddress).where(
            ChannelAddress.person_id == conversation.person_id,
            ChannelAddress.channel == conversation.channel,
            ChannelAddress.address.is_not(None))).first()
        if address is None:
            continue  # no address kept: nothing to send to
        phone = None
        if address.channel == "web":
            # The web page reaches nobody the day before: the number confirmed at booking.
            phone = session.scalars(select(PersonPhone).where(
                PersonPhone.person_id == conversation.person_id,
                PersonPhone.verified_at.is_not(None))).first()
        # Claimed first, so two workers never both remind the same appointment.
        if not reminders.mark_sent(session, appointment_id=appointment.id, now=now):
            continue
        sender = territory.own_number if address.channel == "sms" or phone else None
        with language.use(conversation.language) as code:  # the person's language, rendered in it
            parts = describe_slot(Slot.of(appointment), territory, code)
            text = messages.text("reminder", time=parts["time"], place=parts["place"],
                                 address=parts["address"])
            variables = {"1": parts["time"], "2": parts["place"], "3": parts["address"]}
            if phone is not None and phone.address_key:
                # Under the number's own SMS key: a STOP texted from it is honoured.
                enqueue(session, channel="sms", recipient=phone.phone,
                        address_key=phone.address_key, replies=[Reply(text)], now=now,
                        sender=sender, kind="reminder", language=code)
            else:
                enqueue_for_address(session, address, [Reply(text)], now=now, sender=sender,
                                    kind="reminder", language=code, variables=variables)
        queued += 1
    return queued


class ReminderLoop(PeriodicTask):
    """Looks for due reminders every `interval` seconds, off the event loop."""

    def __init__(self, db: Database, territories: Territory | Territories, *,
                 interval: float = 300.0, clock: Callable[[], datetime] | None = None):
        clock = clock or (lambda: datetime.now(UTC))
        super().__init__("reminders", lambda: send_due_reminders(db, territories, now=clock()),
                         interval=interval)
