"""Referent accounts of the console, their sessions and login attempts (the logic lives in
handoff/accounts.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.types import Base, UTCDateTime, utcnow

# "referent": the hand-offs and the agenda; "projet": the project team's figures, nothing
# else; "admin": everything; all three within the account's territory. "national": every
# territory's figures side by side, and nothing else. "ambassadeur": the field page only
# (checks started in the street), never the hand-offs nor the figures.
ROLES = ("referent", "projet", "ambassadeur", "admin", "national")
CASEWORK_ROLES = ("referent", "admin")
FIGURES_ROLES = ("projet", "admin")
NATIONAL_ROLES = ("national", "admin")
FIELD_ROLES = ("ambassadeur", "admin")
DEFAULT_ROLES = ["referent"]


class ReferentAccount(Base):
    __tablename__ = "referent_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(120), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # The referent of the territory file this account acts as (agenda, « mine »).
    referent_id: Mapped[str] = mapped_column(String(40))
    # The territory whose hand-offs and figures the account sees (NULL: the first one).
    territory_id: Mapped[str | None] = mapped_column(String(40), index=True)
    roles: Mapped[list[Any]] = mapped_column(default=lambda: list(DEFAULT_ROLES))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def has_role(self, role: str) -> bool:
        return role in (self.roles or [])


class LoginAttempt(Base):
    """One try at the login form; only failures are counted, successes clear nothing."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_login_at", "login", "attempted_at"),
        Index("ix_login_attempt_ip_at", "ip", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(120))
    ip: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConsoleSession(Base):
    __tablename__ = "console_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("referent_account.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[ReferentAccount] = relationship()


class ConsoleAudit(Base):
    """Who viewed or changed which conversation in the console, and when.

    Ids only, no name and no text, and no foreign keys: the trail outlives the erasure of
    the person and the removal of the account, which is when it is asked for.
    """

    __tablename__ = "console_audit"
    __table_args__ = (Index("ix_console_audit_conversation_at", "conversation_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    login: Mapped[str] = mapped_column(String(120))
    referent_id: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(20))  # view, reply, take, note, outcome...
    handoff_id: Mapped[int | None] = mapped_column(Integer)
    conversation_id: Mapped[int | None] = mapped_column(Integer)
