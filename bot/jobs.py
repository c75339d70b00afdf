"""`python -m bot worker`: the background jobs, apart from the web processes.

With several application processes (`python -m bot serve --workers N`, RUN_JOBS=0 there),
the outbox dispatcher, the day-before reminders, the retention purge and the invitation
campaigns run here instead.
One worker is enough; two or more are safe together on PostgreSQL: outbox claims use
FOR UPDATE SKIP LOCKED (bot/outbox.py), a reminder is claimed by a conditional UPDATE
before it is queued (handoff/reminders.py), and the purge's DELETEs are idempotent.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.alerts import AlertLoop
from bot.campaigns import CampaignLoop
from bot.channels.setup import build_transports
from bot.reminders import ReminderLoop
from bot.worker import Dispatcher
from common.settings import Settings
from handoff.retention import PurgeLoop
from handoff.territory import Territories
from storage.db import Database

log = logging.getLogger(__name__)


class Jobs:
    """The three loops over one database; `start()` and `stop()` from an event loop."""

    def __init__(self, settings: Settings, *, db: Database | None = None,
                 transports: dict | None = None):
        self.db = db or Database(settings.database_url)
        territories = Territories.from_settings(settings.territory_dir, settings.territory_file)
        self.transports = build_transports(settings) if transports is None else transports
        self.loops = [
            Dispatcher(self.db, self.transports, interval=max(settings.outbox_interval, 0.05),
                       territory=territories),
            ReminderLoop(self.db, territories),
            PurgeLoop(self.db, months=settings.retention_months,
                      audit_months=settings.audit_retention_months),
            CampaignLoop(self.db, territories),
            AlertLoop(self.db, territories, console_url=settings.public_base_url),
        ]
        if settings.outbox_interval <= 0:
            self.loops = self.loops[1:]

    def start(self) -> None:
        for loop in self.loops:
            loop.start()

    async def stop(self) -> None:
        for loop in self.loops:
            await loop.stop()
        closed = set()
        for transport in self.transports.values():
            if id(transport) not in closed and hasattr(transport, "close"):
                transport.close()
                closed.add(id(transport))


async def run_worker(settings: Settings) -> None:
    """Runs the jobs until SIGTERM or SIGINT."""
    jobs = Jobs(settings)
    await asyncio.to_thread(jobs.db.migrate)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    jobs.start()
    log.info("worker: outbox (%s), reminders and retention running",
             ", ".join(sorted(jobs.transports)) or "no channel")
    try:
        await stop.wait()
    finally:
        await jobs.stop()
        jobs.db.engine.dispose()
