"""Telegram through python-telegram-bot against a local fake Bot API, polling and webhook."""

from __future__ import annotations

import itertools

import pytest
from fastapi.testclient import TestClient

from bot import messages
from bot.channels.inbound import already_processed
from bot.worker import dispatch_once
from tests.bot.channels.fakes import FakeTelegram
from tests.helpers.channels import PUBLIC, SECRET, telegram_settings, wait_for

_chats = itertools.count(700001)
ANSWERS = ["5", "30", "67100", "1", "1", "500", "2", "800", "0"]


def dispatch(client: TestClient):
    app = client.app
    return dispatch_once(app.state.db, app.state.channels.transports)


class PollingUser:
    def __init__(self, client, fake: FakeTelegram):
        self.client, self.fake, self.chat_id = client, fake, next(_chats)
        self.seen = 0

    def say(self, text: str) -> list[dict]:
        update_id = self.fake.push(self.chat_id, text)
        wait_for(lambda: already_processed(self.client.app.state.db, f"telegram:{update_id}"))
        dispatch(self.client)
        sent = self.fake.messages_to(self.chat_id)
        fresh, self.seen = sent[self.seen:], len(sent)
        return fresh


class WebhookUser(PollingUser):
    update_ids = itertools.count(5000)

    def say(self, text: str, *, update_id: int | None = None) -> list[dict]:
        update = FakeTelegram.update(update_id or next(self.update_ids), self.chat_id, text)
        response = self.client.post("/webhooks/telegram", json=update,
                                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert response.status_code == 200, response.text
        dispatch(self.client)
        sent = self.fake.messages_to(self.chat_id)
        fresh, self.seen = sent[self.seen:], len(sent)
        return fresh


def keyboard(message: dict) -> list[str]:
    markup = message["reply_markup"] or {}
    return [row[0]["text"] if isinstance(row[0], dict) else row[0]
            for row in markup.get("keyboard", [])]


def run_conversation(user) -> None:
    first = user.say("/start")
    assert any("Passerelle" in m["text"] for m in first)
    assert keyboard(first[-1]) == messages.CHOICES["consent"]
    assert first[0]["reply_markup"] == {"remove_keyboard": True}
    moment = user.say("Oui")  # a keyboard button sends its words
    assert keyboard(moment[-1]) == messages.CHOICES["moment"]
    for answer in ANSWERS[:-1]:
        assert user.say(answer)
    # The facts read back with Oui / Non buttons; the button computes.
    assert keyboard(user.say(ANSWERS[-1])[-1]) == messages.CHOICES["yes_no"]
    result = "\n".join(m["text"] for m in user.say("Oui"))
    assert "Vous avez probablement droit" in result and "Prime d'activité" in result


@pytest.fixture
def polling(app_factory, fake_telegram):
    with TestClient(app_factory(**telegram_settings(fake_telegram, "polling"))) as client:
        wait_for(lambda: "getUpdates" in fake_telegram.calls)
        yield client


@pytest.fixture
def webhook(app_factory, fake_telegram):
    with TestClient(app_factory(**telegram_settings(fake_telegram, "webhook"))) as client:
        yield client


def test_a_whole_conversation_by_polling_with_reply_keyboards(polling, fake_telegram):
    run_conversation(PollingUser(polling, fake_telegram))
    assert fake_telegram.calls[0] == "getMe"


def test_a_whole_conversation_by_webhook_with_reply_keyboards(webhook, fake_telegram):
    assert fake_telegram.webhook["url"] == PUBLIC + "/webhooks/telegram"
    assert fake_telegram.webhook["secret_token"] == SECRET
    run_conversation(WebhookUser(webhook, fake_telegram))
    assert "getUpdates" not in fake_telegram.calls


def test_the_webhook_needs_the_secret(webhook, fake_telegram):
    update = FakeTelegram.update(1, 42, "bonjour")
    assert webhook.post("/webhooks/telegram", json=update).status_code == 403
    wrong = {"X-Telegram-Bot-Api-Secret-Token": "guess"}
    assert webhook.post("/webhooks/telegram", json=update, headers=wrong).status_code == 403
    dispatch(webhook)
    assert fake_telegram.sent == []
    assert not already_processed(webhook.app.state.db, "telegram:1")


def test_an_update_delivered_twice_is_processed_once(webhook, fake_telegram):
    user = WebhookUser(webhook, fake_telegram)
    first = user.say("bonjour", update_id=77)
    assert first
    assert user.say("bonjour", update_id=77) == []


def test_help_and_stop_commands(webhook, fake_telegram):
    user = WebhookUser(webhook, fake_telegram)
    user.say("/start")
    assert [m["text"] for m in user.say("/aide")] == [messages.text("help")]
    assert [m["text"] for m in user.say("/stop")] == [messages.text("opted_out")]
    assert user.say("bonjour") == []
    assert [m["text"] for m in user.say("/start")] == [messages.text("opted_in")]


def test_a_telegram_turn_that_raises_is_retried_and_answered_once(webhook, fake_telegram,
                                                                  monkeypatch):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from bot.channels import inbound
    from bot.dialogue.core import DialogueCore
    from storage.models import InboundMessage

    db, core = webhook.app.state.db, webhook.app.state.core
    real, seen = DialogueCore.handle, []

    def handle(self, message, **kwargs):
        seen.append(message.text)
        if len(seen) == 1:
            raise RuntimeError("turn failed")
        return real(self, message, **kwargs)

    monkeypatch.setattr(DialogueCore, "handle", handle)
    user = WebhookUser(webhook, fake_telegram)
    assert user.say("bonjour") == []  # the turn raised: nothing sent yet...
    assert user.say("Oui") == []  # ...and the next message waits for it, not read first
    with db.session() as session:
        stored = session.scalars(select(InboundMessage).order_by(InboundMessage.id)).all()
    # ...but nothing is lost: both are stored, the first one pending a retry.
    assert [(r.channel, r.body, r.status, r.attempts) for r in stored] == [
        ("telegram", "bonjour", "pending", 1), ("telegram", "Oui", "pending", 0)]
    assert webhook.get("/healthz").json()["inbound_pending"] == 2
    report = inbound.retry_pending(core, now=datetime.now(UTC) + timedelta(minutes=1))
    assert report.processed == 2 and seen == ["bonjour", "bonjour", "Oui"]
    dispatch(webhook)
    texts = [m["text"] for m in fake_telegram.messages_to(user.chat_id)]
    assert any("Passerelle" in t for t in texts)  # the welcome, then the first question
    assert keyboard(fake_telegram.messages_to(user.chat_id)[-1]) == messages.CHOICES["moment"]
    assert len(texts) == len(set(texts))
    # Answered: the stored texts are gone, and a later pass sends nothing again.
    with db.session() as session:
        assert session.scalars(select(InboundMessage)).all() == []
    assert inbound.retry_pending(core, now=datetime.now(UTC) + timedelta(hours=1)).processed == 0
    dispatch(webhook)
    assert [m["text"] for m in fake_telegram.messages_to(user.chat_id)] == texts
