"""Telegram group, supergroup and channel chats get no conversation: one person's answers
(income, health, children) must never be asked for or shown where a whole group reads them.
Real python-telegram-bot against the local fake Bot API, by polling and by webhook."""

from __future__ import annotations

import itertools
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot.channels.inbound import already_processed
from bot.worker import dispatch_once
from storage.models import ChannelAddress, OutboxMessage
from tests.helpers.channels import SECRET, telegram_settings, wait_for

_ids = itertools.count(90_000)


def chat_update(update_id: int, chat: dict, text: str, *, kind: str = "message") -> dict:
    message = {"message_id": update_id, "date": int(time.time()), "text": text, "chat": chat}
    if kind == "message":
        message["from"] = {"id": 555, "is_bot": False, "first_name": "Membre"}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0,
                                "length": len(text.split()[0])}]
    return {"update_id": update_id, kind: message}


GROUP_CHATS = [
    {"id": -4001, "type": "group", "title": "Voisins"},
    {"id": -1002003, "type": "supergroup", "title": "Quartier"},
]
CHANNEL = {"id": -1009009, "type": "channel", "title": "Annonces"}
TEXTS = ["bonjour", "/start", "/aide", "/stop", "oui"]


def count(db, model) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def assert_nothing_for(client: TestClient, fake, chat_ids) -> None:
    app = client.app
    dispatch_once(app.state.db, app.state.channels.transports)
    for chat_id in chat_ids:
        assert fake.messages_to(chat_id) == []
    assert count(app.state.db, ChannelAddress) == 0
    assert count(app.state.db, OutboxMessage) == 0


def test_group_updates_by_polling_get_no_conversation(app_factory, fake_telegram):
    with TestClient(app_factory(**telegram_settings(fake_telegram, "polling"))) as client:
        wait_for(lambda: "getUpdates" in fake_telegram.calls)
        ids = []
        for chat in GROUP_CHATS:
            for text in TEXTS:
                update_id = next(_ids)
                ids.append(update_id)
                with fake_telegram.lock:
                    fake_telegram.updates.append(chat_update(update_id, chat, text))
                    fake_telegram.lock.notify_all()
        # A private message queued after them: once it is handled, the group ones were seen.
        private = fake_telegram.push(123456, "bonjour")
        db = client.app.state.db
        wait_for(lambda: already_processed(db, f"telegram:{private}"))
        assert not any(already_processed(db, f"telegram:{i}") for i in ids)
        dispatch_once(db, client.app.state.channels.transports)
        assert fake_telegram.messages_to(123456)  # the private chat is served
        for chat in GROUP_CHATS:
            assert fake_telegram.messages_to(chat["id"]) == []


@pytest.mark.parametrize("chat", GROUP_CHATS + [CHANNEL], ids=lambda c: c["type"])
def test_group_updates_by_webhook_get_no_conversation(app_factory, fake_telegram, chat):
    with TestClient(app_factory(**telegram_settings(fake_telegram, "webhook"))) as client:
        kind = "channel_post" if chat["type"] == "channel" else "message"
        for text in TEXTS:
            update = chat_update(next(_ids), chat, text, kind=kind)
            response = client.post("/webhooks/telegram", json=update,
                                   headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
            assert response.status_code == 200
        assert_nothing_for(client, fake_telegram, [chat["id"]])
