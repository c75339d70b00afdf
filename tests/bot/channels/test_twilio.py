"""SMS and WhatsApp through the signed Twilio webhook and the real twilio client, against a
local fake Twilio REST API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot import messages, outbox
from bot.dialogue.types import Reply
from bot.render import gsm7_length, is_gsm7
from storage.models import OutboxMessage, Person, ProcessedInbound
from tests.helpers.channels import PUBLIC, SMS_FROM, WHATSAPP_FROM, Phone, sign


def count(db, model) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_forged_or_missing_signature_gets_403_and_nothing_is_processed(phone, sms_app,
                                                                         fake_twilio):
    db = sms_app.app.state.db
    assert phone.send("bonjour", signature="").status_code == 403
    assert phone.send("bonjour", signature="bm90IGEgc2lnbmF0dXJl").status_code == 403
    # Signed for other fields than those sent: a replayed signature on a changed body.
    params = {"MessageSid": "SMx", "From": phone.number, "To": SMS_FROM, "Body": "oui"}
    forged = sign("/webhooks/twilio", params)
    response = sms_app.post("/webhooks/twilio", headers={"X-Twilio-Signature": forged},
                            data=dict(params, Body="SUPPRIMER"))
    assert response.status_code == 403
    phone.dispatch()
    assert count(db, Person) == 0 and count(db, OutboxMessage) == 0
    assert count(db, ProcessedInbound) == 0 and fake_twilio.requests == 0


def test_the_webhook_answers_empty_twiml_and_the_reply_goes_through_the_api(phone, fake_twilio):
    response = phone.send("bonjour")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert response.text.endswith("<Response></Response>")
    assert fake_twilio.bodies() == []  # nothing sent in the webhook itself
    phone.dispatch()
    message = fake_twilio.messages[-1]
    assert message["To"] == phone.number and message["From"] == SMS_FROM
    assert message["StatusCallback"] == PUBLIC + "/webhooks/twilio/status"
    assert "Passerelle" in "\n".join(phone.new())


def test_a_message_delivered_twice_is_processed_once(phone, sms_app):
    assert phone.send("bonjour", sid="SM-same").status_code == 200
    assert phone.send("bonjour", sid="SM-same").status_code == 200
    phone.dispatch()
    once = phone.new()
    assert once and sum("1. Oui" in part for part in once) == 1
    other = Phone(phone.client, phone.fake, "+33698765432")
    other.say("bonjour")
    assert len(other.received) == len(once)


def test_twilio_failing_then_recovering_delivers_each_message_exactly_once(phone, fake_twilio,
                                                                            sms_app):
    db = sms_app.app.state.db
    fake_twilio.fail_next(3, status=500)
    assert phone.send("bonjour").status_code == 200
    now = datetime.now(UTC)
    report = phone.dispatch(now=now)
    assert report.sent == 0 and report.retried == 1
    assert phone.dispatch(now=now).sent == 0  # not due again before its backoff
    report = phone.dispatch(now=now + timedelta(seconds=11))
    assert report.retried == 1
    report = phone.dispatch(now=now + timedelta(seconds=40))
    assert report.retried == 1
    assert fake_twilio.bodies() == []
    report = phone.dispatch(now=now + timedelta(minutes=5))
    assert report.sent >= 1
    parts = phone.new()
    assert len(parts) == len(set(parts)) == count(db, OutboxMessage)
    assert phone.dispatch(now=now + timedelta(hours=1)).sent == 0
    assert len(fake_twilio.bodies(to=phone.number)) == len(parts)
    with db.session() as s:
        rows = s.scalars(select(OutboxMessage)).all()
        assert {r.status for r in rows} == {"sent"}
        assert all(r.body == "" and r.recipient is None for r in rows)  # words not kept


def test_a_refusal_from_twilio_is_not_retried(phone, fake_twilio, sms_app):
    fake_twilio.fail_next(1, status=400)
    phone.send("bonjour")
    report = phone.dispatch()
    assert report.failed == 1
    with sms_app.app.state.db.session() as s:
        assert s.scalars(select(OutboxMessage.status)).first() == "failed"


def test_a_300_character_reply_goes_out_as_one_sms_of_two_segments(
        phone, sms_app, fake_twilio):
    core = sms_app.app.state.core
    text = ("Votre rendez-vous est confirmé, une personne vous recevra à l’accueil. " * 5)[:300]
    assert len(text) == 300
    with core.db.session() as session:
        outbox.enqueue(session, channel="sms", recipient=phone.number,
                       address_key=core.address_key("sms", phone.number), replies=[Reply(text)])
    phone.dispatch()
    [body] = phone.new()  # one concatenated SMS: the phone shows it in order
    assert is_gsm7(body) and 160 < gsm7_length(body) <= 2 * 153  # billed 2 segments


def test_a_whole_sms_conversation_from_bonjour_to_the_rights(phone):
    first = phone.say("bonjour")
    assert "1. Oui" in first[-1]
    assert "1. Je deviens adulte" in "\n".join(phone.say("oui"))
    phone.say("5")
    for answer in ["30", "67100", "1", "1", "500", "2", "800"]:
        assert phone.say(answer), f"no reply to {answer}"
    recap = "\n".join(phone.say("0"))
    # GSM-7 on SMS: « ô » has no code there and goes as « o ».
    assert recap.startswith("Je vérifie : 30 ans, 67100, seul(e), locataire 500 €, pas de "
                            "handicap, salaire 800 €, chomage 0 €. C'est juste ?") and "1. Oui" in recap
    result = "\n".join(phone.say("1"))
    assert "Vous avez probablement droit" in result
    assert "Prime d'activité" in result and "Aide au logement" in result
    for body in phone.received:  # one SMS per turn, concatenated past 160 characters
        assert gsm7_length(body) <= 1600 and is_gsm7(body)


def test_whatsapp_addresses_round_trip_without_transliteration(sms_app, fake_twilio):
    whatsapp = Phone(sms_app, fake_twilio, "whatsapp:+33611223344")
    replies = whatsapp.say("bonjour")
    assert len(replies) == 1  # one WhatsApp message per turn
    message = fake_twilio.messages[-1]
    assert message["To"] == "whatsapp:+33611223344" and message["From"] == WHATSAPP_FROM
    assert "1. Oui" in replies[0] and "é" in replies[0]
    whatsapp.say("oui")
    core = sms_app.app.state.core
    with core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.channel == "whatsapp")) == 2


def test_status_callbacks_record_delivery_and_need_a_signature(phone, sms_app, fake_twilio):
    phone.say("bonjour")
    sid = fake_twilio.messages[-1]["sid"]
    params = {"MessageSid": sid, "MessageStatus": "delivered", "To": phone.number}
    path = "/webhooks/twilio/status"
    assert sms_app.post(path, data=params).status_code == 403
    assert sms_app.post(path, data=params,
                        headers={"X-Twilio-Signature": sign(path, params)}).status_code == 204
    with sms_app.app.state.db.session() as s:
        row = s.scalars(select(OutboxMessage).where(OutboxMessage.provider_id == sid)).one()
        assert row.status == "delivered"


def test_messages_wait_in_the_outbox_while_no_dispatcher_runs(phone, sms_app, fake_twilio):
    """Our process down after the turn: the replies are in the database, sent on restart."""
    phone.send("bonjour")
    with sms_app.app.state.db.session() as s:
        assert set(s.scalars(select(OutboxMessage.status))) == {"pending"}
    assert fake_twilio.bodies() == []
    phone.dispatch()
    assert phone.new()
    assert messages.text("greeting").split(",")[0] in "\n".join(phone.received)


def test_the_background_dispatcher_sends_without_being_asked(app_factory, fake_twilio):
    from fastapi.testclient import TestClient

    from tests.helpers.channels import twilio_settings, wait_for

    settings = dict(twilio_settings(fake_twilio), outbox_interval=0.2)
    with TestClient(app_factory(**settings)) as client:
        phone = Phone(client, fake_twilio, "+33655555555")
        assert phone.send("bonjour").status_code == 200
        assert wait_for(lambda: len(fake_twilio.bodies(to=phone.number)) >= 1, timeout=10)


def test_provider_errors_are_stored_and_logged_without_the_number():
    from bot.worker import redact

    text = redact(RuntimeError("The 'To' number +33 6 12 34 56 78 is not a valid phone number"))
    assert "12 34" not in text and "+33" not in text and "<numéro>" in text
