"""Day-before reminders queued through the outbox, with a moved clock, from a real booking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot import messages
from bot.outbox import take_web
from bot.reminders import send_due_reminders
from storage.handoff import Appointment
from tests.helpers.app import Chat

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tuesday 9:00 in Strasbourg


@pytest.fixture
def app(app_factory):
    with TestClient(app_factory(clock=lambda: NOW)) as client:
        yield client


def book(app, user: str) -> Appointment:
    chat = Chat(app, user)
    for text in ["bonjour", "oui", "conseiller", "1"]:
        chat.say(text)
    assert chat.replies[-1]["choices"] == messages.CHOICES["booked"]
    with app.app.state.db.session() as s:
        return s.scalars(select(Appointment).order_by(Appointment.id.desc())).first()


def day_before(appointment: Appointment, hour: int, minute: int = 0) -> datetime:
    local = appointment.starts_at.astimezone(timezone(timedelta(hours=1)))  # CET in December
    day = (local - timedelta(days=1)).date()
    return datetime(day.year, day.month, day.day, hour, minute,
                    tzinfo=timezone(timedelta(hours=1)))


def pending(app, user: str) -> list[str]:
    core = app.app.state.core
    with app.app.state.db.session() as s:
        return [m.body for m in take_web(s, address_key=core.address_key("web", user),
                                         now=NOW + timedelta(days=30))]


def test_sent_once_the_day_before_within_the_window(app):
    appointment = book(app, "r1")
    db, territory = app.app.state.db, app.app.state.territory
    assert send_due_reminders(db, territory, now=day_before(appointment, 9, 59)) == 0
    assert send_due_reminders(db, territory, now=day_before(appointment, 18, 0)) == 0
    assert send_due_reminders(db, territory, now=day_before(appointment, 10, 0)) == 1
    assert send_due_reminders(db, territory, now=day_before(appointment, 15, 0)) == 0
    (text,) = pending(app, "r1")
    assert text.startswith("Rappel") and len(text) <= 160
    assert territory.places[appointment.place_id].address in text


def test_not_sent_after_cancellation(app):
    appointment = book(app, "r2")
    Chat(app, "r2").say("ANNULER")
    assert send_due_reminders(app.app.state.db, app.app.state.territory,
                              now=day_before(appointment, 11)) == 0


def test_not_sent_after_opt_out(app):
    appointment = book(app, "r3")
    Chat(app, "r3").say("STOP")
    assert send_due_reminders(app.app.state.db, app.app.state.territory,
                              now=day_before(appointment, 11)) == 0


def test_not_sent_once_the_slot_has_passed(app):
    appointment = book(app, "r4")
    after = appointment.starts_at + timedelta(hours=1)
    assert send_due_reminders(app.app.state.db, app.app.state.territory, now=after) == 0
