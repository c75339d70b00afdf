"""Routing over the real channels: an SMS to a territory's own number (the real twilio
client against the local fake Twilio, signed webhooks), an SMS to the shared number routed
by the postcode, and a territory's own Telegram bot (python-telegram-bot against the fake
Bot API). Two demo territories: Strasbourg Neudorf (67000, 67100, 67200, the shared number)
and Mulhouse Bourtzwiller (68100, 68200, its own number +33639980001), served by TERRITORY_DIR
and, with neither setting, by default."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select

from handoff.territory import DEFAULT_FILE, load_territories
from storage.handoff import Appointment, Handoff
from storage.models import Conversation
from tests.bot.channels.test_telegram import WebhookUser
from tests.helpers.channels import SMS_FROM, Phone, telegram_settings, twilio_settings

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tuesday 9:00 in France: slots are offered
DIRECTORY = DEFAULT_FILE.parent
TERRITORIES = {t.id: t for t in load_territories(DIRECTORY)}
MULHOUSE_NUMBER = "+33639980001"


@pytest.fixture
def sms(app_factory, fake_twilio):
    app = app_factory(clock=lambda: NOW, territory_dir=str(DIRECTORY),
                      **twilio_settings(fake_twilio))
    with TestClient(app) as client:
        yield client


def territories_of(client) -> list[str | None]:
    with client.app.state.db.session() as session:
        return list(session.scalars(select(Conversation.territory_id).order_by(Conversation.id)))


def senders(fake_twilio, phone: Phone) -> set[str]:
    return {m["From"] for m in fake_twilio.messages if m["To"] == phone.number}


def place_names(territory_id: str) -> list[str]:
    return [p.name for p in TERRITORIES[territory_id].places.values()]


def through_the_check(phone: Phone, postcode: str) -> str:
    for text in ("bonjour", "1", "5", "30", postcode):
        phone.say(text)
    return "\n".join(phone.say("conseiller"))


def test_an_sms_to_a_territory_own_number_is_routed_there_whatever_the_postcode(sms,
                                                                                 fake_twilio):
    phone = Phone(sms, fake_twilio, "+33612340001", to=MULHOUSE_NUMBER)
    phone.say("bonjour")
    assert territories_of(sms) == ["mulhouse-bourtzwiller"]  # before any answer
    offer = through_the_check(phone, "67100")  # a Strasbourg postcode: the number wins
    assert any(name in offer for name in place_names("mulhouse-bourtzwiller")), offer
    assert not any(name in offer for name in place_names("strasbourg-neudorf"))
    with sms.app.state.db.session() as session:
        (handoff,) = session.scalars(select(Handoff)).all()
        assert handoff.territory_id == "mulhouse-bourtzwiller"
    # Answered from the number texted, so the next answer comes back to Mulhouse.
    assert senders(fake_twilio, phone) == {MULHOUSE_NUMBER}


@pytest.mark.parametrize("postcode, territory_id", [("67100", "strasbourg-neudorf"),
                                                    ("68200", "mulhouse-bourtzwiller")])
def test_an_sms_to_the_shared_number_is_routed_by_the_postcode(sms, fake_twilio, postcode,
                                                                territory_id):
    phone = Phone(sms, fake_twilio, "+33612340002")  # texts the shared number
    phone.say("bonjour")
    assert territories_of(sms) == [None]  # not known before the postcode
    offer = through_the_check(phone, postcode)
    assert territories_of(sms) == [territory_id]
    assert any(name in offer for name in place_names(territory_id)), offer
    assert senders(fake_twilio, phone) == {SMS_FROM}


def test_an_sms_from_outside_every_territory_gets_the_national_contacts(sms, fake_twilio):
    phone = Phone(sms, fake_twilio, "+33612340003")
    answer = through_the_check(phone, "33000")
    assert "3230" in answer and "France Services" in answer
    assert "Choisissez un rendez-vous" not in answer
    assert territories_of(sms) == [None]


@pytest.fixture
def default_sms(app_factory, fake_twilio):
    """Neither TERRITORY_FILE nor TERRITORY_DIR: what `make run` serves."""
    app = app_factory(clock=lambda: NOW, territory_file="", **twilio_settings(fake_twilio))
    with TestClient(app) as client:
        yield client


@pytest.mark.parametrize("postcode, territory_id", [("68200", "mulhouse-bourtzwiller"),
                                                    ("67000", "strasbourg-neudorf")])
def test_by_default_the_shared_number_books_in_the_resident_own_territory(
        default_sms, fake_twilio, postcode, territory_id):
    phone = Phone(default_sms, fake_twilio, "+33612340004")
    offer = through_the_check(phone, postcode)
    assert territories_of(default_sms) == [territory_id]
    others = [name for tid in TERRITORIES if tid != territory_id for name in place_names(tid)]
    assert any(name in offer for name in place_names(territory_id)), offer
    assert not any(name in offer for name in others), offer
    phone.say("1")
    with default_sms.app.state.db.session() as session:
        (appointment,) = session.scalars(select(Appointment)).all()
        assert appointment.place_id in TERRITORIES[territory_id].places
        assert appointment.handoff.territory_id == territory_id


def test_by_default_an_sms_from_lyon_gets_the_national_contacts(default_sms, fake_twilio):
    phone = Phone(default_sms, fake_twilio, "+33612340005")
    answer = through_the_check(phone, "69003")
    assert "3230" in answer and "France Services" in answer
    assert "Choisissez un rendez-vous" not in answer
    assert territories_of(default_sms) == [None]
    with default_sms.app.state.db.session() as session:
        assert session.scalars(select(Handoff)).all() == []


@pytest.fixture
def own_bot_directory(tmp_path):
    """The demo territories, Mulhouse with a Telegram bot of its own (the fake's getMe)."""
    for path in DIRECTORY.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    target = tmp_path / "mulhouse-bourtzwiller.yaml"
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    data["channels"]["telegram_bot"] = "passerelle_test_bot"
    target.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return tmp_path


def test_a_territory_own_telegram_bot_routes_there(app_factory, fake_telegram,
                                                   own_bot_directory):
    app = app_factory(clock=lambda: NOW, territory_dir=str(own_bot_directory),
                      **telegram_settings(fake_telegram, "webhook"))
    with TestClient(app) as client:
        user = WebhookUser(client, fake_telegram)
        user.say("/start")
        for text in ("Oui", "5", "30", "67100"):
            user.say(text)
        offer = "\n".join(str(m) for m in user.say("conseiller"))
        assert territories_of(client) == ["mulhouse-bourtzwiller"]
        assert any(name in offer for name in place_names("mulhouse-bourtzwiller")), offer
