"""Faults at the edges, each a real one: Twilio answering 503 then recovering, the database
locked by another connection, the NLU server stopped, a turn that raises, the application
process killed (SIGKILL) in the middle of a turn. For each, every
inbound message is answered, each reply sent exactly once and in order (the same parts, in
the same order, as a person on a healthy path), and /healthz says what is going on.
(The rules worker hung and killed: tests/bot/test_security_hung_worker.py.)

Run with -s to see one summary line per fault."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from bot.channels import inbound
from bot.dialogue.core import DialogueCore
from storage.db import Database
from storage.models import Conversation, InboundMessage
from tests.bot.channels.fakes import FakeRasa
from tests.helpers import processes
from tests.helpers.channels import PUBLIC, SID, SMS_FROM, TOKEN, Phone, wait_for

SCRIPT = ["bonjour", "1", "5"]  # hello, consent, a first answer: three turns in a row


def healthy_parts(sms_app, fake_twilio) -> list[str]:
    """What a person on a healthy path receives for SCRIPT: the reference to compare with."""
    control = Phone(sms_app, fake_twilio, "+33611110000")
    parts: list[str] = []
    for text in SCRIPT:
        parts += control.say(text)
    assert parts
    return parts


def summary(fault: str, *, inbound_count: int, replies: int, expected: int, lost: int,
            duplicates: int, health: dict) -> None:
    print(f"\nFAULT {fault}: inbound={inbound_count} lost={lost} replies={replies}/{expected} "
          f"duplicates={duplicates} healthz={health}")


def test_twilio_503_for_60_s_then_recovering(sms_app, fake_twilio):
    expected = healthy_parts(sms_app, fake_twilio)
    phone = Phone(sms_app, fake_twilio, "+33622220000")
    start = datetime.now(UTC)
    fake_twilio.fail_next(10_000, status=503)  # down from now on
    for text in SCRIPT:
        assert phone.send(text).status_code == 200
    requests_before = fake_twilio.requests
    seen_down = None
    for second in range(0, 301, 5):  # five minutes of dispatcher passes, 5 s apart
        if second == 60:
            fake_twilio.fail_next(0)  # Twilio is back
        phone.dispatch(now=start + timedelta(seconds=second))
        if second == 30:
            seen_down = sms_app.get("/healthz").json()
            assert seen_down["outbox_pending"] > 0 and fake_twilio.bodies(phone.number) == []
    got = phone.new()
    health = sms_app.get("/healthz").json()
    assert got == expected  # each part once, in order
    assert health["outbox_pending"] == 0 and health["inbound_pending"] == 0
    summary("twilio-503-60s", inbound_count=len(SCRIPT), lost=0, replies=len(got),
            expected=len(expected), duplicates=len(got) - len(set(got)),
            health={"during": seen_down["outbox_pending"], "after": health["outbox_pending"],
                    "twilio_requests": fake_twilio.requests - requests_before})


def test_database_locked_by_another_connection(sms_app, fake_twilio):
    expected = healthy_parts(sms_app, fake_twilio)
    phone = Phone(sms_app, fake_twilio, "+33633330000")
    path = sms_app.app.state.db.engine.url.database
    locker = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    locker.execute("BEGIN EXCLUSIVE")  # a migration or a backup holding the write lock
    released = threading.Event()

    def release_later() -> None:
        time.sleep(2.0)
        locker.execute("COMMIT")
        released.set()

    threading.Thread(target=release_later, daemon=True).start()
    during = sms_app.get("/healthz").json()  # reads still work (WAL): it answers
    started = time.monotonic()
    got: list[str] = []
    for text in SCRIPT:
        got += phone.say(text)
    waited = time.monotonic() - started
    assert released.wait(5)
    locker.close()
    health = sms_app.get("/healthz").json()
    assert got == expected and waited >= 1.0  # the first turn waited for the lock
    assert during["database"] == "up" and health["inbound_pending"] == 0
    summary("database-locked-2s", inbound_count=len(SCRIPT), lost=0, replies=len(got),
            expected=len(expected), duplicates=len(got) - len(set(got)),
            health={"during": during["database"], "waited_s": round(waited, 1)})


def test_nlu_stopped(sms_app, fake_twilio):
    # The app's NLU client talks to a closed port (no interpreter): Rasa is down.
    expected = healthy_parts(sms_app, fake_twilio)
    phone = Phone(sms_app, fake_twilio, "+33644440000")
    got: list[str] = []
    for text in SCRIPT:
        got += phone.say(text)
    health = sms_app.get("/healthz").json()
    assert got == expected and health["nlu"] == "down"
    summary("nlu-stopped", inbound_count=len(SCRIPT), lost=0, replies=len(got),
            expected=len(expected), duplicates=len(got) - len(set(got)),
            health={"nlu": health["nlu"]})


def test_a_turn_raising_twice(sms_app, fake_twilio, monkeypatch):
    expected = healthy_parts(sms_app, fake_twilio)
    real, calls = DialogueCore.handle, []

    def handle(self, message, **kwargs):
        calls.append(message.text)
        if len(calls) <= 2:
            raise RuntimeError("turn failed")
        return real(self, message, **kwargs)

    monkeypatch.setattr(DialogueCore, "handle", handle)
    phone = Phone(sms_app, fake_twilio, "+33655550000")
    for text in SCRIPT:
        assert phone.send(text).status_code == 200
    during = sms_app.get("/healthz").json()
    now = datetime.now(UTC)
    for minute in range(1, 6):
        inbound.retry_pending(sms_app.app.state.core, now=now + timedelta(minutes=minute))
    phone.dispatch()
    got = phone.new()
    health = sms_app.get("/healthz").json()
    assert got == expected and during["inbound_pending"] == len(SCRIPT)
    assert health["inbound_pending"] == 0
    summary("turn-raises-twice", inbound_count=len(SCRIPT), lost=0, replies=len(got),
            expected=len(expected), duplicates=len(got) - len(set(got)),
            health={"inbound_pending_during": during["inbound_pending"],
                    "after": health["inbound_pending"]})



@pytest.fixture
def fake_rasa():
    with FakeRasa() as server:
        yield server


LEASE = 20  # INBOUND_LEASE_SECONDS: longer than a process takes to start (4-15 s here)
# After the consent: a moment of life and its questions, then « 1 » (Oui) to the facts read
# back, which starts the check.
CHECK = ["bonjour", "1", "5", "30", "67100", "1", "1", "500", "2", "800", "0", "1"]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Deployment:
    """The documented deployment on one PostgreSQL database: `python -m bot serve` (jobs off)
    and `python -m bot worker` (the outbox), real processes, Twilio and Rasa faked."""

    def __init__(self, database_url: str, fake_twilio, fake_rasa, log, **more: str):
        self.env = dict(
            DATABASE_URL=database_url, HOST="127.0.0.1", SECRET_KEY="fault-secret",
            WARM_UP_RULES="0", NLU_URL=fake_rasa.base, NLU_TIMEOUT="60", NLU_TOKEN="nlu",
            PUBLIC_BASE_URL=PUBLIC, TWILIO_ACCOUNT_SID=SID, TWILIO_AUTH_TOKEN=TOKEN,
            TWILIO_SMS_FROM=SMS_FROM, TWILIO_WHATSAPP_FROM="", TWILIO_API_BASE=fake_twilio.base,
            TELEGRAM_BOT_TOKEN="", OUTBOX_INTERVAL="0.2", INBOUND_LEASE_SECONDS=str(LEASE),
            RATE_LIMIT_PREFIX=f"faults-{uuid.uuid4().hex}", PYTHONWARNINGS="ignore")
        self.env.update(more)
        self.fake, self.log = fake_twilio, log
        self.db = Database(database_url)
        self.processes = [processes.start(["worker"], self.env, log)]
        self.app = self.http = None

    def serve(self) -> httpx.Client:
        """A new app process on a new port; the client talking to it."""
        port = processes.free_port()
        self.app = processes.start(["serve"], dict(self.env, PORT=str(port)), self.log)
        self.processes.append(self.app)
        base = f"http://127.0.0.1:{port}"
        processes.wait_healthy(base, self.app, self.log)
        self.http = httpx.Client(base_url=base, timeout=60)
        return self.http

    def health(self) -> dict:
        return self.http.get("/healthz").json()

    def settled(self) -> bool:
        health = self.health()
        return health["inbound_pending"] == 0 and health["outbox_pending"] == 0

    def converse(self, phone: Phone, script: list[str]) -> list[str]:
        """Each message answered and sent before the next one: the healthy path."""
        parts: list[str] = []
        for text in script:
            assert phone.send(text).status_code == 200
            wait_for(self.settled, timeout=60)
            parts += phone.new()
        return parts

    def kill_during(self, phone: Phone, text: str, in_the_turn) -> list[BaseException]:
        """Sends `text` and SIGKILLs the app process once `in_the_turn()` says the turn is
        under way; returns what the sender saw (the connection cut)."""
        caught: list[BaseException] = []

        def send() -> None:
            try:
                phone.send(text)
            except httpx.HTTPError as error:
                caught.append(error)

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        wait_for(in_the_turn, timeout=60, interval=0.01)
        os.kill(self.app.pid, signal.SIGKILL)
        self.app.wait(10)
        sender.join(30)
        self.http.close()
        return caught

    def stored(self) -> list[InboundMessage]:
        with self.db.session() as session:
            return list(session.scalars(select(InboundMessage).order_by(InboundMessage.id)))

    def close(self) -> None:
        processes.stop(*self.processes)
        if self.http is not None:
            self.http.close()
        self.db.engine.dispose()


def test_app_process_killed_in_the_middle_of_a_turn(fresh_pg, fake_twilio, fake_rasa,
                                                    tmp_path):
    """The turn is caught waiting for the NLU, and its process killed there; a new process
    answers it once the lease is over, then the messages that arrived meanwhile, in order.
    (Before, under `serve` nothing retried it: the retry pass ran with RUN_JOBS only.)"""
    log = tmp_path / "processes.log"
    deployment = Deployment(fresh_pg, fake_twilio, fake_rasa, log)
    try:
        http = deployment.serve()
        expected = deployment.converse(Phone(http, fake_twilio, "+33611112222"), SCRIPT)
        assert expected
        phone = Phone(http, fake_twilio, "+33677778888")
        fake_rasa.hold()
        caught = deployment.kill_during(phone, SCRIPT[0], fake_rasa.entered.is_set)
        fake_rasa.release()
        [held] = deployment.stored()  # stored and claimed, its turn never finished
        lease_until = _aware(held.lease_until)
        assert caught and held.status == "pending" and held.attempts == 1

        phone.client = deployment.serve()
        for text in SCRIPT[1:]:  # taken in, but they wait for the first one
            assert phone.send(text).status_code == 200
        during = deployment.health()
        before_lease = datetime.now(UTC) < lease_until
        wait_for(lambda: len(fake_twilio.bodies(phone.number)) >= len(expected),
                 timeout=LEASE + 60)
        answered_at = datetime.now(UTC)
        time.sleep(2.0)  # a few more retry and dispatcher passes: nothing sent twice
        got = phone.new()
        health = deployment.health()
        left = deployment.stored()
    finally:
        deployment.close()
    assert got == expected, log.read_text()[-3000:]  # each part once, in order
    assert answered_at >= lease_until  # not taken again while the lease held
    assert left == [] and health["inbound_pending"] == 0 and health["outbox_pending"] == 0
    if before_lease:  # /healthz said the three were waiting
        assert during["inbound_pending"] == len(SCRIPT)
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
    summary("app-killed-mid-turn", inbound_count=len(SCRIPT), lost=len(expected) - len(got),
            expected=len(expected), replies=len(got), duplicates=len(got) - len(set(got)),
            health={"inbound_pending_during": during["inbound_pending"],
                    "after": health["inbound_pending"], "lease_s": LEASE})


def test_app_process_killed_during_the_eligibility_check(fresh_pg, fake_twilio, fake_rasa,
                                                         tmp_path):
    """The longest part of a turn: the answers saved, the check waiting for its OpenFisca
    batch (a 2 s batching window holds it there), and the process killed. The new process
    takes the message again after the lease and sends the result once."""
    log = tmp_path / "processes.log"
    deployment = Deployment(fresh_pg, fake_twilio, fake_rasa, log, WARM_UP_RULES="1",
                            RULES_BATCH_WINDOW="2")
    try:
        http = deployment.serve()
        control = Phone(http, fake_twilio, "+33611113333")
        deployment.converse(control, CHECK[:-1])
        expected = deployment.converse(control, CHECK[-1:])  # the result
        assert "Prime d'activité" in "\n".join(expected)
        phone = Phone(http, fake_twilio, "+33677779999")
        deployment.converse(phone, CHECK[:-1])

        def checking() -> bool:
            with deployment.db.session() as session:
                return session.scalar(select(func.count()).select_from(Conversation).where(
                    Conversation.state == "computing")) == 1

        caught = deployment.kill_during(phone, CHECK[-1], checking)
        [held] = deployment.stored()
        assert caught and held.status == "pending" and held.body == CHECK[-1]
        phone.client = deployment.serve()
        wait_for(lambda: deployment.settled() and deployment.stored() == [],
                 timeout=LEASE + 90)
        time.sleep(2.0)
        got = phone.new()
    finally:
        deployment.close()
    assert got == expected  # the result, once
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
    summary("app-killed-in-check", inbound_count=len(CHECK), lost=0, replies=len(got),
            expected=len(expected), duplicates=len(got) - len(set(got)),
            health={"lease_s": LEASE})
