"""The field checks' figures, by ambassador and by place: masked below 5 like the take-up
indicators, kept when the resident is erased, shown to the project team only, and the
command that creates an ambassador's account."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select

from handoff import fieldwork
from handoff.__main__ import main
from handoff.accounts import add_account
from handoff.indicators import SECRET, SMALL
from handoff.retention import purge
from storage.accounts import ReferentAccount
from storage.ambassadors import FieldCheck
from storage.models import Conversation, EligibilityResult, Person
from tests.helpers.channels import PUBLIC
from tests.helpers.console import PASSWORD, PROJET, log_in

NOVEMBER = {"start": date(2026, 11, 1), "end": date(2026, 11, 30)}


def add(session, ambassador, place, day, month=11, **flags):
    session.add(FieldCheck(ambassador=ambassador, place=place, consent_method="read_aloud",
                           started_at=datetime(2026, month, day, 10, tzinfo=UTC), **flags))


def seed(db):
    with db.session() as session:
        for i in range(6):
            add(session, "karim", "Marché du Neudorf", 3 + i, completed=True,
                rights_found=i < 5, appointment=i < 2)
        for i in range(2):
            add(session, "lea", "Gare", 10 + i, completed=True, rights_found=True)
        for i in range(5):
            add(session, "lea", "marché du neudorf", 20 + i % 3)


def cells(table):
    return {row.key: [cell.text for cell in row.cells] for row in table.rows + [table.total]}


def test_figures_by_ambassador_and_place_are_masked_below_five(sqlite_db):
    seed(sqlite_db)
    with sqlite_db.session() as session:
        by_ambassador, by_place = fieldwork.tables(session, **NOVEMBER)
    assert [label for _, label in by_ambassador.columns] == [
        "Vérifications commencées", "Vérifications terminées",
        "Avec au moins un droit trouvé", "Rendez-vous pris"]
    ambassadors = cells(by_ambassador)
    assert ambassadors["total"] == ["13", "8", "7", SMALL]
    assert ambassadors["karim"][0] == "6" and ambassadors["lea"][0] == "7"
    # lea's 2 completed checks are « < 5 »; karim's 6 would give them away from the total.
    assert ambassadors["lea"][1] == SMALL and ambassadors["karim"][1] == SECRET
    assert ambassadors["karim"][3] == SMALL and ambassadors["lea"][3] == "0"
    places = cells(by_place)
    # One place whatever the case it was typed in; labelled as first written.
    assert set(places) == {"marché du neudorf", "gare", "total"}
    assert [r.label for r in by_place.rows if r.key == "marché du neudorf"] == [
        "Marché du Neudorf"]
    assert places["gare"][0] == SMALL and places["marché du neudorf"][0] == SECRET
    assert places["total"][0] == "13"


def test_a_longer_period_hides_what_one_of_its_months_hides(sqlite_db):
    seed(sqlite_db)
    with sqlite_db.session() as session:
        for i in range(6):  # October: lea alone, 6 completed checks, shown
            add(session, "lea", "Gare", 5 + i, month=10, completed=True)
        october = fieldwork.tables(session, start=date(2026, 10, 1), end=date(2026, 10, 31))
        two_months = fieldwork.tables(session, start=date(2026, 10, 1), end=date(2026, 11, 30))
    assert cells(october[0])["lea"][1] == "6"
    # October-November alone would show lea 8 and karim 6: minus October's 6, lea's 2 of
    # November (« < 5 » there) would be back. Whatever a month hides stays hidden.
    assert cells(two_months[0])["lea"][1] == SECRET
    assert cells(two_months[0])["karim"][1] == SECRET


def test_the_retention_purge_reads_the_flags_before_erasing_the_resident(sqlite_db):
    started = datetime(2025, 11, 3, 10, tzinfo=UTC)
    with sqlite_db.session() as session:
        person = Person(created_at=started, last_message_at=started)
        session.add(person)
        session.flush()
        conversation = Conversation(person_id=person.id, channel="sms", state="result")
        session.add(conversation)
        session.flush()
        session.add(EligibilityResult(conversation_id=conversation.id, period="2025-11",
                                      engine={}, computed_at=started,
                                      benefits=[{"id": "rsa", "eligible": True}]))
        # Never evaluated yet: nobody looked at the check nor at the figures since.
        session.add(FieldCheck(ambassador="karim", place="Gare", conversation_id=conversation.id,
                               started_at=started))
    assert purge(sqlite_db, now=datetime(2026, 12, 1, tzinfo=UTC), months=12) == 1
    with sqlite_db.session() as session:
        assert session.scalars(select(Person)).first() is None
        check = session.scalars(select(FieldCheck)).one()
        assert check.conversation_id is None and check.completed and check.rights_found


def test_the_project_team_sees_them_in_the_console_and_the_report(app_factory, sqlite_db,
                                                                   capsys, monkeypatch):
    seed(sqlite_db)
    with sqlite_db.session() as session:
        add_account(session, login=PROJET, password=PASSWORD, referent_id="amina",
                    roles=["projet"])
    with TestClient(app_factory(), base_url=PUBLIC) as client:
        assert log_in(client, PROJET).status_code == 303
        page = client.get("/console/indicateurs?du=2026-11-01&au=2026-11-30").text
        assert "Vérifications sur le terrain, par ambassadeur" in page
        assert "Vérifications sur le terrain, par lieu" in page
        csv = client.get("/console/indicateurs.csv?du=2026-11-01&au=2026-11-30").text
        assert "field_ambassador;lea;lea;completed" in csv and f";{SMALL}" in csv
    monkeypatch.setenv("DATABASE_URL", sqlite_db.engine.url.render_as_string(False))
    assert main(["report", "--month", "2026-11"]) == 0
    printed = capsys.readouterr().out
    assert "Vérifications sur le terrain, par lieu" in printed and "Marché du Neudorf" in printed


def test_add_referent_creates_an_ambassador_account(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": url}
    # The default deployment serves both demo territories: the account names its own.
    done = subprocess.run([sys.executable, "-m", "handoff", "add-referent", "--login", "karim",
                           "--role", "ambassadeur", "--territory", "strasbourg-neudorf",
                           "--password-stdin"],
                          input="un-secret-assez-long\n", env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    from storage.db import Database

    db = Database(url)
    with db.session() as session:
        account = session.scalars(select(ReferentAccount)).one()
        assert account.roles == ["ambassadeur"] and account.referent_id == "karim"
    db.engine.dispose()
    missing = subprocess.run([sys.executable, "-m", "handoff", "add-referent", "--login", "x",
                              "--password-stdin"], input="un-secret-assez-long\n", env=env,
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and "--referent-id is required" in missing.stderr
