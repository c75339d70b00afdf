"""A resident who writes in Turkish books a slot with DANIŞMAN and gets the day-before
reminder in Turkish (its slot and place as the territory writes them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from fastapi.testclient import TestClient
from sqlalchemy import select

from bot import language, messages
from bot.outbox import take_web
from bot.reminders import send_due_reminders
from storage.handoff import Appointment
from tests.helpers.app import Chat

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_a_turkish_resident_is_reminded_in_turkish(app_factory):
    with TestClient(app_factory(clock=lambda: NOW)) as client:
        chat = Chat(client, "tr-1")
        chat.say("Merhaba, haklarımı öğrenmek istiyorum lütfen")
        chat.say("evet")
        chat.say("DANIŞMAN")
        with language.use("tr"):
            assert chat.last == messages.text("slot_offer")
        chat.say("1")
        with language.use("tr"):
            assert chat.replies[-1]["choices"] == messages.CHOICES["booked"]
        app = client.app
        with app.state.db.session() as s:
            appointment = s.scalars(select(Appointment)).one()
        local = appointment.starts_at.astimezone(timezone(timedelta(hours=1)))
        day = (local - timedelta(days=1)).date()
        at = datetime(day.year, day.month, day.day, 10, 0, tzinfo=timezone(timedelta(hours=1)))
        assert send_due_reminders(app.state.db, app.state.territory, now=at) == 1
        with app.state.db.session() as s:
            (text,) = [m.body for m in take_web(
                s, address_key=app.state.core.address_key("web", "tr-1"),
                now=NOW + timedelta(days=30))]
        assert text.startswith("Hatırlatma: yarın")
        assert messages.text("reminder", time="x", place="y", address="z").startswith("Rappel")
