"""Checks started in the street by an « ambassadeur des droits » (the field mode).

A field check links an ambassador and a place to the resident's own SMS conversation: the
conversation is the one the resident continues on their phone, not a copy. The row keeps
how the resident's consent was given (answering OUI by SMS, or the notice read aloud by
the ambassador), when and by whom. Erasing the resident sets `conversation_id` to NULL:
what the indicators count (started, completed, a right found, an appointment) stays as
flags, set once and never unset, which name nobody once the link is gone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.types import Base, UTCDateTime, sql_in, utcnow

# sms: the resident answered OUI to the one-time SMS; read_aloud: the ambassador read the
# notice and ticked it; earlier: only on checks started before a check always had a
# conversation of its own (bot/fieldwork.py), when it reused the number's.
CONSENT_METHODS = ("sms", "read_aloud", "earlier")


class FieldCheck(Base):
    __tablename__ = "field_check"
    __table_args__ = (CheckConstraint(
        "consent_method IS NULL OR " + sql_in("consent_method", CONSENT_METHODS),
        name="consent_method"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ambassador: Mapped[str] = mapped_column(String(120), index=True)  # the console login
    place: Mapped[str] = mapped_column(String(80))
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversation.id", ondelete="SET NULL"), index=True)
    consent_method: Mapped[str | None] = mapped_column(String(12))
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_by: Mapped[str | None] = mapped_column(String(120))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    rights_found: Mapped[bool] = mapped_column(Boolean, default=False)
    appointment: Mapped[bool] = mapped_column(Boolean, default=False)
