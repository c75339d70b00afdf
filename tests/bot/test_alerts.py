"""Referents alerted of an urgent hand-off (issue 28 item 4): an SMS to those on duty, else
the on-call number, within the minute, through the outbox and the real twilio client to the
local stand-in API; a link and the request number, never the resident's words or number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot import alerts
from bot.alerts import send_alerts
from storage.handoff import Handoff
from tests.helpers.app import DEFAULT_FILE
from tests.helpers.channels import PUBLIC, Phone, twilio_settings

TUESDAY_10 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 10:00 in Strasbourg: Amina, Mehmet on duty
TUESDAY_NIGHT = datetime(2026, 12, 1, 21, 0, tzinfo=UTC)  # 22:00: nobody
AMINA, MEHMET, SOPHIE, ON_CALL = "+33600000101", "+33600000102", "+33600000103", "+33600000199"
RESIDENT = "+33611000201"
WORDS = "mon mari me frappe"


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def territory_file(tmp_path):
    data = yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))
    phones = {"amina": AMINA, "mehmet": MEHMET, "sophie": SOPHIE}
    for referent in data["referents"]:
        if referent["id"] in phones:
            referent["alert_phone"] = phones[referent["id"]]
    data["alerts"] = {"on_call_phone": ON_CALL}
    path = tmp_path / "territory.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def urgent_handoff(app_factory, fake_twilio, territory_file, clock):
    app = TestClient(
        app_factory(clock=clock, territory_file=str(territory_file), **twilio_settings(fake_twilio))
    )
    app.__enter__()
    resident = Phone(app, fake_twilio, RESIDENT)
    for text in ["bonjour", "oui", WORDS]:
        resident.say(text)
    with app.app.state.db.session() as s:
        handoff = s.scalars(select(Handoff)).one()
        assert handoff.urgent
        return app, resident, handoff.id


def alerts_sent(app, fake_twilio, clock) -> dict[str, str]:
    before = len(fake_twilio.messages)
    send_alerts(app.app.state.db, app.app.state.territories, now=clock.now, console_url=PUBLIC)
    Phone(app, fake_twilio, RESIDENT).dispatch(now=clock.now)
    return {m["To"]: m["Body"] for m in fake_twilio.messages[before:]}


def test_an_urgent_handoff_alerts_the_referents_on_duty_within_a_minute(
    app_factory, fake_twilio, territory_file
):
    clock = Clock(TUESDAY_10)
    app, _resident, handoff_id = urgent_handoff(app_factory, fake_twilio, territory_file, clock)
    try:
        # The loop passes every INTERVAL seconds: the next pass is less than a minute away.
        assert alerts.INTERVAL <= 30
        clock.now += timedelta(seconds=alerts.INTERVAL)
        sent = alerts_sent(app, fake_twilio, clock)
        assert set(sent) == {AMINA, MEHMET}  # on duty on Tuesday morning; Sophie is not
        for body in sent.values():
            assert f"{PUBLIC}/console/handoffs/{handoff_id}" in body and "urgente" in body
            assert "frappe" not in body and "611000201" not in body and "06 11" not in body
            assert len(body) <= 160
        assert alerts_sent(app, fake_twilio, clock) == {}  # once
    finally:
        app.__exit__(None, None, None)


def test_outside_working_hours_the_on_call_number_is_alerted(app_factory, fake_twilio, territory_file):
    clock = Clock(TUESDAY_NIGHT)
    app, _resident, handoff_id = urgent_handoff(app_factory, fake_twilio, territory_file, clock)
    try:
        sent = alerts_sent(app, fake_twilio, clock)
        assert list(sent) == [ON_CALL]
        assert f"/console/handoffs/{handoff_id}" in sent[ON_CALL]
    finally:
        app.__exit__(None, None, None)


def test_a_handoff_that_is_not_urgent_is_announced_only_if_the_territory_asks(
    app_factory, fake_twilio, territory_file
):
    clock = Clock(TUESDAY_10)
    app = TestClient(
        app_factory(clock=clock, territory_file=str(territory_file), **twilio_settings(fake_twilio))
    )
    with app:
        resident = Phone(app, fake_twilio, RESIDENT)
        for text in ["bonjour", "oui", "conseiller"]:
            resident.say(text)
        assert alerts_sent(app, fake_twilio, clock) == {}
