"""Which appointments to remind the day before; the sending goes through the outbox.

A scheduler calls `due_reminders` every few minutes, queues one message per appointment,
and calls `mark_sent`, which claims the appointment atomically: with several workers, only
the one whose `mark_sent` returns True queues the message.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import and_, exists, select, update
from sqlalchemy.orm import Session

from handoff.territory import Territories, Territory
from storage.handoff import Appointment, Handoff
from storage.models import ChannelAddress, Conversation

# Nobody gets a text before 10:00 or after 18:00 (local time).
SEND_FROM = time(10, 0)
SEND_UNTIL = time(18, 0)


def due_reminders(session: Session, *, now: datetime, territory: Territory,
                  territories: Territories | None = None) -> list[Appointment]:
    """Booked appointments of tomorrow (local date) not yet reminded, soonest first.

    Empty outside 10:00–18:00 local time. People who opted out on the conversation's
    channel are left out. With `territories`, only `territory`'s hand-offs: each
    territory's appointments are reminded on its own clock.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    tz = territory.timezone
    local = now.astimezone(tz)
    if not SEND_FROM <= local.time() < SEND_UNTIL:
        return []
    tomorrow = local.date() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(tomorrow + timedelta(days=1), time(0), tzinfo=tz).astimezone(
        UTC
    )
    opted_out = exists().where(
        ChannelAddress.person_id == Conversation.person_id,
        ChannelAddress.channel == Conversation.channel,
        ChannelAddress.opted_out.is_(True),
    )
    return list(
        session.scalars(
            select(Appointment)
            .join(Handoff, Appointment.handoff_id == Handoff.id)
            .join(Conversation, Handoff.conversation_id == Conversation.id)
            .where(
                Appointment.status == "booked",
                Appointment.reminder_sent_at.is_(None),
                Appointment.starts_at >= max(start, now.astimezone(UTC)),
                Appointment.starts_at < end,
                ~opted_out,
                *([territories.where(Handoff.territory_id, territory.id)]
                  if territories is not None else []),
            )
            .order_by(Appointment.starts_at, Appointment.id)
        )
    )


def mark_sent(session: Session, *, appointment_id: int, now: datetime) -> bool:
    """Record the reminder; False if it was already recorded (by another worker)."""
    result = session.execute(
        update(Appointment)
        .where(and_(Appointment.id == appointment_id, Appointment.reminder_sent_at.is_(None)))
        .values(reminder_sent_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount == 1
