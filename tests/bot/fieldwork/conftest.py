"""The field mode's world: the app at a clock the test moves, sending SMS to the local
Twilio stand-in, and an ambassador logged in to the console."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from handoff.accounts import add_account
from tests.bot.channels.fakes import FakeTwilio
from tests.fixtures.town import Clock
from tests.helpers.channels import PUBLIC, twilio_settings
from tests.helpers.console import PASSWORD, log_in

AMBASSADOR = "karim"


@pytest.fixture
def fake_twilio():
    with FakeTwilio() as server:
        yield server


@pytest.fixture
def field_clock():
    # Tuesday 10:00 in Strasbourg, before the real clock: rows stamped by the database
    # default (an appointment's created_at) come after the check started, as in life.
    return Clock(datetime(2026, 11, 17, 9, 0, tzinfo=UTC))


@pytest.fixture
def field_app(app_factory, fake_twilio, field_clock):
    return app_factory(clock=field_clock, **twilio_settings(fake_twilio))


@pytest.fixture
def ambassador(field_app, sqlite_db):
    """An ambassador's console client (the cookie is Secure: the client is https too)."""
    with sqlite_db.session() as session:
        add_account(session, login=AMBASSADOR, password=PASSWORD, referent_id=AMBASSADOR,
                    roles=["ambassadeur"])
    with TestClient(field_app, base_url=PUBLIC) as client:
        assert log_in(client, AMBASSADOR).status_code == 303
        yield client


@pytest.fixture
def console_app(app_factory, fake_twilio, sqlite_db):
    """For the browser test's live server: the app at the real clock, its outbox dispatcher
    running and sending SMS to the local Twilio stand-in, with an ambassador's account."""
    settings = {**twilio_settings(fake_twilio), "outbox_interval": 0.2}
    app = app_factory(**settings)
    with sqlite_db.session() as session:
        add_account(session, login=AMBASSADOR, password=PASSWORD, referent_id=AMBASSADOR,
                    roles=["ambassadeur"])
    return app
