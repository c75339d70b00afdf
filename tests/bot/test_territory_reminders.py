"""The day-before reminders of a deployment of two territories: each appointment is
reminded on its own territory's clock (« tomorrow » and 10:00-18:00 in its time zone), with
its own place. The second demo territory is moved to Cayenne's time zone (UTC-3, a real
French one) so that the two clocks differ."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, time, timedelta

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.outbox import take_web
from bot.reminders import send_due_reminders
from handoff.territory import DEFAULT_FILE
from storage.handoff import Appointment, Handoff
from tests.helpers.app import Chat

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # Tuesday: 13:00 in Paris, 9:00 in Cayenne


@pytest.fixture
def directory(tmp_path):
    for path in DEFAULT_FILE.parent.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    target = tmp_path / "mulhouse-bourtzwiller.yaml"
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    data["settings"]["timezone"] = "America/Cayenne"
    target.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return tmp_path


@pytest.fixture
def app(app_factory, directory):
    with TestClient(app_factory(clock=lambda: NOW, territory_dir=str(directory))) as client:
        yield client


def book(app, user: str, postcode: str) -> Appointment:
    chat = Chat(app, user)
    for text in ("bonjour", "oui", "5", "30", postcode, "conseiller", "1"):
        chat.say(text)
    assert chat.last.startswith("C'est noté"), chat.text
    with app.app.state.db.session() as session:
        return session.scalars(select(Appointment).join(Handoff).order_by(
            Appointment.id.desc())).first()


def pending(app, user: str) -> list[str]:
    core = app.app.state.core
    with app.app.state.db.session() as session:
        return [m.body for m in take_web(session, address_key=core.address_key("web", user),
                                         now=NOW + timedelta(days=30))]


def local_day_before(appointment: Appointment, tz, hour: int) -> datetime:
    day = appointment.starts_at.astimezone(tz).date() - timedelta(days=1)
    return datetime.combine(day, time(hour), tzinfo=tz)


def test_each_appointment_is_reminded_on_its_own_territory_clock(app):
    territories = app.app.state.territories
    mulhouse = territories.get("mulhouse-bourtzwiller")
    appointment = book(app, "cayenne", "68200")
    db = app.app.state.db
    # 9:00 in Cayenne, 13:00 in Paris: inside Paris's hours, not yet inside Cayenne's.
    early = local_day_before(appointment, mulhouse.timezone, 9)
    assert send_due_reminders(db, territories, now=early) == 0
    on_time = local_day_before(appointment, mulhouse.timezone, 10)
    assert send_due_reminders(db, territories, now=on_time) == 1
    reminder = [text for text in pending(app, "cayenne") if text.startswith("Rappel")]
    assert len(reminder) == 1
    place = mulhouse.places[appointment.place_id]
    assert place.address in reminder[0]
    local = appointment.starts_at.astimezone(mulhouse.timezone)
    assert f"{local.hour}h" in reminder[0]  # the time of day in Cayenne, not in Paris


def test_a_strasbourg_appointment_keeps_paris_time(app):
    territories = app.app.state.territories
    strasbourg = territories.get("strasbourg-neudorf")
    appointment = book(app, "neudorf", "67100")
    db = app.app.state.db
    assert send_due_reminders(db, territories,
                              now=local_day_before(appointment, strasbourg.timezone, 9)) == 0
    assert send_due_reminders(db, territories,
                              now=local_day_before(appointment, strasbourg.timezone, 10)) == 1
    (reminder,) = [t for t in pending(app, "neudorf") if t.startswith("Rappel")]
    assert strasbourg.places[appointment.place_id].address in reminder
