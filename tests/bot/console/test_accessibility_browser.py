"""Every console page in Chromium, with axe-core: the login (empty and after a wrong
password), the queue, a conversation (before and after taking over, the outcome form open),
the agenda (week and day), the indicators, the campaigns (list, a campaign), the refusal
and the not-found pages. Any WCAG 2.1 A/AA violation fails."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from handoff.accounts import add_account
from tests.helpers.axe import assert_accessible
from tests.helpers.browser import person_says
from tests.helpers.console import LOGIN, PASSWORD

PROJET = "equipe-projet@ems.example"


def log_in(page, base: str, login: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/console/login")
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def test_every_console_page_has_no_accessibility_violation(live_server, browser, sqlite_db):
    with sqlite_db.session() as session:
        add_account(session, login=PROJET, password=PASSWORD, referent_id="amina",
                    roles=["referent", "projet"])
    # An urgent person with rights found and an appointment, and a plain request.
    person_says(live_server, "a11y-person-1", "bonjour", "oui", "5", "30", "67100", "1", "1",
                "500", "non", "800", "0", "oui", "mon mari me frappe", "1")
    person_says(live_server, "a11y-person-2", "bonjour", "oui", "CONSEILLER")

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{live_server}/console")
    expect(page).to_have_url(re.compile(r"/console/login"))
    assert_accessible(page, "the login page")
    log_in(page, live_server, PROJET, "pas-le-bon-mot-de-passe")
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page, "the login page after a wrong password")

    log_in(page, live_server, PROJET)
    expect(page.get_by_role("heading", name="Demandes en attente")).to_be_visible()
    expect(page.locator(".queue .item")).to_have_count(2)
    assert_accessible(page, "the queue")

    page.locator(".queue .item.urgent").first.get_by_role("link").click()
    expect(page.locator(".transcript")).to_contain_text("mon mari me frappe")
    assert_accessible(page, "a conversation")
    page.get_by_role("button", name="Prendre la main").click()
    expect(page.get_by_role("status")).to_contain_text("le bot ne répond plus")
    assert_accessible(page, "a conversation taken over")
    page.locator("#droits").get_by_text("Noter le suivi de Prime d'activité").click()
    expect(page.get_by_label("Résultat pour Prime d'activité")).to_be_visible()
    assert_accessible(page, "a conversation with the outcome form open")

    page.get_by_role("link", name="Agenda").click()
    expect(page.get_by_role("heading", name="Mon agenda")).to_be_visible()
    assert_accessible(page, "the agenda (week)")
    page.get_by_role("link", name="Semaine suivante →").click()
    assert_accessible(page, "the agenda (next week)")
    page.get_by_role("link", name="Voir le jour").click()
    expect(page).to_have_url(re.compile(r"view=day"))
    assert_accessible(page, "the agenda (day)")

    page.get_by_role("link", name="Indicateurs").click()
    expect(page.get_by_role("heading", name="Indicateurs de recours aux droits")).to_be_visible()
    assert_accessible(page, "the indicators")

    page.get_by_role("link", name="Campagnes").click()
    expect(page.get_by_role("heading", name="Campagnes d'invitation")).to_be_visible()
    assert_accessible(page, "the campaigns")
    page.get_by_label("Nom de la campagne").fill("CCAS")
    page.get_by_label("Fichier CSV").set_input_files(files=[{
        "name": "foyers.csv", "mimeType": "text/csv",
        "buffer": b"telephone;source\n0612345678;CCAS\n0388000000;CCAS\n"}])
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_role("heading", name="Lignes refusées")).to_be_visible()
    assert_accessible(page, "a campaign just imported, with its rejected lines")

    assert page.goto(f"{live_server}/console/handoffs/999999").status == 404
    assert_accessible(page, "the not-found page")
    context.close()

    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    log_in(page, live_server, LOGIN)
    expect(page.get_by_role("heading", name="Demandes en attente")).to_be_visible()
    assert page.goto(f"{live_server}/console/indicateurs").status == 403
    assert_accessible(page, "the refusal page")
    context.close()
