"""Erasing personal data at the end of the retention period.

A person's data (addresses, consents, conversations, answers, results, transcript,
hand-offs, appointments, notes, outcomes) hangs off `Person` with ON DELETE CASCADE, so
erasing one is one DELETE, as « SUPPRIMER » does. `purge` erases everyone whose last
message is older than RETENTION_MONTHS, with their received messages still stored
(`InboundMessage`, by address key), plus what the outbox and the inbound store still hold of
that time (bodies of messages never delivered, messages given up), and, whatever the
retention, web messages the page never collected within STALE_OUTBOX and the numbers of
the households of campaigns whose evaluation is over, control group included
(handoff/campaigns.py), and the console audit past AUDIT_RETENTION_MONTHS; then SQLite's
write-ahead log is checkpointed so the erased rows do not linger there. The anonymous
`FunnelEvent` rows stay: the take-up figures do not change (handoff/indicators.py). The app
runs it once a day (`PurgeLoop`); `python -m handoff purge` runs it by hand.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, select

from common.periodic import PeriodicTask
from handoff import campaigns, fieldwork
from storage import erasure
from storage.accounts import ConsoleAudit
from storage.db import Database
from storage.models import (
    ChannelAddress,
    InboundMessage,
    OutboxMessage,
    Person,
    ProcessedInbound,
)

log = logging.getLogger(__name__)
DAY = 24 * 3600.0
# An outbox row still being worked on is the dispatcher's; everything else is history.
OUTBOX_ACTIVE = ("pending", "sending")
# A web message still uncollected after this long is not going to be read: the page was
# closed for good.
STALE_OUTBOX = timedelta(days=7)
# The default of AUDIT_RETENTION_MONTHS (common/settings.py).
AUDIT_RETENTION_MONTHS = 12


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (31 March - 1 -> 28/29 Feb)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    last_day = (following - date(year, month, 1)).days
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def purge(db: Database, *, now: datetime, months: int,
          audit_months: int = AUDIT_RETENTION_MONTHS) -> int:
    """Erases the people silent for more than `months` months; returns how many.

    `months` <= 0 keeps everything about people (retention switched off); the console
    audit older than `audit_months` goes whatever `months` says.
    """
    _drop_stale_outbox(db, now)
    _drop_old_audit(db, now, audit_months)
    with db.session() as session:
        # Campaigns first, whatever the retention: what their households did is read before
        # anyone is erased, and the numbers of the campaigns whose evaluation is over
        # (control group included) go on the day the campaign said.
        campaigns.evaluate(session, now=now)
        campaigns.erase_expired(session, today=now.date())
        # The same for the ambassadors' checks: their flags outlive the people erased below.
        fieldwork.evaluate(session)
    if months <= 0:
        return 0
    cutoff = months_before(now, months)
    with db.session() as session:
        ids = list(session.scalars(select(Person.id).where(Person.last_message_at < cutoff)))
        for start in range(0, len(ids), 500):  # one DELETE per batch; the database cascades
            batch = ids[start:start + 500]
            # Stored received messages are keyed by address, not tied to Person: by key.
            erasure.forget_inbound(session, session.scalars(
                select(ChannelAddress.key).where(ChannelAddress.person_id.in_(batch))))
            session.execute(delete(Person).where(Person.id.in_(batch)))
        # Whoever they were from: a message stored that long ago was given up (only its
        # address key and error left) or is stuck; either way it is history.
        session.execute(delete(InboundMessage).where(InboundMessage.received_at < cutoff))
        session.execute(delete(OutboxMessage).where(
            OutboxMessage.created_at < cutoff, OutboxMessage.status.not_in(OUTBOX_ACTIVE)))
        session.execute(delete(ProcessedInbound).where(ProcessedInbound.received_at < cutoff))
    if ids:
        erasure.checkpoint(db)
        log.info("retention: erased %d people silent since before %s", len(ids),
                 cutoff.date().isoformat())
    return len(ids)


def _drop_stale_outbox(db: Database, now: datetime) -> int:
    """Deletes web messages still pending after STALE_OUTBOX: the page never came to collect
    them and nothing else removes them (their texts would stay forever). Other channels'
    pending rows belong to the dispatcher, which gives up on them after its retries."""
    with db.session() as session:
        dropped = session.execute(delete(OutboxMessage).where(
            OutboxMessage.channel == "web", OutboxMessage.status == "pending",
            OutboxMessage.created_at < now - STALE_OUTBOX)).rowcount or 0
    if dropped:
        log.info("retention: dropped %d web message(s) never collected in %d days",
                 dropped, STALE_OUTBOX.days)
    return dropped


def _drop_old_audit(db: Database, now: datetime, months: int) -> int:
    """Deletes the console audit rows older than `months` months (AUDIT_RETENTION_MONTHS)."""
    if months <= 0:
        return 0
    with db.session() as session:
        dropped = session.execute(delete(ConsoleAudit).where(
            ConsoleAudit.at < months_before(now, months))).rowcount or 0
    if dropped:
        log.info("retention: dropped %d console audit row(s) older than %d months",
                 dropped, months)
    return dropped


class PurgeLoop(PeriodicTask):
    """Runs `purge` at start and then every day, off the event loop.

    Several application processes may each run it: the DELETEs are idempotent.
    """

    def __init__(self, db: Database, *, months: int, interval: float = DAY,
                 clock: Callable[[], datetime] | None = None,
                 audit_months: int = AUDIT_RETENTION_MONTHS):
        self.months = months
        clock = clock or (lambda: datetime.now(UTC))
        super().__init__("retention", lambda: purge(db, now=clock(), months=months,
                                                    audit_months=audit_months),
                         interval=interval)

    @property
    def enabled(self) -> bool:
        return self.months > 0
