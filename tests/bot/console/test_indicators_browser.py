"""The project team in Chromium: the take-up figures page, its period filter and the CSV
download; a referent without the « projet » role is refused."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import expect

from handoff.accounts import add_account
from handoff.indicators import month_bounds, week_of
from storage.models import FunnelEvent
from tests.helpers.axe import assert_accessible
from tests.helpers.browser import screenshots_dir
from tests.helpers.console import LOGIN, PASSWORD

PROJET = "equipe-projet@ems.example"


def log_in(page, base: str, login: str) -> None:
    page.goto(f"{base}/console/login")
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Demandes en attente")).to_be_visible()


def test_the_project_team_reads_the_figures_and_downloads_the_csv(
        live_server, browser, sqlite_db, tmp_path):
    # Last week: its Thursday is past, so it is in every period that ends today.
    week = week_of(date.today() - timedelta(days=7))
    with sqlite_db.session() as session:
        add_account(session, login=PROJET, password=PASSWORD, referent_id="amina",
                    roles=["referent", "projet"])
        session.add_all([FunnelEvent(kind="first_contact", week=week, channel="web")
                         for _ in range(7)])
        session.add_all([FunnelEvent(kind="consent", week=week, channel="web")
                         for _ in range(2)])
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="fr-FR",
                                  accept_downloads=True)
    page = context.new_page()
    log_in(page, live_server, PROJET)
    page.get_by_role("link", name="Indicateurs").click()
    expect(page.get_by_role("heading", name="Indicateurs de recours aux droits")).to_be_visible()
    funnel = page.locator("table").first
    expect(funnel.get_by_role("row", name=re.compile("Premiers contacts"))).to_contain_text("7")
    expect(funnel.get_by_role("row", name=re.compile("Consentements"))).to_contain_text("< 5")
    page.screenshot(path=str(screenshots_dir(tmp_path) / "indicators-360.png"), full_page=True)
    assert_accessible(page, "the indicators with figures, at 360 px")

    # The period filter: a period without these weeks shows zeros.
    page.get_by_label("Du", exact=True).fill("2025-01-01")
    page.get_by_label("Au", exact=True).fill("2025-03-31")
    page.get_by_role("button", name="Afficher").click()
    expect(page).to_have_url(re.compile(r"du=2025-01-01&au=2025-03-31"))
    expect(funnel.get_by_role("row", name=re.compile("Premiers contacts"))).to_contain_text("0")

    # Whole months only (overlapping periods would give small counts away): from the
    # first day of the month of last week's Thursday to the last day of this month.
    today = date.today()
    last_week = today - timedelta(days=7)
    first = (last_week + timedelta(days=3 - last_week.weekday())).replace(day=1)  # its Thursday
    last = month_bounds(today.year, today.month)[1]
    page.get_by_label("Du", exact=True).fill(first.isoformat())
    page.get_by_label("Au", exact=True).fill(last.isoformat())
    page.get_by_role("button", name="Afficher").click()
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("Télécharger le fichier CSV")).click()
    download = info.value
    assert download.suggested_filename == (
        f"passerelle-indicateurs-{first.isoformat()}-{last.isoformat()}.csv")
    text = open(download.path(), encoding="utf-8-sig", newline="").read()
    assert "funnel;first_contact;Premiers contacts;value;Nombre;7\r\n" in text
    assert "funnel;consent;Consentements;value;Nombre;< 5\r\n" in text
    context.close()

    # A referent without the role: no link, and the address itself is refused.
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    log_in(page, live_server, LOGIN)
    expect(page.get_by_role("link", name="Indicateurs")).to_have_count(0)
    response = page.goto(f"{live_server}/console/indicateurs")
    assert response.status == 403
    expect(page.get_by_role("alert")).to_contain_text("réservée au rôle « projet »")
    assert page.request.get(f"{live_server}/console/indicateurs.csv").status == 403
    context.close()
