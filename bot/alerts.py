"""Referents alerted of a new hand-off: an urgent one always, any new one if the territory
says so (`alerts.every_handoff`). Otherwise an urgent hand-off waits until someone looks at
the console.

An SMS through the outbox to each referent on duty who gave an `alert_phone` (inside their
availability, not absent, not a public holiday), else to the territory's on-call number if
it names one. The alert holds the request number and a link to the console, never the
resident's words nor their number. A hand-off is claimed (`alerted_at`) by a conditional
UPDATE before its alerts are queued: with several workers, one alert per hand-off. Hand-offs
waiting for review (unconfirmed web identities past their budget) are not announced.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, true, update

from bot import outbox
from bot.dialogue.types import Reply
from common.periodic import PeriodicTask
from handoff.territory import Territories, Territory
from storage.db import Database
from storage.handoff import Handoff

# A pass every 20 seconds: an urgent hand-off is announced within the minute.
INTERVAL = 20.0
# Older hand-offs are not announced (the first pass after a deployment, a loop stopped for a
# day): an alert about yesterday's emergency would mislead more than help.
RECENT = timedelta(hours=1)


def recipients(territory: Territory, now: datetime) -> list[str]:
    """The alert numbers of the referents on duty now, else the on-call number."""
    local = now.astimezone(territory.timezone)
    if not territory.is_holiday(local.date()):
        on_duty = sorted(
            {r.alert_phone for r in territory.referents.values() if r.alert_phone and r.on_duty(local)}
        )
        if on_duty:
            return on_duty
    return [territory.on_call_phone] if territory.on_call_phone else []


def _key(number: str) -> str:
    """An outbox address key of its own for a referent's alert number: not a resident's."""
    return hashlib.sha256(f"alert:{number}".encode()).hexdigest()


def send_alerts(
    db: Database, territories: Territory | Territories, *, now: datetime, console_url: str
) -> int:
    """Queues the alerts of hand-offs not announced yet; returns how many hand-offs."""
    territories = Territories.coerce(territories)
    announced = 0
    with db.session() as session:
        for territory in territories:
            kinds = true() if territory.alert_every_handoff else Handoff.urgent.is_(True)
            due = session.scalars(
                select(Handoff)
                .where(
                    Handoff.status == "open",
                    Handoff.alerted_at.is_(None),
                    Handoff.awaiting_review.is_(False),
                    kinds,
                    Handoff.created_at > now - RECENT,
                    territories.where(Handoff.territory_id, territory.id),
                )
                .order_by(Handoff.id)
            ).all()
            for handoff in due:
                claimed = session.execute(
                    update(Handoff)
                    .where(Handoff.id == handoff.id, Handoff.alerted_at.is_(None))
                    .values(alerted_at=now)
                    .execution_options(synchronize_session=False)
                )
                if claimed.rowcount != 1:
                    continue  # another worker announced it
                what = "urgente" if handoff.urgent else "nouvelle"
                text = (
                    f"Passerelle : demande {what} n°{handoff.id} ({territory.name}). "
                    f"{console_url}/console/handoffs/{handoff.id}"
                )
                for number in recipients(territory, now):
                    outbox.enqueue(
                        session,
                        channel="sms",
                        recipient=number,
                        address_key=_key(number),
                        replies=[Reply(text)],
                        now=now,
                        sender=territory.own_number,
                    )
                announced += 1
    return announced


class AlertLoop(PeriodicTask):
    """Announces new hand-offs every INTERVAL seconds, off the event loop."""

    def __init__(
        self,
        db: Database,
        territories: Territory | Territories,
        *,
        console_url: str,
        interval: float = INTERVAL,
        clock: Callable[[], datetime] | None = None,
    ):
        clock = clock or (lambda: datetime.now(UTC))
        super().__init__(
            "alerts",
            lambda: send_alerts(db, territories, now=clock(), console_url=console_url),
            interval=interval,
        )
