"""Sends the campaigns' invitations and reminders through the outbox.

Who and when are handoff.campaigns' decisions; this module turns them into outbox rows,
so opt-outs (refused at claim time), retries and delivery reports apply as for any
message. Each pass: reads the delivery reports back onto the households (a number that
failed for good is never tried again), then, inside the allowed hours only, queues
invitations and the one reminder, at most `per_hour` messages per campaign per hour.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import outbox
from bot.dialogue.types import Reply
from bot.render import render
from common.periodic import PeriodicTask
from handoff import campaigns
from handoff.territory import Territories, Territory
from storage.campaigns import Campaign, CampaignHousehold, CampaignMessage
from storage.db import Database
from storage.models import ChannelAddress, OutboxMessage

FAILED = ("failed", "undelivered")
DELIVERY_STATUSES = ("pending", "sending", "sent", "delivered", "undelivered", "failed",
                     "refused", "cancelled")


@dataclass
class PassReport:
    invitations: int = 0
    reminders: int = 0
    failed: int = 0
    outside_hours: bool = False


def sms_parts(text: str) -> int:
    """How many SMS the text costs, as the outbox will cut it."""
    return len(render("sms", [Reply(text)])) if text.strip() else 0


def sync_deliveries(session: Session, campaign: Campaign, now: datetime) -> int:
    """Marks households whose message failed for good, or was refused after a STOP."""
    rows = session.execute(
        select(CampaignHousehold, OutboxMessage.status)
        .join(CampaignMessage, CampaignMessage.household_id == CampaignHousehold.id)
        .join(OutboxMessage, OutboxMessage.id == CampaignMessage.outbox_id)
        .where(CampaignHousehold.campaign_id == campaign.id,
               OutboxMessage.status.in_(FAILED + ("refused",)))).all()
    failed = 0
    for household, status in rows:
        if status in FAILED and household.failed_at is None:
            household.failed_at = now
            failed += 1
        elif status == "refused" and household.opted_out_at is None:
            household.opted_out_at = now
    return failed


def _queue(session: Session, household: CampaignHousehold, text: str, kind: str,
           now: datetime, sender: str | None = None) -> None:
    rows = outbox.enqueue(session, channel="sms", recipient=household.phone,
                          address_key=household.address_key, replies=[Reply(text)], now=now,
                          sender=sender, in_hours=True)
    for row in rows:
        session.add(CampaignMessage(household_id=household.id, outbox_id=row.id, kind=kind,
                                    queued_at=now))


def _opted_out(session: Session, key: str | None) -> bool:
    return bool(key) and bool(session.scalars(select(ChannelAddress.opted_out).where(
        ChannelAddress.key == key)).first())


def send_pass(session: Session, campaign: Campaign, territory: Territory, *,
              now: datetime) -> PassReport:
    report = PassReport(failed=sync_deliveries(session, campaign, now))
    if campaign.status != "scheduled" or campaign.identities_erased:
        return report
    if campaign.send_after is None or campaign.send_after > now:
        return report
    if not campaigns.allowed_at(now, territory):
        report.outside_hours = True
        return report
    sent_last_hour = session.scalar(
        select(func.count(func.distinct(CampaignMessage.household_id)))
        .join(CampaignHousehold).where(CampaignHousehold.campaign_id == campaign.id,
                                       CampaignMessage.queued_at > now - timedelta(hours=1)))
    budget = max(campaign.per_hour - (sent_last_hour or 0), 0)
    reachable = [h for h in campaign.households
                 if h.grp == "invited" and h.phone and h.failed_at is None
                 and h.opted_out_at is None]
    for household in reachable:
        if budget <= 0:
            break
        if household.invited_at is None:
            kind, text = "invitation", campaign.invitation
        elif (household.reminded_at is None and household.replied_at is None
              and household.invited_at <= now - campaigns.REMINDER_AFTER and campaign.reminder):
            kind, text = "reminder", campaign.reminder
        else:
            continue
        if _opted_out(session, household.address_key):
            household.opted_out_at = now  # STOP sent earlier, elsewhere: nothing to queue
            continue
        # From the territory's own number: the household's answer is routed back to it.
        _queue(session, household, text, kind, now, territory.own_number)
        if kind == "invitation":
            household.invited_at = now
            report.invitations += 1
        else:
            household.reminded_at = now
            report.reminders += 1
        budget -= 1
    return report


def run_once(db: Database, territories: Territory | Territories, *,
             now: datetime) -> PassReport:
    """One pass over every campaign: deliveries read back, evaluation, then sending, each
    campaign in its own territory's hours."""
    territories = Territories.coerce(territories)
    total = PassReport()
    with db.session() as session:
        campaigns.evaluate(session, now=now)
        for campaign in session.scalars(select(Campaign).where(
                Campaign.status == "scheduled").order_by(Campaign.id)):
            territory = territories.of_row(campaign.territory_id)
            if territory is None:
                continue  # its territory is no longer served: nothing is sent in its name
            report = send_pass(session, campaign, territory, now=now)
            total.invitations += report.invitations
            total.reminders += report.reminders
            total.failed += report.failed
            total.outside_hours = total.outside_hours or report.outside_hours
    return total


def delivery(session: Session, campaign_id: int) -> dict[str, Counter]:
    """Per kind (invitation, reminder), how many SMS parts are in each outbox status."""
    rows = session.execute(
        select(CampaignMessage.kind, OutboxMessage.status, func.count())
        .join(CampaignHousehold, CampaignHousehold.id == CampaignMessage.household_id)
        .join(OutboxMessage, OutboxMessage.id == CampaignMessage.outbox_id)
        .where(CampaignHousehold.campaign_id == campaign_id)
        .group_by(CampaignMessage.kind, OutboxMessage.status)).all()
    out: dict[str, Counter] = {"invitation": Counter(), "reminder": Counter()}
    for kind, status, n in rows:
        out[kind][status] += n
    return out


class CampaignLoop(PeriodicTask):
    """Runs `run_once` every minute, off the event loop."""

    def __init__(self, db: Database, territories: Territory | Territories, *,
                 interval: float = 60.0, clock: Callable[[], datetime] | None = None):
        clock = clock or (lambda: datetime.now(UTC))
        super().__init__("campaigns", lambda: run_once(db, territories, now=clock()),
                         interval=interval)
