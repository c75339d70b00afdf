"""Roles (referent, projet, admin) and the audit trail of who viewed or changed which
conversation."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from handoff.accounts import add_account
from storage.accounts import ConsoleAudit
from storage.handoff import Handoff
from tests.helpers.console import LOGIN, PASSWORD, csrf_of, log_in
from tests.helpers.handoff import new_handoff

PROJET = "projet@ems.example"
ADMIN = "admin@ems.example"


def _log_in_as(client: TestClient, sqlite_db, login: str, roles: list[str]) -> None:
    with sqlite_db.session() as session:
        add_account(session, login=login, password=PASSWORD, referent_id="amina", roles=roles)
    assert log_in(client, login, PASSWORD).status_code == 303


def test_the_project_team_sees_the_figures_and_nothing_else(anonymous, sqlite_db):
    with sqlite_db.session() as session:
        handoff_id = new_handoff(session)
    client = anonymous
    _log_in_as(client, sqlite_db, PROJET, ["projet"])
    home = client.get("/console", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/console/indicateurs"
    figures = client.get("/console/indicateurs")
    assert figures.status_code == 200
    assert 'href="/console/agenda"' not in figures.text  # no link to what it cannot open
    for path in (f"/console/handoffs/{handoff_id}", "/console/agenda"):
        page = client.get(path)
        assert page.status_code == 403 and "réservée au rôle « referent »" in page.text
    assert client.get("/console/queue.json").status_code == 403
    taken = client.post(f"/console/handoffs/{handoff_id}/take",
                        data={"csrf": csrf_of(figures.text)})
    assert taken.status_code == 403
    with sqlite_db.session() as session:
        assert not session.get(Handoff, handoff_id).held_by_referent
        # Its login only (audited since issue 27): nothing about the hand-off.
        assert [row.action for row in session.scalars(select(ConsoleAudit))] == ["login"]


def test_an_admin_sees_the_hand_offs_and_the_figures(anonymous, sqlite_db):
    client = anonymous
    _log_in_as(client, sqlite_db, ADMIN, ["admin"])
    queue = client.get("/console")
    assert queue.status_code == 200 and 'href="/console/indicateurs"' in queue.text
    assert client.get("/console/indicateurs").status_code == 200


def test_views_and_actions_are_written_to_the_audit_trail(referent, sqlite_db):
    with sqlite_db.session() as session:
        handoff_id = new_handoff(session)
        conversation_id = session.get(Handoff, handoff_id).conversation_id
    token = csrf_of(referent.get(f"/console/handoffs/{handoff_id}").text)
    referent.post(f"/console/handoffs/{handoff_id}/take", data={"csrf": "forged"})  # refused
    referent.post(f"/console/handoffs/{handoff_id}/take", data={"csrf": token})
    referent.post(f"/console/handoffs/{handoff_id}/notes", data={"csrf": token, "text": "Vu."})
    referent.get("/console/handoffs/999999")  # nothing to view, nothing written
    with sqlite_db.session() as session:
        trail = [(a.login, a.referent_id, a.action, a.handoff_id, a.conversation_id)
                 for a in session.scalars(select(ConsoleAudit).order_by(ConsoleAudit.id))]
    # the take's redirect and the note's redirect show the page again: two more views
    assert trail[0] == (LOGIN, "amina", "login", None, None)  # the login itself, first
    assert trail[1:] == [(LOGIN, "amina", action, handoff_id, conversation_id) for action in
                         ("view", "take", "view", "note", "view")]
