"""The console audit records what it missed (issue 27, item 10): logins, logouts and failed
logins; a campaign's import, message, scheduling, suspension and control export; absences;
the notice read aloud on the field page; the indicators' CSV export. Ids and actions only."""

from __future__ import annotations

from sqlalchemy import select

from handoff.accounts import add_account
from storage.accounts import ConsoleAudit
from tests.bot.campaigns.conftest import PROJET
from tests.bot.campaigns.test_campaign_end_to_end import partner_file
from tests.helpers.console import LOGIN, PASSWORD, csrf_of, log_in


def actions(db) -> list[tuple[str, str]]:
    with db.session() as session:
        return [(row.login, row.action) for row in
                session.scalars(select(ConsoleAudit).order_by(ConsoleAudit.id))]


def test_logins_campaigns_exports_and_absences_are_audited(team, sqlite_db):
    # A campaign from its import to its control export.
    page = team.get("/console/campagnes")
    assert team.post("/console/campagnes", data={
        "csrf": csrf_of(page.text), "name": "CCAS", "control": "20"},
        files={"file": ("foyers.csv", partner_file(), "text/csv")}).status_code == 200
    url = "/console/campagnes/1"
    csrf = csrf_of(team.get(url).text)
    invitation = ("Bonjour, ici Passerelle, l'aide aux droits du quartier. Répondez BONJOUR "
                  "pour vérifier vos droits. STOP pour ne plus recevoir de SMS.")
    team.post(f"{url}/message", data={"csrf": csrf, "invitation": invitation, "reminder": "",
                                      "action": "save"})
    team.post(f"{url}/programmer", data={"csrf": csrf, "start": "2026-12-01T10:00",
                                         "per_hour": "200", "action": "schedule"})
    team.post(f"{url}/programmer", data={"csrf": csrf, "action": "suspend"})
    assert team.get(f"{url}/audit.csv").status_code == 200
    assert team.get("/console/indicateurs.csv").status_code == 200
    team.post("/console/logout", data={"csrf": csrf})
    done = [action for login, action in actions(sqlite_db) if login == PROJET]
    assert done == ["login", "campaign_import", "campaign_message", "campaign_schedule",
                    "campaign_suspend", "campaign_export", "indicators_export", "logout"]

    # A referent: a failed login, then absences.
    with sqlite_db.session() as session:
        add_account(session, login=LOGIN, password=PASSWORD, referent_id="amina")
    referent = team  # logged out: the same browser, another account
    assert log_in(referent, LOGIN, "pas-le-bon-mot-de-passe").status_code == 401
    assert log_in(referent, LOGIN).status_code == 303
    token = csrf_of(referent.get("/console/agenda").text)
    referent.post("/console/absences", data={"csrf": token, "starts_on": "2026-12-03",
                                             "ends_on": "2026-12-04", "note": "formation"})
    referent.post("/console/absences/1/delete", data={"csrf": token})
    done = [(login, action) for login, action in actions(sqlite_db) if login == LOGIN]
    assert done == [(LOGIN, "login_failed"), (LOGIN, "login"), (LOGIN, "absence_add"),
                    (LOGIN, "absence_delete")]
