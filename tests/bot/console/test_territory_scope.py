"""Referents, project teams and the national role in a deployment of two territories
(TERRITORY_DIR: Strasbourg Neudorf and Mulhouse Bourtzwiller): each account sees its own
territory only, and a hand-off of the other territory is « Introuvable » whatever the route."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from handoff.accounts import add_account
from handoff.indicators import week_of
from handoff.territory import DEFAULT_FILE
from storage.accounts import ConsoleAudit
from storage.handoff import Appointment, Handoff
from storage.models import FunnelEvent
from tests.helpers.app import Chat
from tests.helpers.console import PASSWORD, csrf_of, log_in

DIRECTORY = str(DEFAULT_FILE.parent)
STRASBOURG, MULHOUSE = "strasbourg-neudorf", "mulhouse-bourtzwiller"
# Tuesday 1 December 2026, 9:00 in France: both demo territories offer slots.
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def app(app_factory):
    return app_factory(clock=lambda: NOW, territory_dir=DIRECTORY)


def booked_by(client: TestClient, user: str, postcode: str) -> int:
    """A resident of `postcode` asks for a person and books the first slot: the hand-off id."""
    chat = Chat(client, user)
    for text in ("bonjour", "oui", "5", "30", postcode, "conseiller", "1"):
        chat.say(text)
    assert chat.last.startswith("C'est noté"), chat.text
    with client.app.state.db.session() as session:
        return max(session.scalars(select(Handoff.id)))


def account(db, login: str, referent_id: str, territory_id: str | None, roles: list[str]):
    with db.session() as session:
        add_account(session, login=login, password=PASSWORD, referent_id=referent_id,
                    roles=roles, territory_id=territory_id)


@pytest.fixture
def town(app, sqlite_db):
    """One booked hand-off in each territory, and the accounts of both."""
    with TestClient(app) as client:
        ids = {STRASBOURG: booked_by(client, "neudorf", "67100"),
               MULHOUSE: booked_by(client, "bourtzwiller", "68200")}
    account(sqlite_db, "nadia@mulhouse.example", "nadia", MULHOUSE, ["referent", "projet"])
    account(sqlite_db, "amina@ccas.example", "amina", STRASBOURG, ["referent"])
    return ids


def logged_in(app, login: str) -> TestClient:
    client = TestClient(app)
    client.__enter__()
    assert log_in(client, login, PASSWORD).status_code == 303
    return client


def test_a_referent_sees_only_their_territory_hand_offs(app, town, sqlite_db):
    mulhouse = logged_in(app, "nadia@mulhouse.example")
    try:
        queue = mulhouse.get("/console")
        assert queue.status_code == 200
        assert "Mulhouse Bourtzwiller" in queue.text  # the header names the territory
        assert f"/console/handoffs/{town[MULHOUSE]}" in queue.text
        assert f"/console/handoffs/{town[STRASBOURG]}" not in queue.text
        assert mulhouse.get("/console/queue.json").json()["ids"] == [town[MULHOUSE]]
        assert mulhouse.get(f"/console/handoffs/{town[MULHOUSE]}").status_code == 200
        other = town[STRASBOURG]
        page = mulhouse.get(f"/console/handoffs/{other}")
        assert page.status_code == 404
        missing = mulhouse.get("/console/handoffs/999999")
        assert missing.status_code == 404 and page.text == missing.text  # nothing told apart
        token = csrf_of(queue.text)
        for action, data in (("reply", {"text": "Bonjour"}), ("take", {}), ("give-back", {}),
                             ("close", {}), ("notes", {"text": "note"}),
                             ("outcomes", {"benefit_id": "rsa", "status": "claim_filed",
                                           "on": date.today().isoformat()})):
            answer = mulhouse.post(f"/console/handoffs/{other}/{action}",
                                   data={"csrf": token, **data}, follow_redirects=False)
            assert answer.status_code == 404, action
        with sqlite_db.session() as session:
            appointment = session.scalars(select(Appointment).where(
                Appointment.handoff_id == other)).one()
            marked = mulhouse.post(f"/console/appointments/{appointment.id}/status",
                                   data={"csrf": token, "status": "noshow"},
                                   follow_redirects=False)
            assert marked.status_code == 404
        with sqlite_db.session() as session:
            handoff = session.get(Handoff, other)
            assert (handoff.status, handoff.held_by_referent) == ("open", False)
            assert session.get(Appointment, appointment.id).status == "booked"
            assert not session.scalars(select(ConsoleAudit).where(
                ConsoleAudit.handoff_id == other)).all()
        agenda = mulhouse.get("/console/agenda?day=2026-12-01")
        assert agenda.status_code == 200 and "Neudorf" not in agenda.text
    finally:
        mulhouse.__exit__(None, None, None)
    strasbourg = logged_in(app, "amina@ccas.example")
    try:
        queue = strasbourg.get("/console")
        assert "Strasbourg Neudorf" in queue.text
        assert strasbourg.get("/console/queue.json").json()["ids"] == [town[STRASBOURG]]
        assert strasbourg.get(f"/console/handoffs/{town[MULHOUSE]}").status_code == 404
    finally:
        strasbourg.__exit__(None, None, None)


def counted(sqlite_db, territory_id: str | None, n: int, kind: str = "check_completed") -> None:
    week = week_of(date.today() - timedelta(days=7))
    with sqlite_db.session() as session:
        for _ in range(n):
            session.add(FunnelEvent(kind=kind, week=week, channel="sms", moment="adult",
                                    territory_id=territory_id))


def csv_value(text: str, row: str) -> str:
    lines = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";")
    return next(line[-1] for line in lines if line[2] == "funnel" and line[3] == row)


def test_the_project_team_reads_its_own_territory_figures_and_csv(app, town, sqlite_db):
    counted(sqlite_db, STRASBOURG, 7)
    counted(sqlite_db, MULHOUSE, 12)
    mulhouse = logged_in(app, "nadia@mulhouse.example")
    try:
        figures = mulhouse.get("/console/indicateurs.csv").text
        assert csv_value(figures, "check_completed") == "12"  # not 19, not 7
        page = mulhouse.get("/console/indicateurs")
        assert page.status_code == 200 and "Mulhouse Bourtzwiller" in page.text
        # The side-by-side view is the national role's.
        assert mulhouse.get("/console/indicateurs/territoires").status_code == 403
    finally:
        mulhouse.__exit__(None, None, None)
    account(sqlite_db, "projet@neudorf.example", "amina", STRASBOURG, ["projet"])
    strasbourg = logged_in(app, "projet@neudorf.example")
    try:
        figures = strasbourg.get("/console/indicateurs.csv").text
        assert csv_value(figures, "check_completed") == "7"
        assert strasbourg.get("/console", follow_redirects=False).status_code == 303  # figures only
    finally:
        strasbourg.__exit__(None, None, None)


def test_the_national_role_sees_every_territory_side_by_side(app, town, sqlite_db):
    counted(sqlite_db, STRASBOURG, 7)
    counted(sqlite_db, MULHOUSE, 12)
    counted(sqlite_db, None, 3)  # outside every territory: fewer than 5, masked
    account(sqlite_db, "dgcs@national.example", "amina", None, ["national"])
    national = logged_in(app, "dgcs@national.example")
    try:
        page = national.get("/console/indicateurs/territoires")
        assert page.status_code == 200, page.text
        assert "Tous les territoires" in page.text
        row = page.text.split('data-row="check_completed"')[1].split("</tr>")[0]
        cells = [cell.split(">", 1)[1].split("<")[0] for cell in row.split("<td")[1:]]
        # Territories in file-name order (TERRITORY_DIR), then those outside every one.
        assert cells == ["12", "7", "&lt; 5"]
        head = page.text.split("<thead>")[1].split("</thead>")[0]
        assert head.index("Mulhouse") < head.index("Strasbourg") < head.index("Hors territoire")
        # Nothing else: no hand-off, no territory's own figures.
        assert national.get("/console/indicateurs").status_code == 403
        assert national.get(f"/console/handoffs/{town[STRASBOURG]}").status_code == 403
    finally:
        national.__exit__(None, None, None)
