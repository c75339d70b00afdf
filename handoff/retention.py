"""Erasing personal data at the end of the retention period.

A person's data (addresses, consents, conversations, answers, results, transcript,
hand-offs, appointments, notes, outcomes) hangs off `Person` with ON DELETE CASCADE, so
erasing one is one DELETE, as « SUPPRIMER » does. `purge` erases everyone whose last
message is older than RETENTION_MONTHS, plus what the outbox still holds of that time
(bodies of messages never delivered), and, whatever the retention, web messages the page
never collected within STALE_OUTBOX and the numbers of the households of campaigns whose
evaluation is over, control group included (handoff/campaigns.py); then SQLite's
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
from storage.db import Database
from storage.models import OutboxMessage, Person, ProcessedInbound

log = logging.getLogger(__name__)
DAY = 24 * 3600.0
# An outbox row still being worked on is the dispatcher's; everything else is history.
OUTBOX_ACTIVE = ("pending", "sending")
# A web message still uncollected after this long is not going to be read: the page was
# closed for good.
STALE_OUTBOX = timedelta(days=7)


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (31 March - 1 -> 28/29 Feb)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    last_day = (following - date(year, month, 1)).days
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def purge(db: Database, *, now: datetime, months: int) -> int:
    """Erases the people silent for more than `months` months; returns how many.

    `months` <= 0 keeps everything (retention switched off).
    """
    _drop_stale_outbox(db, now)
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
            session.execute(delete(Person).where(Person.id.in_(ids[start:start + 500])))
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


class PurgeLoop(PeriodicTask):
    """Runs `purge` at start and then every day, off the event loop.

    Several application processes may each run it: the DELETEs are idempotent.
    """

    def __init__(self, db: Database, *, months: int, interval: float = DAY,
                 clock: Callable[[], datetime] | None = None):
        self.months = months
        clock = clock or (lambda: datetime.now(UTC))
        super().__init__("retention", lambda: purge(db, now=clock(), months=months),
                         interval=interval)

    @property
    def enabled(self) -> bool:
        return self.months > 0
