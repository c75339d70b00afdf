"""No reply, nor any SMS, to a number outside ALLOWED_COUNTRY_CODES (issue 27, item 12):
a spoofed sender abroad cannot have the service pay for messages to premium numbers."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from bot import outbox
from bot.dialogue.types import Reply
from common.settings import Settings
from storage.models import InboundMessage, OutboxMessage, Person
from tests.helpers.channels import Phone


def count(db, table) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(table))


def test_a_sender_abroad_gets_no_reply_and_nothing_is_kept(sms_app, fake_twilio):
    db = sms_app.app.state.db
    abroad = Phone(sms_app, fake_twilio, "+447700900123")
    assert abroad.send("bonjour").status_code == 200
    abroad.dispatch()
    assert fake_twilio.messages == []
    assert count(db, Person) == 0 and count(db, InboundMessage) == 0
    # Réunion and Guadeloupe are France: answered.
    for number in ("+262692123456", "+590690123456", "+33612345678"):
        assert Phone(sms_app, fake_twilio, number).say("bonjour"), number


def test_nothing_queued_is_sent_abroad(sms_app, fake_twilio):
    db, core = sms_app.app.state.db, sms_app.app.state.core
    with db.session() as session:
        outbox.enqueue(session, channel="sms", recipient="+8821234567",
                       address_key=core.address_key("sms", "+8821234567"),
                       replies=[Reply("Votre rendez-vous est confirmé.")])
    Phone(sms_app, fake_twilio, "+8821234567").dispatch()
    assert fake_twilio.messages == []
    with db.session() as session:
        row = session.scalars(select(OutboxMessage)).one()
        assert row.status == "failed" and "ALLOWED_COUNTRY_CODES" in row.last_error


def test_the_codes_are_checked():
    assert Settings().country_codes == ("+33", "+262", "+590", "+594", "+596")
    assert Settings(allowed_country_codes=" +33 , +687").number_allowed("whatsapp:+687123456")
    with pytest.raises(ValidationError):
        Settings(allowed_country_codes="33,FR")
