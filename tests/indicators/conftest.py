"""A population of people talking to the real dialogue at a clock the test moves, and the
console as the project team and the referents use it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.dialogue.types import IncomingMessage
from handoff.accounts import add_account
from storage.handoff import Appointment, Handoff
from storage.models import ChannelAddress, Conversation
from tests.console.conftest import log_in

PROJET = "projet@ems.example"
REFERENT = "amina@ccas.example"
PASSWORD = "un-mot-de-passe-solide"


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock():
    return Clock(datetime(2026, 10, 5, 8, 0, tzinfo=UTC))  # Monday, week 41


@pytest.fixture
def town(app_factory, sqlite_db, clock):
    """The app at the test's clock, with a project account and a plain referent account."""
    app = app_factory(clock=clock)
    with sqlite_db.session() as session:
        add_account(session, login=PROJET, password=PASSWORD, referent_id="amina",
                    roles=["referent", "projet"])
        add_account(session, login=REFERENT, password=PASSWORD, referent_id="amina")
    with TestClient(app) as client:
        yield Town(client, sqlite_db, clock)


@dataclass
class Town:
    client: TestClient
    db: object
    clock: Clock

    @property
    def core(self):
        return self.client.app.state.core

    def says(self, channel: str, sender: str, *texts: str) -> list[dict]:
        """One person's messages, on the web chat API or straight into the core (SMS)."""
        replies: list[dict] = []
        for text in texts:
            if channel == "web":
                response = self.client.post("/api/chat", json={"user_id": sender, "text": text})
                assert response.status_code == 200, response.text
                replies = response.json()["replies"]
            else:
                replies = [r.as_dict() for r in self.core.handle(
                    IncomingMessage(channel=channel, sender=sender, text=text))]
        return replies

    def handoff_of(self, channel: str, sender: str) -> tuple[int, int | None]:
        """The person's hand-off id and their latest appointment's id."""
        key = self.core.address_key(channel, sender)
        with self.db.session() as session:
            handoff = session.scalars(
                select(Handoff).join(Conversation, Conversation.id == Handoff.conversation_id)
                .join(ChannelAddress, ChannelAddress.person_id == Conversation.person_id)
                .where(ChannelAddress.key == key)).one()
            appointment = session.scalars(select(Appointment).where(
                Appointment.handoff_id == handoff.id).order_by(Appointment.id.desc())).first()
            return handoff.id, appointment.id if appointment else None

    def log_in(self, login: str = PROJET):
        assert log_in(self.client, login, PASSWORD).status_code == 303
