"""The demo console account: only where it is asked for, never in production."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select

from common.settings import DEFAULT_DATABASE_URL, Settings
from handoff import accounts
from handoff.accounts import DEMO_LOGIN, DemoAccountInProduction, ensure_demo_account
from storage.accounts import ReferentAccount
from storage.db import Database
from tests.helpers.app import TEST_SECRET


def _demo_exists(db) -> bool:
    with db.session() as session:
        return session.scalars(select(ReferentAccount).where(
            ReferentAccount.login == DEMO_LOGIN)).first() is not None


def test_make_run_creates_the_demo_account_only_on_the_default_file_or_when_asked(tmp_path):
    from bot.__main__ import _demo_login

    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    shared = Settings(database_url=url, secret_key="s")
    assert not shared.wants_demo_account
    printed = _demo_login(shared)
    assert "demo-passerelle" not in printed and "DEMO_ACCOUNT=1" in printed
    db = Database(url)
    db.migrate()
    assert not _demo_exists(db)

    assert "demo-passerelle" in _demo_login(Settings(database_url=url, secret_key="s",
                                                     demo_account=True))
    assert _demo_exists(db)
    db.engine.dispose()

    assert Settings(database_url=DEFAULT_DATABASE_URL).wants_demo_account
    assert not Settings(environment="production", secret_key=TEST_SECRET).wants_demo_account
    with pytest.raises(ValidationError, match="DEMO_ACCOUNT"):
        Settings(environment="production", secret_key=TEST_SECRET, demo_account=True)


def test_production_refuses_to_start_while_the_demo_account_exists(app_factory, sqlite_db):
    ensure_demo_account(sqlite_db, referent_id="amina")
    with pytest.raises(DemoAccountInProduction, match="remove-referent --login demo"):
        with TestClient(app_factory(environment="production")):
            pass
    with sqlite_db.session() as session:
        assert accounts.remove_account(session, DEMO_LOGIN)
    with TestClient(app_factory(environment="production")) as client:
        assert client.get("/healthz").json()["database"] == "up"  # it started
