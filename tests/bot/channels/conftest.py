"""Apps with the channels switched on, pointed at the local fakes, and a phone that texts."""

from __future__ import annotations

import itertools

import pytest
from fastapi.testclient import TestClient

from tests.bot.channels.fakes import FakeTelegram, FakeTwilio
from tests.helpers.channels import Phone, twilio_settings

_numbers = itertools.count(612000001)


@pytest.fixture
def fake_twilio():
    with FakeTwilio() as server:
        yield server


@pytest.fixture
def fake_telegram():
    with FakeTelegram() as server:
        yield server


@pytest.fixture
def sms_app(app_factory, fake_twilio):
    with TestClient(app_factory(**twilio_settings(fake_twilio))) as client:
        yield client


@pytest.fixture
def phone(sms_app, fake_twilio):
    return Phone(sms_app, fake_twilio, f"+33{next(_numbers)}")
