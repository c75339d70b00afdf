"""The console's dependencies in the order a request meets them: session, CSRF, hand-off."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from storage.handoff import Handoff
from storage.records import ReferentNote
from tests.helpers.console import csrf_of, log_in
from tests.helpers.handoff import new_handoff

ACTIONS = ("take", "give-back", "close", "notes", "reply", "outcomes")


def test_a_forged_form_is_refused_before_the_handoff_is_looked_up(referent):
    token = csrf_of(referent.get("/console").text)
    for action in ACTIONS:
        forged = referent.post(f"/console/handoffs/999999/{action}", data={"csrf": "x"})
        assert forged.status_code == 403 and "Formulaire refusé" in forged.text
        missing = referent.post(f"/console/handoffs/999999/{action}", data={"csrf": token})
        assert missing.status_code == 404 and "Introuvable" in missing.text
        assert missing.headers["cache-control"] == "no-store"
    assert referent.get("/console/handoffs/999999").status_code == 404


def test_without_a_session_an_action_goes_to_the_login_and_changes_nothing(anonymous,
                                                                          sqlite_db):
    with sqlite_db.session() as session:
        handoff_id = new_handoff(session)
    for action in ACTIONS:
        response = anonymous.post(f"/console/handoffs/{handoff_id}/{action}",
                                  data={"csrf": "x", "text": "bonjour"}, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == (
            f"/console/login?next=/console/handoffs/{handoff_id}/{action}")
    with sqlite_db.session() as session:
        handoff = session.get(Handoff, handoff_id)
        assert handoff.status == "open" and not handoff.held_by_referent


def test_the_unit_of_work_is_committed_before_the_answer_leaves(console_app, sqlite_db):
    """A browser follows the redirect at once: the page it asks for must see the note."""
    notes_when_answered: list[int] = []

    async def spy(scope, receive, send):
        async def watched(message):
            if message["type"] == "http.response.start" and scope["method"] == "POST" \
                    and scope["path"].endswith("/notes"):
                with sqlite_db.session() as session:
                    notes_when_answered.append(
                        session.scalar(select(func.count()).select_from(ReferentNote)))
            await send(message)
        await console_app(scope, receive, watched)

    with sqlite_db.session() as session:
        handoff_id = new_handoff(session)
    with TestClient(spy) as client:
        assert log_in(client).status_code == 303
        token = csrf_of(client.get(f"/console/handoffs/{handoff_id}").text)
        for _ in range(2):
            client.post(f"/console/handoffs/{handoff_id}/notes",
                        data={"csrf": token, "text": "Rappeler mardi."}, follow_redirects=False)
    assert notes_when_answered == [1, 2]
