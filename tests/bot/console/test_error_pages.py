"""Errors a referent can read: the console's 404 and 422 as pages in French with the menu
(the API keeps its JSON), and a refused form that lands on its error, saying why."""

from __future__ import annotations

from datetime import date, timedelta

from tests.helpers.console import csrf_of
from tests.helpers.handoff import new_handoff


def test_unknown_addresses_and_unreadable_values_are_pages(referent):
    missing = referent.get("/console/nimporte-quoi")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert "<h1>Page introuvable</h1>" in missing.text
    assert '<a href="/console/agenda">Agenda</a>' in missing.text  # the account's pages
    unreadable = referent.get("/console/handoffs/abc")
    assert unreadable.status_code == 422 and "<h1>Valeur incorrecte</h1>" in unreadable.text
    assert "le numéro de la demande devrait être un nombre" in unreadable.text
    assert "Input should be" not in unreadable.text
    listing = referent.get("/console?page=deux")
    assert listing.status_code == 422 and "« page »" in listing.text
    # The JavaScript's JSON and the API stay JSON.
    assert referent.get("/api/nimporte-quoi").json() == {"error": "Not Found"}
    referent.cookies.clear()
    anonymous = referent.get("/console/nimporte-quoi")
    assert anonymous.status_code == 404 and 'href="/console/login"' in anonymous.text


def test_a_future_outcome_date_lands_on_its_error_and_says_why(referent, sqlite_db):
    with sqlite_db.session() as session:
        handoff_id = new_handoff(session)
    page = referent.get(f"/console/handoffs/{handoff_id}")
    refused = referent.post(
        f"/console/handoffs/{handoff_id}/outcomes",
        follow_redirects=False,
        data={
            "csrf": csrf_of(page.text),
            "benefit_id": "rsa",
            "status": "claim_filed",
            "on": (date.today() + timedelta(days=30)).isoformat(),
        },
    )
    assert refused.status_code == 303 and refused.headers["location"].endswith("#erreur")
    shown = referent.get(refused.headers["location"].split("#")[0]).text
    assert 'id="erreur" tabindex="-1"' in shown
    assert "choisissez un jour qui n&#39;est pas dans le futur" in shown
