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
