"""After « SUPPRIMER » on SMS, the number and the message bodies are gone from the SQLite
file and its write-ahead log, and nothing still queued for the person is sent."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot import outbox
from bot.dialogue.types import Reply
from storage import erasure
from storage.models import ChannelAddress, OutboxMessage


def database_bytes(db) -> bytes:
    path = Path(db.engine.url.database)
    data = path.read_bytes()
    for suffix in ("-wal", "-journal"):
        extra = Path(str(path) + suffix)
        if extra.exists():
            data += extra.read_bytes()
    return data


def keys_of(db, number: str, core) -> list[str]:
    return [core.address_key("sms", number)]


def test_an_erased_sms_conversation_leaves_no_number_in_the_database_files(phone, sms_app):
    db, core = sms_app.app.state.db, sms_app.app.state.core
    phone.say("bonjour")
    phone.say("oui")  # consent: from now on the number is kept in clear
    phone.say("5")
    phone.say("30")
    digits = phone.number.removeprefix("+33")
    assert digits.encode() in database_bytes(db)  # the test can see it while it is there
    key = core.address_key("sms", phone.number)
    with db.session() as session:  # a reminder still queued when the person erases
        outbox.enqueue(session, channel="sms", recipient=phone.number, address_key=key,
                       replies=[Reply("Rappel : rendez-vous demain 9h30, Mme Numéro-Secret")])
    assert "effacées" in "\n".join(phone.say("SUPPRIMER"))
    # What the dialogue does at erasure (wired in bot/dialogue by the lead): forget what the
    # outbox still holds for the person, then checkpoint once the turn is committed.
    with db.session() as session:
        erasure.forget_outbox(session, [key])
    erasure.checkpoint(db)
    with db.session() as session:
        rows = list(session.scalars(select(OutboxMessage).where(
            OutboxMessage.address_key == key, OutboxMessage.status.in_(("pending", "sending")))))
        assert rows == []
        assert session.scalars(select(ChannelAddress).where(ChannelAddress.key == key)).first() \
            is None
    before = len(phone.fake.messages)
    phone.dispatch()
    assert len(phone.fake.messages) == before  # nothing left to send to the erased person
    data = database_bytes(db)
    assert phone.number.encode() not in data and digits.encode() not in data
    assert "Numéro-Secret".encode() not in data


def test_supprimer_deletes_the_persons_stored_inbound_messages(phone, sms_app, monkeypatch):
    """A message given up long ago (only its key left), « SUPPRIMER » whose turn failed once,
    and a message sent behind it: the erasure takes every one of them."""
    from datetime import UTC, datetime, timedelta

    from bot.channels import inbound
    from bot.dialogue.core import DialogueCore
    from storage.models import InboundMessage

    db, core = sms_app.app.state.db, sms_app.app.state.core
    phone.say("bonjour")
    phone.say("oui")
    key = core.address_key("sms", phone.number)
    other = core.address_key("sms", "+33600000001")
    with db.session() as session:
        session.add_all([
            InboundMessage(inbound_id="twilio:SMgivenup", channel="sms", address_key=key,
                           sender=None, body="", status="failed", attempts=12),
            InboundMessage(inbound_id="twilio:SMother", channel="sms", address_key=other,
                           sender="+33600000001", body="bonjour", status="failed")])
    real, failed = DialogueCore.handle, []

    def handle(self, message, **kwargs):
        if message.text == "SUPPRIMER" and not failed:
            failed.append(message.text)
            raise RuntimeError("turn failed")
        return real(self, message, **kwargs)

    monkeypatch.setattr(DialogueCore, "handle", handle)
    phone.send("SUPPRIMER")
    phone.send("Mme Secret-Lilas, 12 rue des Tilleuls")
    with db.session() as session:
        mine = session.scalars(select(InboundMessage.body).where(
            InboundMessage.address_key == key).order_by(InboundMessage.id)).all()
    assert mine == ["", "SUPPRIMER", "Mme Secret-Lilas, 12 rue des Tilleuls"]
    inbound.retry_pending(core, now=datetime.now(UTC) + timedelta(minutes=1))
    phone.dispatch()
    assert [t for t in phone.new() if "effacées" in t]
    with db.session() as session:
        left = session.scalars(select(InboundMessage.address_key)).all()
    assert left == [other]  # someone else's row stays
    assert b"Secret-Lilas" not in database_bytes(db)
