"""Resetting a password (`add-referent` again) closes the account's open sessions (issue 27,
item 9): a session opened with a leaked password does not outlive the reset."""

from __future__ import annotations

from handoff.accounts import add_account
from tests.helpers.console import LOGIN, PASSWORD, log_in

NEW_PASSWORD = "un-tout-nouveau-mot-de-passe"


def test_a_password_reset_logs_every_session_out(referent, sqlite_db):
    assert referent.get("/console", follow_redirects=False).status_code == 200
    with sqlite_db.session() as session:
        add_account(session, login=LOGIN, password=NEW_PASSWORD, referent_id="amina")
    answer = referent.get("/console", follow_redirects=False)
    assert answer.status_code == 303 and "/console/login" in answer.headers["location"]
    assert log_in(referent, password=PASSWORD).status_code == 401
    assert log_in(referent, password=NEW_PASSWORD).status_code == 303
