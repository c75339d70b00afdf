"""Several processes on one PostgreSQL database: migrations started together, two job
workers at once, web processes without the jobs, and the real commands."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from bot.reminders import send_due_reminders
from handoff.retention import purge
from storage.db import Database
from storage.models import OutboxMessage, Person
from tests.helpers.app import Chat
from tests.helpers.processes import free_port, stop

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def all_at_once(count: int, job) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            job(i)
        except BaseException as error:  # noqa: BLE001 - reported by the caller
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return errors


def test_migrations_started_together_on_one_database_all_succeed(fresh_pg):
    databases = [Database(fresh_pg) for _ in range(4)]
    try:
        errors = all_at_once(4, lambda i: databases[i].migrate())
        assert errors == []
        with databases[0].engine.connect() as connection:
            versions = connection.execute(text("SELECT count(*) FROM alembic_version")).scalar()
        assert versions == 1
    finally:
        for db in databases:
            db.engine.dispose()


@pytest.fixture
def pg_app(app_factory, pg_db):
    with TestClient(app_factory(db=pg_db, clock=lambda: NOW)) as client:
        yield client


def book(app, user: str) -> None:
    chat = Chat(app, user)
    for said in ["bonjour", "oui", "conseiller", "1"]:
        chat.say(said)


def test_two_workers_queue_each_reminder_once(pg_app, pg_db):
    users = [f"remind-{i}" for i in range(6)]
    for user in users:
        book(pg_app, user)
    territory = pg_app.app.state.territory
    from storage.handoff import Appointment

    with pg_db.session() as s:
        starts = list(s.scalars(select(Appointment.starts_at)))
    assert len(starts) == len(users)
    # Every appointment is due (the day before, 10:00-18:00) at one of these moments.
    moments = sorted({(start - timedelta(days=1)).replace(hour=12, minute=0) for start in starts})
    queued = [0, 0]

    def worker(i: int) -> None:
        for moment in moments:
            queued[i] += send_due_reminders(pg_db, territory, now=moment)

    assert all_at_once(2, worker) == []
    with pg_db.session() as s:
        reminders = s.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.body.like("Rappel%")))
    assert sum(queued) == len(users) == reminders


def test_two_purges_at_once_erase_each_person_once(pg_db):
    old = NOW - timedelta(days=500)
    with pg_db.session() as s:
        s.add_all([Person(created_at=old, last_message_at=old) for _ in range(40)]
                  + [Person(created_at=NOW, last_message_at=NOW) for _ in range(3)])
    erased = [0, 0]

    def worker(i: int) -> None:
        erased[i] = purge(pg_db, now=NOW, months=12)

    assert all_at_once(2, worker) == []
    with pg_db.session() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 3
    assert 40 <= sum(erased) <= 80  # each counts what it saw; nobody failed, everyone erased


def test_app_processes_leave_the_jobs_to_the_worker(app_factory):
    with TestClient(app_factory(run_jobs=False)) as client:
        state = client.app.state
        assert state.reminders._task is None and state.retention._task is None
        assert state.channels.dispatcher._task is None
    with TestClient(app_factory(run_jobs=True)) as client:
        assert client.app.state.reminders._task is not None


def test_serve_two_processes_and_a_worker_on_a_fresh_database(fresh_pg, tmp_path):
    port = free_port()
    env = dict(os.environ, DATABASE_URL=fresh_pg, PORT=str(port), HOST="127.0.0.1",
               WARM_UP_RULES="0", NLU_URL="http://127.0.0.1:9", NLU_TIMEOUT="0.2",
               TELEGRAM_BOT_TOKEN="", TWILIO_ACCOUNT_SID="", PYTHONWARNINGS="ignore")
    env.pop("RUN_JOBS", None)
    logs = [tmp_path / "serve.log", tmp_path / "worker.log"]
    commands = [[sys.executable, "-m", "bot", "serve", "--workers", "2"],
                [sys.executable, "-m", "bot", "worker"]]
    processes = []
    for command, log in zip(commands, logs):
        with open(log, "wb") as out:
            processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                              stderr=subprocess.STDOUT))
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        answered = 0
        while time.monotonic() < deadline and answered < 6:
            try:
                reply = httpx.post(f"{base}/api/chat", timeout=10,
                                   json={"user_id": f"u{answered}", "text": "bonjour"})
                assert reply.status_code == 200
                answered += 1
            except httpx.TransportError:
                time.sleep(0.3)
        assert answered == 6, logs[0].read_text()[-3000:]
        serve_log = logs[0].read_text()
        assert serve_log.count("Application startup complete") == 2, serve_log[-3000:]
        # Each app process's own INFO lines are kept (they were dropped with --workers N).
        assert serve_log.count("turn threads started") == 2, serve_log[-3000:]
        assert "Traceback" not in serve_log
        assert processes[1].poll() is None, logs[1].read_text()[-3000:]
    finally:
        stop(*processes)
    worker_log = logs[1].read_text()
    assert "reminders and retention running" in worker_log, worker_log[-3000:]
    assert "Traceback" not in worker_log, worker_log[-3000:]


def test_the_batching_window_comes_from_the_settings(monkeypatch):
    from bot.eligibility import EligibilityService

    monkeypatch.setenv("RULES_BATCH_WINDOW", "0.2")
    monkeypatch.setenv("RULES_BATCH_MAX_WAIT", "3")
    service = EligibilityService(worker="thread", engine=object())
    assert (service._batcher.window, service._batcher.max_wait) == (0.2, 3.0)
    monkeypatch.delenv("RULES_BATCH_WINDOW")
    monkeypatch.delenv("RULES_BATCH_MAX_WAIT")
    service = EligibilityService(worker="thread", engine=object())
    assert (service._batcher.window, service._batcher.max_wait) == (0.3, 4.0)


@pytest.mark.parametrize("workers, setting, expected", [
    (1, None, 2), (4, None, 1), (4, "2", 2),
])
def test_several_app_processes_get_one_rules_worker_each_unless_told(
        monkeypatch, workers, setting, expected):
    """Two rules workers per process help a lone process's bursts; with several processes
    on the same cores they cost more than they give (python -m bench scale)."""
    from bot.__main__ import serve_defaults
    from bot.eligibility import EligibilityService

    monkeypatch.delenv("RUN_JOBS", raising=False)
    monkeypatch.delenv("RULES_WORKERS", raising=False)
    if setting is not None:
        monkeypatch.setenv("RULES_WORKERS", setting)
    serve_defaults(workers)
    service = EligibilityService()  # not started: no process
    assert len(getattr(service._worker, "workers", [service._worker])) == expected
    assert os.environ["RUN_JOBS"] == "0"
