"""A web booking needs a mobile number confirmed by a code sent by SMS (issue 28 item 2,
issue 27 item 2); the reminder the day before then goes to it by SMS. The code SMS and the
reminder leave through the outbox with the real twilio client, to the local stand-in API."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot import messages
from bot.reminders import send_due_reminders
from bot.worker import dispatch_once
from handoff.accounts import add_account
from storage.handoff import Appointment, Handoff
from storage.models import OutboxMessage, Person, PersonPhone
from tests.helpers.app import Chat, new_user_id
from tests.helpers.channels import PUBLIC, twilio_settings
from tests.helpers.console import LOGIN, PASSWORD, log_in

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tuesday 9:00 in Strasbourg
MOBILE = "+33612345601"


class Clock:
    def __init__(self):
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def app(app_factory, fake_twilio, clock):
    with TestClient(
        app_factory(clock=clock, web_booking_proof=True, **twilio_settings(fake_twilio))
    ) as client:
        yield client


def dispatch(app, clock) -> None:
    dispatch_once(app.app.state.db, app.app.state.channels.transports, now=clock.now)


def code_sent_to(fake_twilio, number: str) -> str:
    (body,) = fake_twilio.bodies(to=number)[-1:]
    assert len(body) <= 160  # one SMS
    return re.search(r"\b(\d{6})\b", body).group(1)


def to_slot_choice(chat: Chat) -> None:
    for text in ["bonjour", "oui", "conseiller"]:
        chat.say(text)
    assert chat.replies[-1]["choices"], chat.text


def appointments(app) -> list[Appointment]:
    with app.app.state.db.session() as s:
        rows = list(s.scalars(select(Appointment).order_by(Appointment.id)))
        s.expunge_all()
        return rows


def referent(app) -> TestClient:
    """A client of the same app logged in to the console as a referent of the territory."""
    with app.app.state.db.session() as s:
        add_account(s, login=LOGIN, password=PASSWORD, referent_id="amina")
    console = TestClient(app.app, base_url=PUBLIC)
    assert log_in(console).status_code == 303
    return console


def day_before(appointment: Appointment, hour: int) -> datetime:
    local = appointment.starts_at.astimezone(timezone(timedelta(hours=1)))  # CET in December
    day = (local - timedelta(days=1)).date()
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone(timedelta(hours=1)))


def test_a_web_resident_confirms_a_number_books_and_gets_the_reminder_by_sms(app, fake_twilio, clock):
    chat = Chat(app, new_user_id())
    to_slot_choice(chat)
    # A later date: a slot booked today for tomorrow gets no reminder (the confirmation
    # has just said it all).
    chat.say(messages.CHOICES["slot_more"][0])
    chat.say("3")
    assert chat.last == messages.text("phone_ask")
    assert appointments(app) == []  # nothing held before the proof
    chat.say("06 12 34 56 7")
    assert chat.last == messages.text("phone_invalid")
    chat.say("06 12 34 56 01")
    assert "06 12 34 56 01" in chat.last
    dispatch(app, clock)
    code = code_sent_to(fake_twilio, MOBILE)
    chat.say(code)
    assert chat.replies[0]["text"] == messages.text("phone_confirmed")
    assert chat.replies[-1]["choices"] == messages.CHOICES["booked"]
    (appointment,) = appointments(app)
    assert appointment.starts_at.astimezone(UTC).date() >= (NOW + timedelta(days=2)).date()
    with app.app.state.db.session() as s:
        phone = s.scalars(select(PersonPhone)).one()
        assert phone.phone == MOBILE and phone.verified_at is not None
        assert phone.code_hash is None
    # The clock moved to the day before, in the sending hours: the reminder goes by SMS.
    clock.now = day_before(appointment, 11).astimezone(UTC)
    assert send_due_reminders(app.app.state.db, app.app.state.territory, now=clock.now) == 1
    dispatch(app, clock)
    reminder = fake_twilio.bodies(to=MOBILE)[-1]
    assert reminder.startswith("Rappel") and len(reminder) <= 160
    assert app.app.state.territory.places[appointment.place_id].address in reminder
    # Erased with the person: the number too.
    chat.say("SUPPRIMER")
    with app.app.state.db.session() as s:
        assert s.scalar(select(func.count(PersonPhone.id))) == 0


def test_three_wrong_codes_are_refused(app, fake_twilio, clock):
    chat = Chat(app, new_user_id())
    to_slot_choice(chat)
    chat.say("1")
    chat.say("+33 6 12 34 56 02")
    dispatch(app, clock)
    code = code_sent_to(fake_twilio, "+33612345602")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    chat.say(wrong)
    assert chat.last == messages.text("phone_code_wrong", left=2)
    chat.say(wrong)
    chat.say(wrong)
    assert chat.last.startswith(messages.text("phone_code_refused", contact="")[:20])
    chat.say(code)  # the right code, too late
    assert appointments(app) == []
    # Asking for a slot again from the same identity is refused at once.
    chat.say("conseiller")
    if chat.replies[-1]["choices"]:
        chat.say("1")
    assert "phone_ask" not in chat.last and appointments(app) == []
    with app.app.state.db.session() as s:
        assert s.scalars(select(PersonPhone)).one().verified_at is None


def test_drill_one_address_cannot_exhaust_slots_or_the_urgent_queue(app, fake_twilio, clock):
    """Issue 27 item 2 replayed: one address opens web identities by the dozen, each says
    it is in danger and takes the first slot, and sends codes to one number."""
    budget = app.app.state.territory.unverified_handoffs_per_hour
    attackers = budget + 10
    for _ in range(attackers):
        clock.now += timedelta(seconds=5)
        chat = Chat(app, new_user_id())
        chat.say("bonjour")
        chat.say("oui")
        chat.say("mon mari me frappe")
        assert "3919" in chat.replies[0]["text"]  # the emergency numbers, always
        chat.say("1")
        assert chat.last == messages.text("phone_ask")
        chat.say("06 12 34 56 03")
    dispatch(app, clock)
    assert appointments(app) == []  # no slot taken without a confirmed number
    assert len(fake_twilio.bodies(to="+33612345603")) == 3  # codes to one number: capped
    with app.app.state.db.session() as s:
        handoffs = list(s.scalars(select(Handoff).order_by(Handoff.id)))
        assert len(handoffs) == attackers
        assert sum(h.urgent for h in handoffs) == budget
        assert all(h.awaiting_review and not h.urgent for h in handoffs[budget:])
        sent = s.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.channel == "sms"))
        assert sent == 3
        held_back = handoffs[-1].id
    # The referents see them last, marked for review, never as urgent.
    console = referent(app)
    first = console.get("/console/queue.json").json()
    assert held_back not in first["ids"] and first["urgent"] == len(first["ids"])
    last = console.get(f"/console/queue.json?page={first['total'] // len(first['ids']) + 1}")
    assert last.json()["ids"][-1] == held_back and "À vérifier" in last.json()["html"]
    assert "À vérifier" in console.get(f"/console/handoffs/{held_back}").text
    # A real resident past the budget confirms a number: urgent again, and booked.
    chat = Chat(app, new_user_id())
    chat.say("bonjour")
    chat.say("oui")
    chat.say("mon mari me frappe")
    chat.say("1")
    chat.say("07 12 34 56 04")
    dispatch(app, clock)
    chat.say(code_sent_to(fake_twilio, "+33712345604"))
    assert chat.replies[-1]["choices"] == messages.CHOICES["booked"]
    with app.app.state.db.session() as s:
        mine = s.scalars(select(Handoff).order_by(Handoff.id.desc())).first()
        assert mine.urgent and not mine.awaiting_review
        assert s.scalar(select(func.count(Person.id))) == attackers + 1
