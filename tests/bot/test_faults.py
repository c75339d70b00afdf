"""Faults at the edges, each a real one: Twilio answering 503 then recovering, the database
locked by another connection, the NLU server stopped, a turn that raises. For each, every
inbound message is answered, each reply sent exactly once and in order (the same parts, in
the same order, as a person on a healthy path), and /healthz says what is going on.
(The rules worker hung and killed: tests/bot/test_security_hung_worker.py.)

Run with -s to see one summary line per fault."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta

from bot.channels import inbound
from bot.dialogue.core import DialogueCore
from tests.helpers.channels import Phone

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

