"""Opening hand-offs and booking, cancelling and moving appointments.

Every function works inside the caller's transaction: the caller commits. Booking runs in a
SAVEPOINT, so a slot taken a moment earlier by someone else costs only that savepoint, and
the caller's transaction (the conversation's state, its messages) goes on.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff.indicators import record_move
from handoff.slots import GRID, Slot, free_slots, on_grid
from handoff.territory import Territory
from storage.handoff import TRIGGERS, Appointment, AppointmentUnit, Handoff
from storage.models import Conversation, utcnow

CANCELLED = ("excused", "cancelled")
OUTCOMES = ("seen", "noshow")
# Booked appointments still to come, per person, across their conversations: someone who
# scripts bookings cannot take every slot of a week (issue 13).
MAX_OPEN_BOOKINGS = 2


class TooManyBookings(Exception):
    """The person already holds `count` appointments still to come: the slot is not booked."""

    def __init__(self, count: int):
        super().__init__(f"{count} appointments already booked")
        self.count = count


# open_handoff's `existing` when the caller has not read the open hand-off.
NOT_READ = object()


def open_handoff(
    session: Session, *, conversation_id: int, trigger: str, reason_id: str, urgent: bool = False,
    territory_id: str | None = None, existing: Handoff | None | object = NOT_READ,
) -> Handoff:
    """The conversation's open hand-off, created if there is none.

    An urgent trigger makes (and keeps) the hand-off urgent, and its reason then wins.
    `existing`: the open hand-off (or None) if the caller has just read it in this
    transaction, so as not to read it twice.
    """
    if trigger not in TRIGGERS:
        raise ValueError(f"unknown hand-off trigger {trigger!r}")
    urgent = urgent or trigger == "urgent"
    handoff = _open_for(session, conversation_id) if existing is NOT_READ else existing
    if handoff is None:
        _write_lock_on_sqlite(session)
        try:
            with session.begin_nested():
                handoff = Handoff(conversation_id=conversation_id, trigger=trigger,
                                  reason_id=reason_id, urgent=urgent, status="open",
                                  territory_id=territory_id)
                session.add(handoff)
        except IntegrityError:
            # Another message of the same conversation opened it first.
            handoff = _open_for(session, conversation_id)
            if handoff is None:
                raise
    if urgent and not handoff.urgent:
        handoff.urgent = True
        handoff.trigger = "urgent"
        handoff.reason_id = reason_id
    return handoff


def close_handoff(session: Session, *, handoff_id: int, now: datetime | None = None) -> Handoff:
    handoff = _get(session, Handoff, handoff_id)
    if handoff.status != "closed":
        handoff.status = "closed"
        handoff.held_by_referent = False
        handoff.closed_at = now or utcnow()
    return handoff


def take_over(session: Session, *, handoff_id: int, referent_id: str) -> Handoff:
    """A referent holds the conversation: the bot stays silent until `give_back`."""
    handoff = _get(session, Handoff, handoff_id)
    handoff.held_by_referent = True
    handoff.referent_id = referent_id
    return handoff


def give_back(session: Session, *, handoff_id: int) -> Handoff:
    handoff = _get(session, Handoff, handoff_id)
    handoff.held_by_referent = False
    return handoff


def book(
    session: Session,
    *,
    handoff_id: int,
    slot: Slot,
    now: datetime | None = None,
    territory: Territory | None = None,
    max_open: int = MAX_OPEN_BOOKINGS,
) -> Appointment | None:
    """Book the slot for the hand-off, or None if it was just taken (no double booking).

    Raises TooManyBookings when the person already holds `max_open` appointments still to
    come (in any of their conversations); nothing is booked then.

    With `territory`, a slot that is no longer offered (an absence added since, the notice
    now too short) also gives None. Booking the slot the hand-off already holds returns
    that appointment (a repeated « 1 »); booking another while one is held is a mistake:
    use `reschedule`.
    """
    now = now or utcnow()
    _check_slot(slot, now)
    _write_lock_on_sqlite(session)
    handoff = _get(session, Handoff, handoff_id)
    held = handoff.booked
    if held is not None:
        if _same(held, slot):
            return held
        raise ValueError(f"hand-off {handoff_id} already has appointment {held.id}: reschedule it")
    held_elsewhere = open_bookings(session, person_id=handoff.conversation.person_id, now=now)
    if held_elsewhere >= max_open:
        raise TooManyBookings(held_elsewhere)
    if territory is not None and slot not in free_slots(
        session, territory, slot.reason_id, now, place_id=slot.place_id
    ):
        return None
    try:
        # Built inside the savepoint: the flush that opens it must not already insert them.
        with session.begin_nested():
            appointment = Appointment(
                handoff_id=handoff.id, referent_id=slot.referent_id, place_id=slot.place_id,
                reason_id=slot.reason_id, starts_at=slot.start, ends_at=slot.end,
                status="booked",
            )
            moment = slot.start
            while moment < slot.end:
                appointment.units.append(
                    AppointmentUnit(referent_id=slot.referent_id, starts_at=moment))
                moment += GRID
            session.add(appointment)
    except IntegrityError:
        # The referent's time is taken, perhaps by this very hand-off from a repeated request.
        session.refresh(handoff, ["appointments"])
        held = handoff.booked
        return held if held is not None and _same(held, slot) else None
    session.expire(handoff, ["appointments"])
    if handoff.referent_id is None:
        handoff.referent_id = slot.referent_id
    return appointment


def open_bookings(session: Session, *, person_id: int, now: datetime | None = None) -> int:
    """How many booked appointments still to come the person holds, all conversations."""
    return session.scalar(
        select(func.count(Appointment.id))
        .join(Handoff, Appointment.handoff_id == Handoff.id)
        .join(Conversation, Handoff.conversation_id == Conversation.id)
        .where(Conversation.person_id == person_id, Appointment.status == "booked",
               Appointment.starts_at > (now or utcnow()))
    ) or 0


def cancel(session: Session, *, appointment_id: int, status: str = "excused") -> Appointment:
    """Cancel (`excused`: by the person; `cancelled`: by the service) and free the time."""
    if status not in CANCELLED:
        raise ValueError(f"cancel status must be one of {CANCELLED}, not {status!r}")
    appointment = _get(session, Appointment, appointment_id)
    if appointment.status == "booked":
        appointment.status = status
        appointment.updated_at = utcnow()
        appointment.units.clear()
        session.flush()
    return appointment


def reschedule(
    session: Session,
    *,
    appointment_id: int,
    slot: Slot,
    now: datetime | None = None,
    territory: Territory | None = None,
) -> Appointment | None:
    """Move a booked appointment to `slot`: the new appointment, or None if the slot was
    just taken, in which case the old appointment stays booked."""
    _write_lock_on_sqlite(session)
    old = _get(session, Appointment, appointment_id)
    if old.status != "booked":
        raise ValueError(f"appointment {appointment_id} is {old.status}, not booked")
    if _same(old, slot):
        return old
    _check_slot(slot, now or utcnow())
    savepoint = session.begin_nested()
    try:
        cancel(session, appointment_id=appointment_id, status="excused")
        new = book(session, handoff_id=old.handoff_id, slot=slot, now=now,
                   territory=territory)
    except BaseException:
        savepoint.rollback()
        raise
    if new is None:
        savepoint.rollback()  # the old appointment and its time come back
        return None
    savepoint.commit()
    # The conversation counts a booking for the new slot too: the move is written so the
    # figures count one appointment, not two (handoff/indicators.py).
    record_move(session, new, now or utcnow())
    return new


def record_outcome(session: Session, *, appointment_id: int, status: str) -> Appointment:
    """The referent records whether the person came (`seen`) or not (`noshow`)."""
    if status not in OUTCOMES:
        raise ValueError(f"outcome must be one of {OUTCOMES}, not {status!r}")
    appointment = _get(session, Appointment, appointment_id)
    if appointment.status in CANCELLED:
        raise ValueError(f"appointment {appointment_id} was cancelled")
    appointment.status = status
    appointment.updated_at = utcnow()
    return appointment


def reopen(session: Session, *, appointment_id: int) -> Appointment:
    """Undo « seen » or « absent » marked by mistake: back to booked (its time was never
    freed, so nothing else to restore)."""
    appointment = _get(session, Appointment, appointment_id)
    if appointment.status not in OUTCOMES:
        raise ValueError(f"appointment {appointment_id} is {appointment.status}, not marked")
    appointment.status = "booked"
    appointment.updated_at = utcnow()
    return appointment


def _open_for(session: Session, conversation_id: int) -> Handoff | None:
    return session.scalars(
        select(Handoff).where(Handoff.conversation_id == conversation_id,
                              Handoff.status == "open")
    ).first()


def _get(session: Session, model, ident: int):
    obj = session.get(model, ident)
    if obj is None:
        raise LookupError(f"no {model.__name__.lower()} {ident}")
    return obj


def _same(appointment: Appointment, slot: Slot) -> bool:
    return (appointment.referent_id, appointment.starts_at, appointment.ends_at,
            appointment.place_id) == (slot.referent_id, slot.start, slot.end, slot.place_id)


def _check_slot(slot: Slot, now: datetime) -> None:
    for moment in (slot.start, slot.end):
        if moment.tzinfo is None or not on_grid(moment):
            raise ValueError(f"slot times must be aware and on the {GRID} grid: {slot}")
    if slot.end <= slot.start:
        raise ValueError(f"slot ends before it starts: {slot}")
    if slot.start <= now:
        raise ValueError(f"slot has already started: {slot}")


def _write_lock_on_sqlite(session: Session) -> None:
    """On SQLite, take the write lock before reading what the booking depends on.

    Python's sqlite3 opens a transaction only at the first write, so a SAVEPOINT issued
    first would be the outermost transaction and its RELEASE would commit behind the
    caller's back; and a read-then-write transaction can fail with "database is locked"
    instead of waiting. BEGIN IMMEDIATE waits (busy_timeout) for the lock, then both hold.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    dbapi = connection.connection.dbapi_connection
    if not dbapi.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
