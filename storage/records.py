"""What referents write down in the console: absences, private notes, and the outcome of
each right found (the take-up figures the territory reports).

Notes and outcomes hang off the conversation or the hand-off with ON DELETE CASCADE, so
erasing a person erases them too; the anonymous counterpart of an outcome is a FunnelEvent
(handoff/indicators.py), which survives erasure.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.types import Base, UTCDateTime, sql_in, utcnow

# claim_filed: the claim is made; opened: the right is paid; refused: the fund said no;
# not_pursued: the person or the referent dropped it.
OUTCOME_STATUSES = ("claim_filed", "opened", "refused", "not_pursued")


class ReferentAbsence(Base):
    """Whole days a referent is away, added in the console (the territory file has others)."""

    __tablename__ = "referent_absence"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        Index("ix_referent_absence_referent_days", "referent_id", "starts_on", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referent_id: Mapped[str] = mapped_column(String(40))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)  # inclusive
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReferentNote(Base):
    """A private note on a conversation: read by referents, never sent to the person."""

    __tablename__ = "referent_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE"), index=True
    )
    referent_id: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Outcome(Base):
    """Where a right found for a handed-off person stands, with the date it got there.

    One row per (hand-off, benefit, status): a claim filed on the 3rd and opened on the 20th
    keeps both dates; recording the same status again moves its date.
    """

    __tablename__ = "outcome"
    __table_args__ = (
        CheckConstraint(sql_in("status", OUTCOME_STATUSES), name="status"),
        UniqueConstraint("handoff_id", "benefit_id", "status", name="uq_outcome_handoff_benefit_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoff.id", ondelete="CASCADE"), index=True)
    benefit_id: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20))
    happened_on: Mapped[date] = mapped_column(Date)
    referent_id: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReferentMessage(Base):
    """Marks an outgoing transcript message as written by a referent, not by the bot."""

    __tablename__ = "referent_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("message.id", ondelete="CASCADE"), unique=True
    )
    referent_id: Mapped[str] = mapped_column(String(40))
