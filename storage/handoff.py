"""Hand-off records: a conversation handed to a human, and the appointments booked for it.

Slots are computed from the territory file (handoff/slots.py), never stored; a booking is a
row. The eligibility answers and results reach the referent through the conversation.

Why the database itself refuses double bookings, overlaps included: every slot starts on a
15-minute grid (GRID_MINUTES) and lasts a whole number of grid steps, and a booked
appointment writes one `AppointmentUnit` row per step it occupies, keyed unique on
(referent_id, starts_at). Two appointments of one referent overlap exactly when they share a
step, so whichever transaction commits second violates the unique key, whatever the
durations, on SQLite as on PostgreSQL with any number of workers. Cancelling deletes the
units (the appointment row stays, for the record). The partial unique index on the
appointment itself (one booked start per referent) is a second, cheaper guard.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models import Conversation
from storage.types import Base, UTCDateTime, utcnow
from storage.types import sql_in as _in

TRIGGERS = ("asked", "accompanied_claim", "not_understood", "urgent")
HANDOFF_STATUSES = ("open", "closed")
# excused: cancelled by the person beforehand; cancelled: by the service.
APPOINTMENT_STATUSES = ("booked", "excused", "seen", "noshow", "cancelled")
# Statuses whose time the referent really spent (or will spend): they keep their units.
OCCUPYING = ("booked", "seen", "noshow")


class Handoff(Base):
    """A conversation handed to a human: why, how urgent, and whether a referent holds it."""

    __tablename__ = "handoff"
    __table_args__ = (
        CheckConstraint(_in("trigger", TRIGGERS), name="trigger"),
        CheckConstraint(_in("status", HANDOFF_STATUSES), name="status"),
        # One open hand-off per conversation, even when two messages race.
        Index(
            "uq_handoff_open_conversation",
            "conversation_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE"), index=True
    )
    reason_id: Mapped[str] = mapped_column(String(40))
    trigger: Mapped[str] = mapped_column(String(20))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default="open")
    # A referent took the conversation over: the bot stays silent until it is given back.
    held_by_referent: Mapped[bool] = mapped_column(Boolean, default=False)
    # Whose referents see it, and whose places its appointments are at (NULL: a row from
    # before territories, the first territory's).
    territory_id: Mapped[str | None] = mapped_column(String(40), index=True)
    referent_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A reminder or a referent's reply to the resident was not delivered: back at the top of
    # the queue (« message non distribué ») until a referent opens it.
    delivery_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Past the territory's budget of hand-offs from unverified web identities: waits for a
    # referent's look before any slot is held for it (issue 27 item 2).
    awaiting_review: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # When the referents on duty (or the on-call contact) were alerted of it (bot/alerts.py).
    alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    conversation: Mapped[Conversation] = relationship()
    appointments: Mapped[list[Appointment]] = relationship(
        back_populates="handoff",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Appointment.id",
    )

    @property
    def booked(self) -> Appointment | None:
        """The appointment still to come, if any."""
        return next((a for a in self.appointments if a.status == "booked"), None)


class Appointment(Base):
    __tablename__ = "appointment"
    __table_args__ = (
        CheckConstraint(_in("status", APPOINTMENT_STATUSES), name="status"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index(
            "uq_appointment_booked_referent_start",
            "referent_id",
            "starts_at",
            unique=True,
            sqlite_where=text("status = 'booked'"),
            postgresql_where=text("status = 'booked'"),
        ),
        Index("ix_appointment_status_starts_at", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(
        ForeignKey("handoff.id", ondelete="CASCADE"), index=True
    )
    referent_id: Mapped[str] = mapped_column(String(40))
    place_id: Mapped[str] = mapped_column(String(40))
    reason_id: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="booked")
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    handoff: Mapped[Handoff] = relationship(back_populates="appointments")
    units: Mapped[list[AppointmentUnit]] = relationship(
        back_populates="appointment", cascade="all, delete-orphan", passive_deletes=True
    )


class AppointmentUnit(Base):
    """One grid step of a referent's time taken by an appointment (see the module docstring)."""

    __tablename__ = "appointment_unit"
    __table_args__ = (
        UniqueConstraint("referent_id", "starts_at", name="uq_appointment_unit_referent_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(
        ForeignKey("appointment.id", ondelete="CASCADE"), index=True
    )
    referent_id: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)

    appointment: Mapped[Appointment] = relationship(back_populates="units")
