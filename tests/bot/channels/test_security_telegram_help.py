"""/aide on Telegram counts against the conversation's messages per minute like any other
message (issue 27, item 11): a flood of /aide gets the « too many » notice once, not a help
text each."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bot import messages
from tests.bot.channels.test_telegram import WebhookUser
from tests.helpers.channels import telegram_settings


def test_help_is_within_the_per_conversation_limit(app_factory, fake_telegram):
    settings = telegram_settings(fake_telegram, "webhook")
    with TestClient(app_factory(messages_per_conversation_per_minute=2, **settings)) as client:
        user = WebhookUser(client, fake_telegram)
        texts = [m["text"] for _ in range(6) for m in user.say("/aide")]
    assert texts.count(messages.text("help")) == 2
    assert texts.count(messages.text("too_many_messages")) == 1
    assert len(texts) == 3
