"""A campaign's world: the app at a clock the test moves, the local Twilio stand-in, and a
project-team account logged in to the console."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from handoff.accounts import add_account
from tests.bot.channels.fakes import FakeTwilio
from tests.fixtures.town import Clock
from tests.helpers.channels import PUBLIC, twilio_settings
from tests.helpers.console import PASSWORD, PROJET, log_in


@pytest.fixture
def fake_twilio():
    with FakeTwilio() as server:
        yield server


@pytest.fixture
def campaign_clock():
    return Clock(datetime(2026, 11, 10, 18, 30, tzinfo=UTC))  # Tuesday 19:30 in Strasbourg


@pytest.fixture
def team(app_factory, sqlite_db, fake_twilio, campaign_clock):
    """The project team's console client, on an app that sends SMS to the fake Twilio."""
    app = app_factory(clock=campaign_clock, **twilio_settings(fake_twilio))
    with sqlite_db.session() as session:
        add_account(session, login=PROJET, password=PASSWORD, referent_id="amina",
                    roles=["projet"])
    # The public address is https: the console cookie is Secure, so the client is too.
    with TestClient(app, base_url=PUBLIC) as client:
        assert log_in(client, PROJET).status_code == 303
        yield client
