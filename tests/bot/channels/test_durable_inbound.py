"""A turn that raises does not lose the message: it was stored before the webhook answered
and a later pass answers it, exactly once, each person's messages in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.channels import inbound
from bot.dialogue.core import DialogueCore
from storage.models import InboundMessage, ProcessedInbound


def rows(db) -> list[InboundMessage]:
    with db.session() as s:
        return list(s.scalars(select(InboundMessage).order_by(InboundMessage.id)))


def fail_first_turns(monkeypatch, count: int) -> list[str]:
    """The dialogue raises on its first `count` turns (a fault injected at our code's edge)."""
    real, seen = DialogueCore.handle, []

    def handle(self, message, **kwargs):
        seen.append(message.text)
        if len(seen) <= count:
            raise RuntimeError("turn failed")
        return real(self, message, **kwargs)

    monkeypatch.setattr(DialogueCore, "handle", handle)
    return seen


def test_a_failed_turn_is_retried_and_answered_exactly_once(phone, sms_app, monkeypatch):
    db, core = sms_app.app.state.db, sms_app.app.state.core
    seen = fail_first_turns(monkeypatch, 1)
    response = phone.send("bonjour")
    assert response.status_code == 200 and response.text.endswith("<Response></Response>")
    phone.dispatch()
    assert phone.new() == []
    [stored] = rows(db)
    assert stored.status == "pending" and stored.attempts == 1 and stored.body == "bonjour"
    assert stored.last_error == "RuntimeError"  # the type only, never the words
    assert sms_app.get("/healthz").json()["inbound_pending"] == 1
    now = datetime.now(UTC)
    assert inbound.retry_pending(core, now=now).processed == 0  # not due before its backoff
    report = inbound.retry_pending(core, now=now + timedelta(seconds=30))
    assert report.processed == 1
    phone.dispatch()
    first = phone.new()
    assert first and "Passerelle" in "\n".join(first)
    assert rows(db) == []  # the text and the number are gone with the turn
    assert sms_app.get("/healthz").json()["inbound_pending"] == 0
    assert inbound.retry_pending(core, now=now + timedelta(hours=1)).processed == 0
    phone.dispatch()
    assert phone.new() == [] and seen == ["bonjour", "bonjour"]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(ProcessedInbound)) == 1


def test_a_later_message_waits_for_an_earlier_pending_one(phone, sms_app, monkeypatch):
    db, core = sms_app.app.state.db, sms_app.app.state.core
    seen = fail_first_turns(monkeypatch, 1)
    phone.send("bonjour")
    phone.send("1")  # « Oui » to the consent: must not be read before « bonjour »
    assert seen == ["bonjour"]  # the second one was not even tried
    assert [r.body for r in rows(db)] == ["bonjour", "1"]
    report = inbound.retry_pending(core, now=datetime.now(UTC) + timedelta(minutes=1))
    assert report.processed == 2 and seen == ["bonjour", "bonjour", "1"]
    assert rows(db) == []


def test_another_persons_message_does_not_wait(phone, sms_app, monkeypatch):
    from tests.helpers.channels import Phone

    seen = fail_first_turns(monkeypatch, 1)
    phone.send("bonjour")
    other = Phone(phone.client, phone.fake, "+33698765400")
    assert other.say("bonjour")
    assert seen == ["bonjour", "bonjour"] and len(rows(sms_app.app.state.db)) == 1


def test_a_message_given_up_keeps_neither_text_nor_number(phone, sms_app, monkeypatch):
    db, core = sms_app.app.state.db, sms_app.app.state.core
    fail_first_turns(monkeypatch, 1000)
    phone.send("bonjour")
    now = datetime.now(UTC)
    for hour in range(1, inbound.MAX_ATTEMPTS + 2):
        inbound.retry_pending(core, now=now + timedelta(hours=hour))
    [stored] = rows(db)
    assert stored.status == "failed" and stored.attempts == inbound.MAX_ATTEMPTS
    assert stored.body == "" and stored.sender is None
