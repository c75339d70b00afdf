"""Who may see the figures: the « projet » role only."""

from __future__ import annotations

from tests.helpers.console import REFERENT

PAGES = ("/console/indicateurs", "/console/indicateurs.csv")


def test_without_a_session_the_figures_redirect_to_the_login(town):
    for path in PAGES:
        response = town.client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/console/login?next=")


def test_a_referent_without_the_projet_role_gets_403(town):
    town.log_in(REFERENT)
    assert "/console/indicateurs" not in town.client.get("/console").text
    for path in PAGES:
        response = town.client.get(path, params={"du": "2026-10-01", "au": "2026-11-30"})
        assert response.status_code == 403
        assert "La page « Indicateurs » est réservée au rôle « projet »" in response.text
        assert "text/csv" not in response.headers["content-type"]


def test_the_project_team_sees_the_page_and_downloads_the_csv(town):
    town.log_in()
    assert 'href="/console/indicateurs"' in town.client.get("/console").text
    page = town.client.get("/console/indicateurs", params={"du": "2026-10-01",
                                                           "au": "2026-11-30"})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "Indicateurs de recours aux droits" in page.text
    assert 'value="2026-10-01"' in page.text and "9 semaines" in page.text
    export = town.client.get("/console/indicateurs.csv", params={"du": "2026-10-01",
                                                                 "au": "2026-11-30"})
    assert export.status_code == 200
    assert export.headers["content-disposition"] == (
        'attachment; filename="passerelle-indicateurs-2026-10-01-2026-11-30.csv"')
    assert export.content.decode("utf-8-sig").startswith(
        "du;au;tableau;ligne;ligne_libelle;colonne;colonne_libelle;valeur\r\n")


def test_a_wrong_period_falls_back_to_the_last_three_months(town):
    town.log_in()
    # Not whole months either: October-November minus 2 October-30 November would be
    # 1 October, to the person.
    for params in ({"du": "hier"}, {"du": "2026-11-30", "au": "2026-10-01"},
                   {"du": "2020-01-01", "au": "2026-01-01"},
                   {"du": "2026-10-02", "au": "2026-11-30"},
                   {"du": "2026-10-01", "au": "2026-11-29"}):
        page = town.client.get("/console/indicateurs", params=params)
        assert page.status_code == 200
        assert "Période incorrecte" in page.text
