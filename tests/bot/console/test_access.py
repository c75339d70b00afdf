"""Access to the console: login, sessions, CSRF, the limit on failed logins, and the
referent actions that write to the database (over real HTTP, no browser)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from html import unescape

from sqlalchemy import select

from bot.console.summary import summarize
from handoff.accounts import authenticate
from handoff.slots import free_slots
from storage.accounts import ReferentAccount
from storage.handoff import Handoff
from storage.models import Answer, Conversation, FunnelEvent, OutboxMessage
from storage.records import Outcome, ReferentAbsence, ReferentNote
from tests.helpers.console import LOGIN, PASSWORD, csrf_of, log_in
from tests.helpers.handoff import make_territory, new_conversation, new_handoff


def test_without_a_session_the_console_redirects_to_the_login(anonymous):
    for path in ("/console", "/console/agenda", "/console/handoffs/1"):
        response = anonymous.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/console/login?next=")
    assert anonymous.get("/console/queue.json").status_code == 401
    page = anonymous.get("/console/login")
    assert page.status_code == 200 and 'lang="fr"' in page.text
    assert '<label for="password">Mot de passe</label>' in page.text


def test_the_session_cookie_is_httponly_and_lax_and_logout_ends_it(anonymous):
    response = log_in(anonymous)
    assert response.status_code == 303 and response.headers["location"] == "/console"
    cookie = next(c for c in response.headers.get_list("set-cookie")
                  if c.startswith("passerelle_console="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    page = anonymous.get("/console")
    assert page.status_code == 200 and "Demandes en attente" in page.text
    stolen = anonymous.cookies.get("passerelle_console")
    out = anonymous.post("/console/logout", data={"csrf": csrf_of(page.text)},
                         follow_redirects=False)
    assert out.status_code == 303
    anonymous.cookies.set("passerelle_console", stolen)  # a copy of the cookie is dead too
    assert anonymous.get("/console", follow_redirects=False).status_code == 303


def test_cookies_are_secure_when_the_public_address_is_https(app_factory, sqlite_db,
                                                             monkeypatch):
    from fastapi.testclient import TestClient

    from handoff.accounts import add_account

    monkeypatch.setenv("PUBLIC_BASE_URL", "https://passerelle.example.fr")
    with sqlite_db.session() as session:
        add_account(session, login=LOGIN, password=PASSWORD, referent_id="amina")
    with TestClient(app_factory(), base_url="https://testserver") as client:
        response = log_in(client)
        assert any("Secure" in c for c in response.headers.get_list("set-cookie")
                   if c.startswith("passerelle_console="))


def test_a_form_posted_without_its_csrf_token_is_refused(referent, sqlite_db):
    with sqlite_db.session() as session:
        handoff_id = new_handoff(session)
    for data in ({}, {"csrf": "forged"}):
        response = referent.post(f"/console/handoffs/{handoff_id}/take", data=data)
        assert response.status_code == 403
        assert "Formulaire refusé" in response.text
    assert referent.post("/console/logout", data={}).status_code == 403
    assert referent.get("/console").status_code == 200  # still logged in
    with sqlite_db.session() as session:
        assert session.get(Handoff, handoff_id).held_by_referent is False
    # The login form too: without the token of its cookie, refused.
    anonymous_login = referent.post("/console/login", data={"login": LOGIN,
                                                            "password": PASSWORD})
    assert anonymous_login.status_code == 403


def test_the_sixth_attempt_right_after_waits_even_with_the_right_password(anonymous):
    for _ in range(5):
        response = log_in(anonymous, password="mauvais-mot-de-passe")
        assert response.status_code == 401
        assert "Identifiant ou mot de passe incorrect." in response.text
    response = log_in(anonymous)
    assert response.status_code == 429 and 0 < int(response.headers["retry-after"]) <= 30
    assert "Trop d'essais récents. Réessayez dans " in unescape(response.text)
    assert anonymous.get("/console", follow_redirects=False).status_code == 303


def test_the_limit_is_counted_in_the_database_per_login_and_per_address(any_db):
    from handoff.accounts import add_account

    now = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    with any_db.session() as session:
        add_account(session, login="Amina@CCAS.example", password=PASSWORD, referent_id="amina")
    for minute in range(5):
        with any_db.session() as session:
            result = authenticate(session, login="amina@ccas.example", password="non",
                                  ip="10.0.0.1", now=now + timedelta(minutes=minute))
            assert result.account is None and not result.blocked
    with any_db.session() as session:  # right after, another worker, another address: wait
        result = authenticate(session, login="AMINA@ccas.example", password=PASSWORD,
                              ip="10.0.0.2", now=now + timedelta(minutes=4, seconds=10))
        assert result.blocked and result.account is None and result.retry_after == 20
    with any_db.session() as session:  # the delay past, open again
        result = authenticate(session, login="amina@ccas.example", password=PASSWORD,
                              ip="10.0.0.2", now=now + timedelta(minutes=6))
        assert result.account is not None and not result.blocked
    with any_db.session() as session:
        for i in range(20):  # one address spraying many logins
            authenticate(session, login=f"x{i}", password="non", ip="10.0.0.9",
                         now=now + timedelta(minutes=30))
        result = authenticate(session, login="amina@ccas.example", password=PASSWORD,
                              ip="10.0.0.9", now=now + timedelta(minutes=30, seconds=10))
        assert result.blocked and result.retry_after == 20


def test_add_referent_command_hashes_the_password_with_argon2(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": url}
    # The default deployment serves both demo territories: the account names its own.
    done = subprocess.run([sys.executable, "-m", "handoff", "add-referent", "--login",
                           "Julien@ccas.example", "--referent-id", "julien",
                           "--territory", "strasbourg-neudorf",
                           "--password-stdin"], input="un-secret-assez-long\n", env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    from storage.db import Database

    db = Database(url)
    with db.session() as session:
        account = session.scalars(select(ReferentAccount)).one()
        assert account.login == "julien@ccas.example" and account.referent_id == "julien"
        assert account.password_hash.startswith("$argon2id$")
        assert account.roles == ["referent"] and not account.has_role("projet")
    db.engine.dispose()
    unknown = subprocess.run([sys.executable, "-m", "handoff", "add-referent", "--login", "x",
                              "--referent-id", "personne", "--territory", "strasbourg-neudorf",
                              "--password-stdin"],
                             input="un-secret-assez-long\n", env=env, capture_output=True,
                             text=True, timeout=120)
    assert unknown.returncode == 2 and "unknown referent id 'personne'" in unknown.stderr


def test_ensure_demo_account_is_idempotent_and_logs_in(anonymous, sqlite_db):
    from handoff.accounts import ensure_demo_account

    login, password = ensure_demo_account(sqlite_db)
    assert ensure_demo_account(sqlite_db) == (login, password)
    assert log_in(anonymous, login, password).status_code == 303


def test_the_summary_reads_like_a_referent_would_tell_it():
    assert summarize({"age": 30, "household": "single", "housing": "tenant", "rent": 500,
                      "disability": False, "salary": 800, "unemployment": 0,
                      "postcode": "67100"}) == (
        "30 ans, seul(e), locataire 500\u00a0€/mois, salaire 800\u00a0€/mois, "
        "code postal 67100")
    assert summarize({"age": 68, "household": "couple_with_children", "children_ages": [0, 7],
                      "housing": "hosted", "pension": 0}) == (
        "68 ans, en couple avec enfant(s), 2 enfants (moins d'1 an, 7 ans), "
        "hébergé(e) gratuitement, sans retraite")


def test_queue_lists_urgent_first_then_the_longest_waiting_and_filters(referent, sqlite_db):
    with sqlite_db.session() as session:
        first = new_handoff(session)
        second = new_handoff(session)
        urgent = new_handoff(session)
        handoff = session.get(Handoff, urgent)
        handoff.urgent, handoff.trigger = True, "urgent"
        session.get(Handoff, second).referent_id = "amina"
    ids = referent.get("/console/queue.json").json()["ids"]
    assert ids == [urgent, first, second]
    assert referent.get("/console/queue.json?mine=1").json()["ids"] == [second]
    assert referent.get("/console/queue.json?place=ccas-neudorf").json()["ids"] == []
    page = referent.get("/console?mine=1")
    # Each card links to its request, with the way back to the queue as filtered.
    assert f'/console/handoffs/{second}?retour=/console%3Fmine%3D1"' in page.text
    assert f'/console/handoffs/{first}' not in page.text


def test_notes_stay_private_and_a_reply_goes_through_the_outbox(referent, sqlite_db):
    with sqlite_db.session() as session:
        conversation_id = new_conversation(session, channel="sms")
        session.add(Answer(conversation_id=conversation_id, key="age", value=41))
        from handoff.booking import open_handoff

        handoff_id = open_handoff(session, conversation_id=conversation_id, trigger="asked",
                                  reason_id="acces_droits").id
    page = referent.get(f"/console/handoffs/{handoff_id}")
    assert "41 ans" in page.text
    token = csrf_of(page.text)
    note = referent.post(f"/console/handoffs/{handoff_id}/notes",
                         data={"csrf": token, "text": "Rappeler mardi."})
    assert "Note enregistrée" in note.text and "Rappeler mardi." in note.text
    reply = referent.post(f"/console/handoffs/{handoff_id}/reply",
                          data={"csrf": token, "text": "Bonjour, ici Amina."})
    assert "Message envoyé" in reply.text
    empty = referent.post(f"/console/handoffs/{handoff_id}/reply",
                          data={"csrf": token, "text": "   "})
    assert "Le message est vide." in empty.text
    with sqlite_db.session() as session:
        bodies = [m.body for m in session.scalars(select(OutboxMessage))]
        assert bodies == ["Bonjour, ici Amina."]  # the note never left
        assert session.scalars(select(ReferentNote)).one().text == "Rappeler mardi."
        conversation = session.get(Conversation, conversation_id)
        assert [m.text for m in conversation.messages] == ["Bonjour, ici Amina."]


def test_take_over_and_give_back(referent, sqlite_db):
    with sqlite_db.session() as session:
        handoff_id = new_handoff(session)
    token = csrf_of(referent.get(f"/console/handoffs/{handoff_id}").text)
    taken = referent.post(f"/console/handoffs/{handoff_id}/take", data={"csrf": token})
    assert "le bot ne répond plus" in taken.text and "Rendre au bot" in taken.text
    with sqlite_db.session() as session:
        handoff = session.get(Handoff, handoff_id)
        assert handoff.held_by_referent and handoff.referent_id == "amina"
    given = referent.post(f"/console/handoffs/{handoff_id}/give-back", data={"csrf": token})
    assert "Le bot reprend" in given.text
    with sqlite_db.session() as session:
        assert not session.get(Handoff, handoff_id).held_by_referent


def test_an_outcome_is_kept_per_status_with_its_date_and_counted_anonymously(referent,
                                                                             sqlite_db):
    with sqlite_db.session() as session:
        handoff_id = new_handoff(session)
    token = csrf_of(referent.get(f"/console/handoffs/{handoff_id}").text)
    for status, on in (("claim_filed", "2026-11-03"), ("opened", "2026-11-20"),
                       ("opened", "2026-11-21")):
        response = referent.post(f"/console/handoffs/{handoff_id}/outcomes", data={
            "csrf": token, "benefit_id": "rsa", "status": status, "on": on})
        assert "Résultat enregistré." in response.text
    bad = referent.post(f"/console/handoffs/{handoff_id}/outcomes", data={
        "csrf": token, "benefit_id": "rsa", "status": "won", "on": "2026-11-21"})
    assert "Choix incorrect." in bad.text
    with sqlite_db.session() as session:
        rows = session.scalars(select(Outcome).order_by(Outcome.status)).all()
        assert [(r.status, r.happened_on, r.referent_id) for r in rows] == [
            ("claim_filed", date(2026, 11, 3), "amina"), ("opened", date(2026, 11, 21), "amina")]
        # A moved date withdraws its first event (delta -1) and counts the new one.
        net: dict[str, int] = {}
        for e in session.scalars(select(FunnelEvent).where(FunnelEvent.kind.like("outcome_%"))):
            net[e.kind] = net.get(e.kind, 0) + (e.delta or 1)
        assert net == {"outcome_claim_filed": 1, "outcome_opened": 1}


def test_absences_added_in_the_console_remove_slots(referent, sqlite_db):
    territory = make_territory()
    now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # a Tuesday
    with sqlite_db.session() as session:
        before = {s.start.date() for s in free_slots(session, territory, "general", now)}
    day = date(2026, 12, 3)
    assert day in before
    token = csrf_of(referent.get("/console/agenda").text)
    response = referent.post("/console/absences", data={
        "csrf": token, "starts_on": "2026-12-03", "ends_on": "2026-12-04", "note": "formation"})
    assert "Absence enregistrée" in response.text
    with sqlite_db.session() as session:
        after = {s.start.date() for s in free_slots(session, territory, "general", now)}
        absence_id = session.scalars(select(ReferentAbsence.id)).one()
    assert day not in after and date(2026, 12, 4) not in after and date(2026, 12, 7) in after
    referent.post(f"/console/absences/{absence_id}/delete", data={"csrf": token})
    with sqlite_db.session() as session:
        assert {s.start.date() for s in free_slots(session, territory, "general", now)} == before


def test_agenda_shows_the_referents_appointments_and_marks_them(referent, sqlite_db,
                                                                console_app):
    from handoff.booking import book

    territory = console_app.state.territory
    now = datetime.now(UTC)
    with sqlite_db.session() as session:
        handoff_id = new_handoff(session, reason_id="acces_droits")
        slot = next(s for s in free_slots(session, territory, "acces_droits", now)
                    if s.referent_id == "amina")
        appointment_id = book(session, handoff_id=handoff_id, slot=slot).id
    day = slot.start.astimezone(territory.timezone).date().isoformat()
    page = referent.get(f"/console/agenda?view=day&day={day}")
    assert "voir la demande" in page.text and f"/console/handoffs/{handoff_id}" in page.text
    week = referent.get(f"/console/agenda?day={day}")
    assert week.text.count('class="card day"') == 7
    from storage.handoff import Appointment

    # Before its time nobody is absent: no button, and the address itself says why.
    assert 'value="noshow"' not in page.text and 'value="excused"' in page.text
    form = {"csrf": csrf_of(page.text), "status": "noshow",
            "back_to": f"/console/agenda?view=day&day={day}"}
    early = referent.post(f"/console/appointments/{appointment_id}/status", data=form)
    assert "Pas encore : « Vu » et « Absent » se notent une fois" in early.text
    with sqlite_db.session() as session:
        row = session.get(Appointment, appointment_id)
        assert row.status == "booked"
        row.starts_at, row.ends_at = now - timedelta(hours=1), now - timedelta(minutes=30)
    day = (now - timedelta(hours=1)).astimezone(territory.timezone).date().isoformat()
    form["back_to"] = f"/console/agenda?view=day&day={day}"
    marked = referent.post(f"/console/appointments/{appointment_id}/status", data=form)
    assert "Rendez-vous mis à jour." in marked.text and "Absent" in marked.text
    with sqlite_db.session() as session:
        assert session.get(Appointment, appointment_id).status == "noshow"
    # Marked by mistake: undone, back to « Prévu ».
    assert "Annuler « Absent »" in marked.text
    undone = referent.post(f"/console/appointments/{appointment_id}/status",
                           data={**form, "status": "booked"})
    assert "Rendez-vous mis à jour." in undone.text and 'value="noshow"' in undone.text
    with sqlite_db.session() as session:
        assert session.get(Appointment, appointment_id).status == "booked"


def test_add_referent_sets_exactly_the_roles_given(sqlite_db, monkeypatch, capsys):
    from handoff.__main__ import main

    monkeypatch.setenv("DATABASE_URL", sqlite_db.engine.url.render_as_string())

    def add(login: str, *roles: str) -> list[str]:
        monkeypatch.setattr("sys.stdin", io.StringIO("un-secret-assez-long\n"))
        options = [part for role in roles for part in ("--role", role)]
        assert main(["add-referent", "--login", login, "--referent-id", "julien",
                     "--territory", "strasbourg-neudorf", "--password-stdin", *options]) == 0
        with sqlite_db.session() as session:
            return session.scalars(select(ReferentAccount.roles).where(
                ReferentAccount.login == login)).one()

    assert add("chloe@projet.example", "projet") == ["projet"]  # the figures, no casework
    assert add("admin@ccas.example", "admin", "referent") == ["admin", "referent"]
    assert add("julien@ccas.example") == ["referent"]
    assert add("chloe@projet.example", "projet", "projet") == ["projet"]  # reset: still alone
    assert "roles: projet" in capsys.readouterr().out


def test_a_referent_marks_only_appointments_at_their_own_places(referent, sqlite_db,
                                                                console_app):
    """amina works at France Services Neudorf only: sophie's appointment at the Centre
    social Ampère is not hers to mark excused; julien's at France Services Neudorf is."""
    from handoff.booking import book
    from storage.handoff import Appointment

    territory = console_app.state.territory
    now = datetime.now(UTC)
    booked = {}
    with sqlite_db.session() as session:
        for colleague in ("sophie", "julien"):
            slot = next(s for s in free_slots(session, territory, "acces_droits", now)
                        if s.referent_id == colleague
                        and s.place_id not in ("ccas-neudorf",)
                        and (colleague == "sophie" or s.place_id == "france-services-neudorf"))
            handoff_id = new_handoff(session, reason_id="acces_droits")
            booked[colleague] = book(session, handoff_id=handoff_id, slot=slot).id
    token = csrf_of(referent.get("/console/agenda").text)
    refused = referent.post(f"/console/appointments/{booked['sophie']}/status",
                            data={"csrf": token, "status": "excused"})
    assert refused.status_code == 403 and "autre lieu" in refused.text
    assert "seuls Sophie, les référents de ce lieu et les admins" in refused.text
    allowed = referent.post(f"/console/appointments/{booked['julien']}/status",
                            data={"csrf": token, "status": "excused"})
    assert allowed.status_code == 200 and "Rendez-vous mis à jour." in allowed.text
    with sqlite_db.session() as session:
        assert session.get(Appointment, booked["sophie"]).status == "booked"
        assert session.get(Appointment, booked["julien"]).status == "excused"
