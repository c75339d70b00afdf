"""STOP stops every later message to the address but its confirmation; START brings them back."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import messages, outbox
from bot.dialogue.types import Reply
from storage.models import ChannelAddress, OutboxMessage


def queue_reminder(app, number: str) -> None:
    """What a reminder or a campaign does: queue for the address, never send directly."""
    core = app.state.core
    with core.db.session() as session:
        outbox.enqueue(session, channel="sms", recipient=number,
                       address_key=core.address_key("sms", number),
                       replies=[Reply("Rappel : votre rendez-vous est demain.")])


@pytest.mark.parametrize("stop", ["STOP", "stop", "Arret", "ARRÊT", "arrêt !"])
def test_stop_then_start(phone, sms_app, stop):
    phone.say("bonjour")
    confirmation = phone.say(stop)
    assert confirmation == [messages.text("opted_out").replace("’", "'")]
    queue_reminder(sms_app.app, phone.number)
    assert phone.say("bonjour") == []  # neither the reply nor the reminder goes out
    with sms_app.app.state.db.session() as s:
        assert set(s.scalars(select(OutboxMessage.status)).all()) == {"sent", "refused"}
        assert s.scalars(select(ChannelAddress.opted_out)).one() is True
    resumed = phone.say("START")
    assert resumed == [messages.text("opted_in")]
    queue_reminder(sms_app.app, phone.number)
    phone.dispatch()
    assert phone.new() == ["Rappel : votre rendez-vous est demain."]


def test_stop_works_before_consent_and_keeps_no_number(phone, sms_app):
    assert phone.say("STOP") == [messages.text("opted_out")]
    with sms_app.app.state.db.session() as s:
        address = s.scalars(select(ChannelAddress)).one()
        assert address.opted_out and address.address is None


def test_the_opt_out_intent_stops_after_a_yes(phone):
    """Read from a sentence, not typed alone: asked first (bot/dialogue/irreversible.py)."""
    phone.say("bonjour")
    asked = phone.say("arretez de m'envoyer des sms")
    assert len(asked) == 1 and asked[0].startswith("Arreter tous les messages")
    assert phone.say("oui") == [messages.text("opted_out")]
    assert phone.say("oui") == []


def test_stop_in_a_sentence_is_not_an_opt_out(phone):
    phone.say("bonjour")
    assert phone.say("start") != [messages.text("opted_in")]  # not opted out: ordinary text


def test_web_chat_stop(chat):
    chat.say("bonjour")
    assert chat.say("STOP")[0]["text"] == messages.text("opted_out")
