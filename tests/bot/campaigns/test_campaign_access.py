"""Campaign pages belong to the project team: a plain referent is refused, a form without
the session's CSRF token changes nothing, a file without a phone column imports nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from handoff.accounts import add_account
from storage.campaigns import Campaign, CampaignHousehold
from tests.helpers.channels import PUBLIC
from tests.helpers.console import LOGIN, PASSWORD, csrf_of, log_in


def count(db, model) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_referent_without_the_project_role_is_refused(team, sqlite_db):
    with sqlite_db.session() as session:
        add_account(session, login=LOGIN, password=PASSWORD, referent_id="amina")
    referent = TestClient(team.app, base_url=PUBLIC)  # the app is already started by `team`
    assert log_in(referent, LOGIN).status_code == 303
    assert 'href="/console/campagnes"' not in referent.get("/console").text
    assert referent.get("/console/campagnes").status_code == 403
    csrf = csrf_of(referent.get("/console").text)
    response = referent.post("/console/campagnes", data={"csrf": csrf, "name": "x"},
                             files={"file": ("f.csv", b"telephone\n0612345678\n")})
    assert response.status_code == 403
    assert count(sqlite_db, Campaign) == 0


def test_a_forged_form_or_a_broken_file_imports_nothing(team, sqlite_db):
    page = team.get("/console/campagnes")
    assert page.status_code == 200 and 'aria-current="page">Campagnes' in page.text
    forged = team.post("/console/campagnes", data={"csrf": "forged", "name": "x"},
                       files={"file": ("f.csv", b"telephone\n0612345678\n")})
    assert forged.status_code == 403
    no_phone = team.post("/console/campagnes", data={"csrf": csrf_of(page.text), "name": "x"},
                         files={"file": ("f.csv", b"nom;adresse\nDupont;1 rue\n")})
    assert no_phone.status_code == 422 and "rien n&#39;a été importé" in no_phone.text
    # The refusal says what the file may hold: its columns and the values of « moment ».
    assert "Colonnes acceptées : « telephone » (obligatoire" in no_phone.text
    assert "Valeurs de « moment » : adulte, enfant, parent isolé, senior, autre" in no_phone.text
    only_bad = team.post("/console/campagnes", data={"csrf": csrf_of(page.text), "name": "x"},
                         files={"file": ("f.csv", b"telephone\n0388000000\n0612\n")})
    assert only_bad.status_code == 422
    assert "Aucun numéro utilisable" in only_bad.text and "<td>3</td>" in only_bad.text
    assert count(sqlite_db, Campaign) == 0 and count(sqlite_db, CampaignHousehold) == 0
    assert team.get("/console/campagnes/999").status_code == 404
