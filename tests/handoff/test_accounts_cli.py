"""`python -m handoff add-referent --territory ID`: an account belongs to a territory, which
must be named when the deployment serves several."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from handoff.__main__ import main
from handoff.territory import DEFAULT_FILE
from storage.accounts import ReferentAccount

PASSWORD = "un-mot-de-passe-solide\n"


@pytest.fixture
def deployment(monkeypatch, sqlite_db):
    monkeypatch.setenv("DATABASE_URL", sqlite_db.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("TERRITORY_DIR", str(DEFAULT_FILE.parent))
    return sqlite_db


def add(monkeypatch, *args: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD))
    return main(["add-referent", "--password-stdin", *args])


def accounts(db) -> dict[str, tuple[str | None, list[str]]]:
    with db.session() as session:
        return {a.login: (a.territory_id, a.roles)
                for a in session.scalars(select(ReferentAccount))}


def test_an_account_belongs_to_the_territory_named(deployment, monkeypatch, capsys):
    assert add(monkeypatch, "--login", "nadia@mulhouse.example", "--referent-id", "nadia",
               "--territory", "mulhouse-bourtzwiller") == 0
    assert "mulhouse-bourtzwiller" in capsys.readouterr().out
    assert accounts(deployment) == {"nadia@mulhouse.example": ("mulhouse-bourtzwiller",
                                                               ["referent"])}


def test_refused_without_a_territory_or_with_another_territory_referent(deployment,
                                                                        monkeypatch, capsys):
    assert add(monkeypatch, "--login", "a@x.example", "--referent-id", "nadia") == 2
    assert "--territory is required" in capsys.readouterr().err
    assert add(monkeypatch, "--login", "a@x.example", "--referent-id", "amina",
               "--territory", "mulhouse-bourtzwiller") == 2
    assert "unknown referent id 'amina'" in capsys.readouterr().err
    assert add(monkeypatch, "--login", "a@x.example", "--referent-id", "amina",
               "--territory", "lyon") == 2
    assert accounts(deployment) == {}


def test_a_national_account_needs_no_territory_and_is_no_referent(deployment, monkeypatch):
    assert add(monkeypatch, "--login", "dgcs@national.example", "--referent-id", "nadia",
               "--role", "national") == 0
    assert accounts(deployment) == {"dgcs@national.example": (None, ["national"])}
