"""Each role of `make run`'s demo accounts through its pages in Chromium, at 360 px (and the
admin at 1280 px): axe-core clean, no horizontal scroll, a screenshot no wider than the
screen; then a project officer through a campaign, from the import to the audit export."""

from __future__ import annotations

import struct

from playwright.sync_api import expect

from handoff.accounts import DEMO_PASSWORD, ensure_demo_accounts
from tests.helpers.axe import assert_accessible

PAGES = {
    "demo": ["/console", "/console/agenda"],
    "demo-projet": ["/console/indicateurs", "/console/campagnes"],
    "demo-ambassadeur": ["/console/terrain"],
    "demo-national": ["/console/indicateurs/territoires"],
}
REFUSED = {
    "demo": "/console/campagnes",
    "demo-projet": "/console/terrain",
    "demo-ambassadeur": "/console/agenda",
    "demo-national": "/console/indicateurs",
}


def log_in(page, base: str, login: str) -> None:
    page.goto(f"{base}/console/login")
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def fits(page, width: int, where: str) -> None:
    """No horizontal scroll, and the full-page screenshot is the screen's width."""
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{where}: {scroll} px wide at {width} px"
    png = page.screenshot(full_page=True)
    shot_width = struct.unpack(">I", png[16:20])[0]
    assert shot_width == width, f"{where}: screenshot {shot_width} px wide at {width} px"


def check(page, width: int, where: str) -> None:
    assert_accessible(page, where)
    fits(page, width, where)


def test_each_role_walks_its_pages(live_server, browser, sqlite_db):
    ensure_demo_accounts(sqlite_db, ["amina", "julien"])
    for login, paths in PAGES.items():
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="fr-FR")
        page = context.new_page()
        log_in(page, live_server, login)
        for path in paths:
            assert page.goto(f"{live_server}{path}").status == 200, (login, path)
            check(page, 360, f"{path} as {login}")
        assert page.goto(f"{live_server}{REFUSED[login]}").status == 403
        expect(page.get_by_role("alert")).to_contain_text("Demandez-le à Amina")
        expect(page.get_by_role("heading", name="Vos pages")).to_be_visible()
        check(page, 360, f"the refusal of {REFUSED[login]} to {login}")
        context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    log_in(page, live_server, "demo-admin")
    nav = page.get_by_role("navigation", name="Console")
    for label in ("Demandes", "Agenda", "Indicateurs", "Campagnes", "Tous les territoires", "Terrain"):
        nav.get_by_role("link", name=label, exact=True).click()
        expect(nav.get_by_role("link", name=label, exact=True)).to_have_attribute("aria-current", "page")
        check(page, 1280, f"{label} as the admin")
    for path, status in (("/console/nimporte-quoi", 404), ("/console/handoffs/abc", 422)):
        assert page.goto(f"{live_server}{path}").status == status
        expect(page.get_by_role("alert")).to_be_visible()
        check(page, 1280, f"the {status} page")
    context.close()


def test_a_project_officer_from_the_import_to_the_audit_export(live_server, browser, sqlite_db):
    ensure_demo_accounts(sqlite_db, ["amina", "julien"])
    numbers = "\n".join(f"06 20 30 40 {i:02d};senior;impayés" for i in range(20))
    for width in (360, 1280):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="fr-FR")
        page = context.new_page()
        log_in(page, live_server, "demo-projet")
        page.get_by_role("link", name="Campagnes").click()
        page.get_by_label("Nom de la campagne").fill(f"Pilote {width}")
        page.get_by_label("Nom du partenaire").fill("Ophéa")
        page.get_by_label("Fichier CSV").set_input_files(
            files=[
                {
                    "name": "foyers.csv",
                    "mimeType": "text/csv",
                    "buffer": f"telephone;moment;source\n{numbers}\n0388000000;;x\n".encode(),
                }
            ]
        )
        page.get_by_role("button", name="Importer").click()
        expect(page.get_by_role("heading", name="Lignes refusées")).to_be_visible()
        expect(page.locator('[data-preview="invitation"]')).to_contain_text(
            "Notre partenaire Ophéa nous a donné votre numéro"
        )
        expect(page.locator(".state")).to_contain_text("brouillon")
        check(page, width, f"a campaign just imported at {width} px")
        page.get_by_role("button", name="Aperçu").click()
        expect(page.locator("#parts")).to_contain_text("SMS facturé")
        expect(page.get_by_text("SMS aux témoins : 0")).to_be_visible()
        check(page, width, f"a campaign's preview at {width} px")
        with page.expect_download() as download:
            page.get_by_role("link", name="Télécharger l'export de contrôle").click()
        text = open(download.value.path(), encoding="utf-8-sig").read()
        assert text.count("'+3362030") == 20 and "SMS aux témoins : 0" in text
        page.get_by_role("button", name="Supprimer ce brouillon").click()
        expect(page.get_by_role("status")).to_contain_text("Brouillon supprimé")
        check(page, width, f"the campaigns after a deletion at {width} px")
        context.close()
