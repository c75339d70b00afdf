"""`make run`'s demo accounts, one per role: each logs in, its menu shows its pages and only
those, and every page it may not open answers a 403 that names the page, the role that opens
it, whom to ask, and links to the pages it does have."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from common.settings import Settings
from handoff.accounts import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    DemoAccountInProduction,
    ensure_demo_accounts,
)
from storage.accounts import ReferentAccount
from storage.db import Database
from tests.helpers.console import log_in

PAGES = {
    "Demandes": "/console",
    "Agenda": "/console/agenda",
    "Indicateurs": "/console/indicateurs",
    "Campagnes": "/console/campagnes",
    "Tous les territoires": "/console/indicateurs/territoires",
    "Terrain": "/console/terrain",
}
OPENS = {
    "demo": {"Demandes", "Agenda"},
    "demo-projet": {"Indicateurs", "Campagnes"},
    "demo-ambassadeur": {"Terrain"},
    "demo-national": {"Tous les territoires"},
    "demo-admin": set(PAGES),
}


def menu(html: str) -> set[str]:
    nav = html.split('<nav aria-label="Console">')[1].split("</nav>")[0]
    return set(re.findall(r'<a href="[^"]+"[^>]*>([^<]+)</a>', nav))


def test_make_run_prints_one_demo_account_per_role(tmp_path):
    from bot.__main__ import _demo_login

    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    printed = _demo_login(Settings(database_url=url, secret_key="s", demo_account=True))
    for login, role in DEMO_ACCOUNTS.items():
        assert re.search(rf"{role} +identifiant : {login} +mot de passe : {DEMO_PASSWORD}", printed), printed
    db = Database(url)
    with db.session() as session:
        roles = {a.login: a.roles for a in session.scalars(select(ReferentAccount))}
    db.engine.dispose()
    assert roles == {login: [role] for login, role in DEMO_ACCOUNTS.items()}
    # Created once: a second start changes nothing and prints the same.
    assert _demo_login(Settings(database_url=url, secret_key="s", demo_account=True)) == printed


def test_each_role_sees_its_pages_and_a_403_that_says_whom_to_ask(app_factory, sqlite_db):
    ensure_demo_accounts(sqlite_db, ["amina", "julien"])
    app = app_factory()
    for login, pages in OPENS.items():
        with TestClient(app) as client:
            assert log_in(client, login, DEMO_PASSWORD).status_code == 303
            home = client.get("/console")
            assert home.status_code == 200, login
            assert menu(home.text) == pages, login
            for label, path in PAGES.items():
                if label in pages:
                    assert client.get(path).status_code == 200, (login, path)
                    continue
                # The home page sends an account without the queue to its own first page.
                page = client.get("/console/handoffs/1" if path == "/console" else path)
                assert page.status_code == 403, (login, path)
                text = page.text
                assert f"Accès réservé : {label}" in text
                assert f"La page « {label} » est réservée au rôle" in text
                # Whom to ask: the territory's admin by name (the demo admin acts as Amina).
                assert "Demandez-le à Amina" in text
                assert "Vos pages" in text
                for mine in pages:
                    assert f'<a href="{PAGES[mine]}">{mine}</a>' in text


def test_production_refuses_every_demo_account(app_factory, sqlite_db):
    ensure_demo_accounts(sqlite_db, ["amina"])
    with sqlite_db.session() as session:
        session.delete(session.scalars(select(ReferentAccount).where(ReferentAccount.login == "demo")).one())
    with pytest.raises(DemoAccountInProduction, match="demo-admin"):
        with TestClient(app_factory(environment="production")):
            pass
