"""Invitation campaigns (« aller vers »): households a partner sent us, the invitation they
get by SMS, and the control group that gets nothing.

A household row is the link between a campaign and an address key (the same HMAC of
(channel, number) as `ChannelAddress.key`), so a reply, a STOP or a check done later is
found without storing anything in the dialogue's tables. The number in clear is kept only
while it is needed (sending, then the evaluation): `erase_after` on the campaign is the day
the retention purge blanks `phone` and `address_key` of every household, control group
included. What the evaluation measured stays as flags (replied, check_completed…), which
name nobody once the identity is gone.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.types import Base, UTCDateTime, sql_in, utcnow

CAMPAIGN_STATUSES = ("draft", "scheduled", "finished")
GROUPS = ("invited", "control")
MESSAGE_KINDS = ("invitation", "reminder")


class Campaign(Base):
    __tablename__ = "campaign"
    __table_args__ = (CheckConstraint(sql_in("status", CAMPAIGN_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(12), default="draft")
    invitation: Mapped[str] = mapped_column(Text, default="")
    reminder: Mapped[str] = mapped_column(Text, default="")
    # Share of the households drawn into the control group, in percent, and the seed of
    # the draw: recorded so the evaluation can show how the groups were made.
    control_percent: Mapped[int] = mapped_column(Integer, default=0)
    seed: Mapped[int] = mapped_column(Integer)
    # Invitations queued per hour at most (carriers block bursts; referents need time).
    per_hour: Mapped[int] = mapped_column(Integer, default=200)
    send_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The evaluation runs until this day; then identities are erased by the retention purge.
    evaluation_until: Mapped[date] = mapped_column(Date)
    identities_erased: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(120))
    # The territory inviting (its name in the message, its hours; NULL: the first one).
    territory_id: Mapped[str | None] = mapped_column(String(40), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    households: Mapped[list[CampaignHousehold]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", passive_deletes=True,
        order_by="CampaignHousehold.id")


class CampaignHousehold(Base):
    __tablename__ = "campaign_household"
    __table_args__ = (
        CheckConstraint(sql_in("grp", GROUPS), name="grp"),
        Index("ix_campaign_household_address_key", "address_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    grp: Mapped[str] = mapped_column(String(10))  # invited or control
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164, blanked at erase_after
    address_key: Mapped[str | None] = mapped_column(String(64))
    moment: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str | None] = mapped_column(String(80))
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A number that failed for good (refused by Twilio, undelivered): never tried again.
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the evaluation measures, set once and never unset, so erasing the person (on
    # request or at the end of the retention period) does not change the figures.
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    check_completed: Mapped[bool] = mapped_column(Boolean, default=False)
    rights_found: Mapped[bool] = mapped_column(Boolean, default=False)
    appointment: Mapped[bool] = mapped_column(Boolean, default=False)
    claim_filed: Mapped[bool] = mapped_column(Boolean, default=False)
    right_opened: Mapped[bool] = mapped_column(Boolean, default=False)

    campaign: Mapped[Campaign] = relationship(back_populates="households")


class CampaignMessage(Base):
    """Which outbox row carried which household's invitation or reminder: the delivery
    reports (Twilio status callbacks land on the outbox row) are read through it. No
    foreign key to the outbox: its rows are purged on their own schedule."""

    __tablename__ = "campaign_message"
    __table_args__ = (CheckConstraint(sql_in("kind", MESSAGE_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("campaign_household.id", ondelete="CASCADE"), index=True)
    outbox_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(12))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
