"""A photo or a voice note (MMS, WhatsApp, Telegram) gets an answer: only text is read, and a
person is offered. Before, it got no answer at all."""

from __future__ import annotations

import time
import uuid

from fastapi.testclient import TestClient

from bot import messages
from bot.worker import dispatch_once
from tests.helpers.channels import SECRET, SID, SMS_FROM, sign, telegram_settings

ONLY_TEXT = messages.text("media_only_text")


def test_an_mms_photo_without_text_gets_an_answer_and_the_greeting(phone):
    params = {"MessageSid": "MM" + uuid.uuid4().hex, "AccountSid": SID, "From": phone.number,
              "To": SMS_FROM, "Body": "", "NumMedia": "1",
              "MediaUrl0": "https://api.twilio.com/media/photo.jpg",
              "MediaContentType0": "image/jpeg"}
    response = phone.client.post("/webhooks/twilio", data=params,
                                 headers={"X-Twilio-Signature": sign("/webhooks/twilio", params)})
    assert response.status_code == 200
    phone.dispatch()
    received = "\n".join(phone.new())
    assert "Je ne lis que les messages écrits" in received
    assert "CONSEILLER" in received
    assert "1. Oui" in received  # the conversation starts as usual


def test_a_voice_note_in_the_middle_of_the_check_repeats_the_question(phone):
    phone.say("bonjour")
    phone.say("oui")
    phone.say("5")
    params = {"MessageSid": "MM" + uuid.uuid4().hex, "AccountSid": SID, "From": phone.number,
              "To": SMS_FROM, "Body": "", "NumMedia": "1",
              "MediaContentType0": "audio/ogg"}
    phone.client.post("/webhooks/twilio", data=params,
                      headers={"X-Twilio-Signature": sign("/webhooks/twilio", params)})
    phone.dispatch()
    received = "\n".join(phone.new())
    assert "Je ne lis que les messages écrits" in received
    assert "votre code postal" in received  # the question it was at, asked again


def test_a_telegram_photo_gets_an_answer(app_factory, fake_telegram):
    chat_id = 880001
    with TestClient(app_factory(**telegram_settings(fake_telegram, "webhook"))) as client:
        update = {"update_id": 9100, "message": {
            "message_id": 1, "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Test"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Test"},
            "photo": [{"file_id": "AgAD", "file_unique_id": "u1", "width": 90, "height": 90}]}}
        response = client.post("/webhooks/telegram", json=update,
                               headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert response.status_code == 200
        dispatch_once(client.app.state.db, client.app.state.channels.transports)
        sent = [m["text"] for m in fake_telegram.messages_to(chat_id)]
    assert any(ONLY_TEXT in text for text in sent)
