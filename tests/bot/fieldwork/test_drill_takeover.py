"""Drill: an ambassador tries to take over a resident's SMS conversation from the field page.

Replayed end to end as an attacker would, through the console and the signed Twilio webhook:
the resident talks to the service by SMS and a referent wrote to them privately; the
ambassador, with no resident beside them, types the number, ticks « notice read aloud »,
then types SUPPRIMER, STOP and ANNULER. Nothing of the resident's is shown, nothing they
have is touched; only the resident's own yes from their phone makes a check theirs, and
then in a fresh conversation showing nothing earlier.
"""

from __future__ import annotations

from html import unescape

from sqlalchemy import func, select

from storage.accounts import ConsoleAudit
from storage.ambassadors import FieldCheck
from storage.models import ChannelAddress, Conversation, Message, Person
from tests.bot.fieldwork.test_field_check import answer, check_row, dispatch, start
from tests.helpers.channels import Phone
from tests.helpers.console import csrf_of

NUMBER = "+33612349001"
PRIVATE = "Votre dossier CAF 4471 est bloqué, apportez le bail mardi."


def _resident_conversation(db) -> tuple[int, int, str]:
    with db.session() as session:
        conversation = session.scalars(select(Conversation).order_by(Conversation.id)).first()
        count = session.scalar(select(func.count()).select_from(Message).where(
            Message.conversation_id == conversation.id))
        return conversation.id, count, conversation.state


def test_an_ambassador_cannot_read_or_steer_a_residents_conversation(
        ambassador, fake_twilio, field_clock, sqlite_db):
    resident = Phone(ambassador, fake_twilio, NUMBER)
    assert resident.say("bonjour")
    assert resident.say("oui")  # consented: the address is kept, the first question asked
    own_id, _count, _state = _resident_conversation(sqlite_db)
    with sqlite_db.session() as session:  # a referent's private reply in their transcript
        session.add(Message(conversation_id=own_id, direction="out", text=PRIVATE))
    own_id, messages_before, state_before = _resident_conversation(sqlite_db)

    # The attack: the number, the notice « read aloud » with nobody there.
    started = start(ambassador, "06 12 34 90 01", "Gare", read_aloud=True)
    path = started.headers["location"].split("?")[0]
    assert "ok=sms" in started.headers["location"]  # the resident's own yes is needed
    row = check_row(sqlite_db)
    assert row.consent_method is None and row.conversation_id != own_id
    page = ambassador.get(path).text
    assert PRIVATE not in page and "Je deviens adulte" not in page

    # Ticking « read aloud » again on the check: still not the ambassador's to give.
    accord = ambassador.post(f"{path}/accord", data={"csrf": csrf_of(page), "numero": NUMBER,
                                                      "lu": "1"}, follow_redirects=False)
    assert "ok=sms" in accord.headers["location"]
    assert check_row(sqlite_db).consent_method is None

    # Typing the resident's irreversible words: nothing is typed for anyone.
    for word in ("SUPPRIMER", "OUI", "STOP", "ANNULER"):
        assert PRIVATE not in answer(ambassador, path, word)
    with sqlite_db.session() as session:
        address = session.scalars(select(ChannelAddress).where(
            ChannelAddress.address == NUMBER)).one()
        assert not address.opted_out
        assert session.get(Person, address.person_id) is not None
    assert _resident_conversation(sqlite_db) == (own_id, messages_before, state_before)

    # An hour later, the resident's own « oui » answers their own conversation.
    field_clock.advance(hours=1, minutes=1)
    dispatch(ambassador, field_clock)
    resident.new()
    resident.say("oui")
    with sqlite_db.session() as session:
        assert session.get(Conversation, row.conversation_id).person_id != address.person_id
    assert check_row(sqlite_db).consent_method is None
    assert _resident_conversation(sqlite_db)[0] == own_id


def test_the_residents_own_yes_gives_a_fresh_conversation_showing_nothing_earlier(
        ambassador, fake_twilio, field_clock, sqlite_db):
    resident = Phone(ambassador, fake_twilio, NUMBER)
    resident.say("bonjour")
    resident.say("oui")
    own_id, _count, _state = _resident_conversation(sqlite_db)
    with sqlite_db.session() as session:
        session.add(Message(conversation_id=own_id, direction="out", text=PRIVATE))
    _own, messages_before, _state = _resident_conversation(sqlite_db)

    path = start(ambassador, NUMBER, "Gare").headers["location"].split("?")[0]
    dispatch(ambassador, field_clock)
    assert any("Répondez OUI" in body for body in resident.new())
    resident.say("OUI")  # the resident, beside the ambassador, agrees on their own phone
    page = ambassador.get(path).text
    row = check_row(sqlite_db)
    assert row.consent_method == "sms" and row.conversation_id != own_id
    assert "Je deviens adulte" in page and PRIVATE not in page
    with sqlite_db.session() as session:
        fresh = session.get(Conversation, row.conversation_id)
        own = session.get(Conversation, own_id)
        assert fresh.person_id == own.person_id and fresh.consented  # asked afresh, and given
        assert session.scalar(select(func.count()).select_from(FieldCheck)) == 1
    # The earlier conversation is left as it was; the check goes on in the fresh one.
    answer(ambassador, path, "5")
    assert _resident_conversation(sqlite_db)[1] == messages_before


def test_consent_sms_are_limited_per_number_and_per_account_and_audited(
        ambassador, fake_twilio, field_clock, sqlite_db, field_app):
    """30 « Start » on one number sent 30 SMS: now 3 a day per number, 20 an hour per
    account, each one written to the console audit."""
    codes = [start(ambassador, "06 12 34 90 02", "Gare").headers["location"] for _ in range(30)]
    assert sum("ok=sms" in code for code in codes) == 3
    assert all("error=sms_limit" in code for code in codes[3:])
    dispatch(ambassador, field_clock)
    assert len(fake_twilio.bodies(to="+33612349002")) == 3
    for i in range(30):  # other numbers, one each: the account's own limit
        start(ambassador, f"06 12 35 {i // 10:02d} {i % 10:02d}", "Gare")
    with sqlite_db.session() as session:
        assert session.scalar(select(func.count()).select_from(FieldCheck)) == 3 + 17
        audited = session.scalar(select(func.count()).select_from(ConsoleAudit).where(
            ConsoleAudit.action == "field_consent_sms"))
    assert audited == 20
    page = ambassador.get("/console/terrain?error=sms_limit").text
    assert "Trop de SMS d'accord" in unescape(page)


def test_the_notice_read_aloud_is_audited(ambassador, sqlite_db):
    start(ambassador, "06 12 34 90 03", "Gare", read_aloud=True)
    with sqlite_db.session() as session:
        audited = session.scalars(select(ConsoleAudit.action).order_by(ConsoleAudit.id)).all()
    assert "field_read_aloud" in audited
