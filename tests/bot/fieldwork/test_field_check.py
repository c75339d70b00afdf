"""An ambassador's check in the street, through the console and the real dialogue: the
resident's consent (OUI by SMS, or the notice read aloud), the questions typed on the
page, the result and the booked slot sent to the resident's phone through the local Twilio
stand-in, and the conversation going on by SMS afterwards."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.worker import dispatch_once
from storage.accounts import ConsoleAudit
from storage.ambassadors import FieldCheck
from storage.handoff import Appointment
from storage.models import ChannelAddress, Consent, Conversation, FunnelEvent, Person
from tests.bot.fieldwork.conftest import AMBASSADOR
from tests.helpers.channels import Phone
from tests.helpers.console import csrf_of

# Moment « Autre situation », then a single tenant earning 800 € a month (test_funnel's).
ANSWERS = ["5", "30", "67000", "1", "1", "500", "2", "800", "0", "oui"]  # oui: the read-back


def dispatch(client, clock):
    """The outbox at the real clock, as the channels queue (the dialogue's clock is moved)."""
    app = client.app
    return dispatch_once(app.state.db, app.state.channels.transports,
                         territory=app.state.territory)


def start(client, number, place, *, read_aloud=False):
    page = client.get("/console/terrain")
    assert page.status_code == 200
    data = {"csrf": csrf_of(page.text), "numero": number, "lieu": place}
    if read_aloud:
        data["lu"] = "1"
    return client.post("/console/terrain", data=data, follow_redirects=False)


def answer(client, path, text):
    page = client.get(path)
    done = client.post(f"{path}/reponse", data={"csrf": csrf_of(page.text), "texte": text},
                       follow_redirects=False)
    assert done.status_code == 303, done.text
    return client.get(path).text


def check_row(db) -> FieldCheck:
    with db.session() as session:
        row = session.scalars(select(FieldCheck).order_by(FieldCheck.id.desc())).first()
        session.expunge(row)
        return row


def test_consent_by_sms_then_the_check_on_the_page_and_the_result_by_sms(
        ambassador, fake_twilio, field_clock, sqlite_db):
    started = start(ambassador, "06 12 34 00 01", "marché  du Neudorf")
    assert started.status_code == 303
    path = started.headers["location"].split("?")[0]
    resident = Phone(ambassador, fake_twilio, "+33612340001")
    dispatch(ambassador, field_clock)
    one_time = resident.new()
    assert len(one_time) == 1 and "Répondez OUI" in one_time[0] and "STOP" in one_time[0]
    assert len(one_time[0]) <= 160
    page = ambassador.get(path).text
    assert "En attente de son accord" in page

    # The resident answers OUI on their phone: the dialogue's own consent step.
    assert resident.send("OUI").status_code == 200
    dispatch(ambassador, field_clock)
    resident.new()  # the first question also reaches the phone: either may answer it
    row = check_row(sqlite_db)
    assert row.consent_method is None  # read from the conversation when next looked at
    page = ambassador.get(path).text
    row = check_row(sqlite_db)
    assert row.consent_method == "sms" and row.consent_by == "la personne, par SMS"
    assert row.consent_at is not None and row.place == "Marché du Neudorf"
    assert "Je deviens adulte" in page  # the moment of life, with its choices as buttons

    before = len(fake_twilio.messages)
    for text in ANSWERS[:-1]:
        answer(ambassador, path, text)
    dispatch(ambassador, field_clock)
    assert len(fake_twilio.messages) == before  # the questions stay on the page
    page = answer(ambassador, path, ANSWERS[-1])
    assert "Prime d" in page or "droit" in page
    dispatch(ambassador, field_clock)
    result = resident.new()
    assert result[0].startswith("Passerelle : le résultat de votre test")
    assert any("/mois" in part for part in result)

    # A slot chosen with the resident: the confirmation goes to their phone.
    page = answer(ambassador, path, "1")  # talk to a person: the slots
    answer(ambassador, path, "1")
    dispatch(ambassador, field_clock)
    booked = resident.new()
    assert booked and any("ANNULER" in part or "Annuler" in part for part in booked)

    # Later, on the resident's own phone, the same conversation goes on.
    replies = resident.say("CHANGER")
    with sqlite_db.session() as session:
        conversation = session.scalars(select(Conversation)).one()  # not a copy
        assert conversation.channel == "sms" and conversation.state in ("slot", "booked")
        assert session.scalar(select(func.count()).select_from(Appointment)) == 1
        assert session.scalar(select(func.count()).select_from(FunnelEvent).where(
            FunnelEvent.kind == "first_contact")) == 1
        assert session.scalar(select(func.count()).select_from(ConsoleAudit).where(
            ConsoleAudit.login == AMBASSADOR)) >= 10
    assert replies
    ambassador.get(path)
    row = check_row(sqlite_db)
    assert (row.completed, row.rights_found, row.appointment) == (True, True, True)


def test_notice_read_aloud_records_who_and_when_and_sends_nothing_before_the_result(
        ambassador, fake_twilio, field_clock, sqlite_db):
    started = start(ambassador, "+33 7 12 34 00 02", "Gare", read_aloud=True)
    path = started.headers["location"].split("?")[0]
    dispatch(ambassador, field_clock)
    assert fake_twilio.messages == []
    row = check_row(sqlite_db)
    assert row.consent_method == "read_aloud" and row.consent_by == AMBASSADOR
    assert row.consent_at == field_clock()
    with sqlite_db.session() as session:
        assert session.scalar(select(func.count()).select_from(Consent)) == 1
        address = session.scalars(select(ChannelAddress)).one()
        assert address.address == "+33712340002"  # kept now that consent is given
    for text in ANSWERS:
        answer(ambassador, path, text)
    dispatch(ambassador, field_clock)
    sent = fake_twilio.bodies(to="+33712340002")
    assert sent and sent[0].startswith("Passerelle : le résultat")
    # The resident asks for a person by SMS: the dialogue answers on their phone.
    resident = Phone(ambassador, fake_twilio, "+33712340002", received=list(sent))
    assert resident.say("1")


def test_numbers_places_and_stop_are_checked(ambassador, sqlite_db, field_app, fake_twilio):
    assert "error=number" in start(ambassador, "03 88 00 00 00", "Gare").headers["location"]
    assert "error=place" in start(ambassador, "0612340003", "  ").headers["location"]
    core = field_app.state.core
    with sqlite_db.session() as session:
        person = Person()
        session.add(person)
        session.flush()
        session.add(ChannelAddress(person_id=person.id, channel="sms", opted_out=True,
                                   key=core.address_key("sms", "+33612340004")))
    assert "error=stop" in start(ambassador, "06 12 34 00 04", "Gare").headers["location"]
    with sqlite_db.session() as session:
        assert session.scalar(select(func.count()).select_from(FieldCheck)) == 0
    page = ambassador.get("/console/terrain?error=number").text
    assert "pas un numéro de mobile français" in page


def test_an_ambassador_sees_only_the_field_page(ambassador):
    assert ambassador.get("/console", follow_redirects=False).headers["location"] == (
        "/console/terrain")
    assert ambassador.get("/console/agenda").status_code == 403
    assert ambassador.get("/console/indicateurs").status_code == 403
    assert ambassador.get("/console/campagnes").status_code == 403
    page = ambassador.get("/console/terrain").text
    assert 'href="/console/terrain"' in page and 'href="/console/agenda"' not in page
    # Without the CSRF token, nothing starts.
    refused = ambassador.post("/console/terrain", data={"numero": "0612340005", "lieu": "Gare"})
    assert refused.status_code == 403
