"""Many territories in one deployment (TERRITORY_DIR, and the demo's default), through the
web chat: a resident is served by the territory of the postcode they answer, one outside
every territory gets the national contacts and no appointment, and one who corrects their
postcode is re-routed. A TERRITORY_FILE serves the postcodes it names, or everyone.

The clock is Tuesday 1 December 2026, 9:00 in France; the two demo territories
(Strasbourg Neudorf 67100, Mulhouse Bourtzwiller 68200) offer slots then.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot import messages
from handoff.territory import DEFAULT_FILE, load_territories
from storage.handoff import Appointment, Handoff
from storage.models import Conversation, FunnelEvent
from tests.helpers.app import Chat

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
DIRECTORY = str(DEFAULT_FILE.parent)
TERRITORIES = {t.id: t for t in load_territories(DIRECTORY)}
STRASBOURG, MULHOUSE = TERRITORIES["strasbourg-neudorf"], TERRITORIES["mulhouse-bourtzwiller"]


@pytest.fixture
def app(app_factory):
    with TestClient(app_factory(clock=lambda: NOW, territory_dir=DIRECTORY)) as client:
        yield client


def start(chat: Chat, postcode: str) -> None:
    """Consent, moment « autre chose », age and postcode: at the household question."""
    for text in ("bonjour", "oui", "5", "30", postcode):
        chat.say(text)
    assert chat.last.startswith(messages.text("ask_household")), chat.text


def conversation(app, chat: Chat) -> Conversation:
    with app.app.state.db.session() as session:
        rows = list(session.scalars(select(Conversation).order_by(Conversation.id)))
        key = app.app.state.core.address_key("web", chat.user_id)
        from storage.models import ChannelAddress

        address = session.scalars(select(ChannelAddress).where(ChannelAddress.key == key)).one()
        return next(c for c in rows if c.person_id == address.person_id)


def handoffs(app) -> list[Handoff]:
    with app.app.state.db.session() as session:
        return list(session.scalars(select(Handoff).order_by(Handoff.id)))


def places_offered(chat: Chat) -> set[str]:
    offer = chat.replies[-1]
    assert offer["text"] == messages.text("slot_offer"), chat.text
    return {label.split(", ", 1)[1] for label in offer["choices"]
            if label not in (messages.CHOICES["slot_none"][0], messages.CHOICES["slot_more"][0])}


def names(territory) -> set[str]:
    return {place.name for place in territory.places.values()}


@pytest.mark.parametrize("postcode, territory", [("67100", STRASBOURG), ("68200", MULHOUSE)])
def test_routed_by_the_postcode_answered(app, postcode, territory):
    chat = Chat(app, f"postcode-{postcode}")
    start(chat, postcode)
    assert conversation(app, chat).territory_id == territory.id
    chat.say("conseiller")
    assert places_offered(chat) <= names(territory)
    (handoff,) = handoffs(app)
    assert handoff.territory_id == territory.id
    chat.say("1")
    assert chat.last.startswith("C'est noté"), chat.text
    assert any(place.address in chat.last for place in territory.places.values())
    # The calendar file names the territory's own place (its address, its time zone).
    (calendar,) = [a for a in chat.replies[-1]["attachments"] if a["kind"] == "calendar"]
    ics = app.get(calendar["url"].removeprefix("http://testserver"))
    assert ics.status_code == 200
    unfolded = ics.text.replace("\r\n ", "")
    assert any(place.address.replace(",", "\\,") in unfolded
               for place in territory.places.values()), ics.text


def test_a_postcode_outside_every_territory_gets_national_contacts_and_no_appointment(app):
    chat = Chat(app, "paris")
    start(chat, "75011")
    assert conversation(app, chat).territory_id is None
    chat.say("conseiller")
    national = chat.replies[0]["text"]
    assert national == messages.text("no_territory", contact=messages.text("national_contact"))
    assert "3230" in national and "France Services" in national
    assert chat.last.startswith(messages.text("ask_household"))  # the check goes on
    assert all(not reply["choices"] or messages.CHOICES["slot_none"][0] not in reply["choices"]
               for reply in chat.replies)
    assert handoffs(app) == []  # no referent anywhere would see it
    for text in ("1", "1", "500", "2", "800", "0", "oui"):
        chat.say(text)
    assert "Prime d'activité" in chat.text  # national rights, computed as anywhere
    chat.say("1")  # « parler à une personne » after the result: still no appointment
    assert chat.replies[0]["text"] == national  # (then the optional question on sex)
    with app.app.state.db.session() as session:
        kinds = {(e.kind, e.territory_id) for e in session.scalars(select(FunnelEvent))}
    assert {("human_requested", None), ("check_completed", None)} <= kinds


def test_a_resident_moving_between_territories(app):
    chat = Chat(app, "moving")
    start(chat, "67100")
    chat.say("conseiller")
    assert places_offered(chat) <= names(STRASBOURG)
    chat.say("non merci")  # no slot yet: the hand-off waits in Strasbourg's queue
    (handoff,) = handoffs(app)
    assert (handoff.territory_id, handoff.status) == (STRASBOURG.id, "open")
    chat.say("pardon je me suis trompé, mon code postal c'est 68200")
    assert conversation(app, chat).territory_id == MULHOUSE.id
    (handoff,) = handoffs(app)
    # Nothing was booked: the hand-off follows the resident to Mulhouse's referents.
    assert (handoff.territory_id, handoff.status) == (MULHOUSE.id, "open")
    chat.say("conseiller")
    assert places_offered(chat) <= names(MULHOUSE)
    chat.say("1")
    assert any(place.address in chat.last for place in MULHOUSE.places.values()), chat.text


def test_a_booked_appointment_keeps_its_territory_when_the_resident_moves(app):
    chat = Chat(app, "moving-booked")
    start(chat, "67100")
    chat.say("conseiller")
    chat.say("1")
    assert any(place.address in chat.last for place in STRASBOURG.places.values())
    chat.say("recommencer")
    for text in ("5", "30", "68200"):
        chat.say(text)
    assert conversation(app, chat).territory_id == MULHOUSE.id
    (handoff,) = handoffs(app)
    assert handoff.territory_id == STRASBOURG.id  # the appointment stands where it is
    chat.say("changer")
    assert places_offered(chat) <= names(STRASBOURG)


def test_moving_outside_every_territory_closes_a_hand_off_with_nothing_booked(app):
    chat = Chat(app, "moving-away")
    start(chat, "68200")
    chat.say("conseiller")
    chat.say("non merci")
    chat.say("pardon je me suis trompé, c'est 13001")
    assert conversation(app, chat).territory_id is None
    (handoff,) = handoffs(app)
    assert handoff.status == "closed"


def appointments(app) -> list[Appointment]:
    with app.app.state.db.session() as session:
        return list(session.scalars(select(Appointment).order_by(Appointment.id)))


def books_in(client, chat: Chat, territory) -> None:
    """Asks for a person, is offered the territory's places only, and books the first."""
    chat.say("conseiller")
    assert places_offered(chat) <= names(territory)
    chat.say("1")
    assert any(place.address in chat.last for place in territory.places.values()), chat.text
    (appointment,) = appointments(client)
    assert appointment.place_id in territory.places
    assert appointment.referent_id in territory.referents
    (handoff,) = handoffs(client)
    assert handoff.territory_id == territory.id


def gets_the_national_contacts(client, chat: Chat) -> None:
    """Asks for a person and gets the national contacts: no slot, no hand-off."""
    chat.say("conseiller")
    assert chat.replies[0]["text"] == messages.text(
        "no_territory", contact=messages.text("national_contact"))
    assert all(messages.CHOICES["slot_none"][0] not in reply["choices"]
               for reply in chat.replies)
    assert handoffs(client) == [] and appointments(client) == []


@pytest.mark.parametrize("postcode, territory", [("68200", MULHOUSE), ("68100", MULHOUSE),
                                                 ("67200", STRASBOURG)])
def test_by_default_a_resident_books_in_their_own_territory(app_factory, postcode, territory):
    """Neither TERRITORY_FILE nor TERRITORY_DIR (`make run`, the demo): a resident of
    Mulhouse is no longer offered Strasbourg, 110 km away."""
    with TestClient(app_factory(clock=lambda: NOW, territory_file="")) as client:
        chat = Chat(client, f"default-{postcode}")
        start(chat, postcode)
        assert conversation(client, chat).territory_id == territory.id
        books_in(client, chat, territory)


def test_by_default_a_resident_of_lyon_gets_the_national_contacts(app_factory):
    with TestClient(app_factory(clock=lambda: NOW, territory_file="")) as client:
        chat = Chat(client, "default-lyon")
        start(chat, "69003")
        assert conversation(client, chat).territory_id is None
        gets_the_national_contacts(client, chat)


def test_a_territory_file_that_names_postcodes_refuses_the_others(app_factory):
    with TestClient(app_factory(clock=lambda: NOW, territory_file=str(DEFAULT_FILE))) as client:
        lyon = Chat(client, "file-lyon")
        start(lyon, "69003")
        assert conversation(client, lyon).territory_id is None
        gets_the_national_contacts(client, lyon)
        neudorf = Chat(client, "file-neudorf")
        start(neudorf, "67100")
        books_in(client, neudorf, STRASBOURG)


def test_a_territory_file_that_names_nobody_still_serves_everyone(app_factory, tmp_path):
    data = yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))
    del data["serves"]
    path = tmp_path / "everyone.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with TestClient(app_factory(clock=lambda: NOW, territory_file=str(path))) as client:
        chat = Chat(client, "one-file")
        start(chat, "69003")
        assert conversation(client, chat).territory_id == STRASBOURG.id
        books_in(client, chat, STRASBOURG)
