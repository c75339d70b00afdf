"""A referent's whole round in Chromium: log in, open the urgent hand-off a real
conversation created, take over, reply, see the reply reach the person's web chat, record
an outcome, log out. The app runs in a real uvicorn server; the person talks through
POST /api/chat like the chat page does."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect

from tests.helpers.axe import assert_accessible
from tests.helpers.browser import person_says, screenshots_dir
from tests.helpers.console import LOGIN, PASSWORD

PHONE = {"width": 360, "height": 780}


def web_chat_inbox(base: str, app, user_id: str) -> list[str]:
    """What the person's web chat page fetches: GET /api/chat/messages?user_id=."""
    if any(getattr(r, "path", "") == "/api/chat/messages" for r in app.routes):
        response = httpx.get(f"{base}/api/chat/messages", params={"user_id": user_id})
        assert response.status_code == 200, response.text
        return [m["text"] for m in response.json()["messages"]]
    # Until the web pull endpoint is mounted: the same outbox query it runs.
    from bot import outbox

    core = app.state.core
    with app.state.db.session() as session:
        return [m.body for m in outbox.take_web(
            session, address_key=core.address_key("web", user_id))]


def test_a_referent_answers_an_urgent_person_through_their_own_web_chat(
        live_server, console_app, browser, tmp_path):
    shots = screenshots_dir(tmp_path)
    # A person does the check (rights found), then says she is in danger.
    person_says(live_server, "web-person-1", "bonjour", "oui", "5", "30", "67100", "1", "1",
                "500", "non", "800", "0", "oui")  # oui: the facts read back
    replies = person_says(live_server, "web-person-1", "mon mari me frappe")
    assert "3919" in replies[0]["text"]
    person_says(live_server, "web-person-1", "1")  # books the first slot offered

    context = browser.new_context(viewport=PHONE, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{live_server}/console")
    expect(page).to_have_url(re.compile(r"/console/login"))
    page.get_by_label("Identifiant").fill(LOGIN)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Demandes en attente")).to_be_visible()

    item = page.locator(".queue .item.urgent").first
    expect(item).to_contain_text("URGENT")
    expect(item).to_contain_text("Situation urgente")
    expect(item).to_contain_text("RDV")
    page.screenshot(path=str(shots / "queue-360.png"), full_page=True)
    item.get_by_role("link").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("URGENT")
    expect(page.locator(".summary")).to_contain_text("30 ans, seul(e), locataire 500")
    expect(page.locator(".summary")).to_contain_text("salaire 800")
    rights = page.locator("#droits")
    expect(rights).to_contain_text("Prime d'activité")
    expect(rights).to_contain_text("€/mois")
    expect(rights).to_contain_text("openfisca-france")
    expect(page.locator(".transcript")).to_contain_text("mon mari me frappe")
    page.screenshot(path=str(shots / "conversation-360.png"), full_page=True)
    page.screenshot(path=str(shots / "conversation-360-top.png"))

    page.get_by_role("button", name="Prendre la main").click()
    expect(page.get_by_role("status")).to_contain_text("le bot ne répond plus")
    expect(page.get_by_role("button", name="Rendre au bot")).to_be_visible()

    page.get_by_label("Message (envoyé par chat web)").fill(
        "Bonjour, je suis Amina. Êtes-vous en sécurité maintenant ?")
    page.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_role("status")).to_contain_text("Message envoyé")
    expect(page.locator(".msg.referent")).to_contain_text("Êtes-vous en sécurité")
    assert_accessible(page, "a conversation with the referent's reply, at 360 px")

    inbox = web_chat_inbox(live_server, console_app, "web-person-1")
    assert any("Êtes-vous en sécurité" in text for text in inbox), inbox
    # The referent holds the conversation: the bot says nothing to the person's answer.
    assert person_says(live_server, "web-person-1", "oui je suis chez ma soeur") == []

    rights.get_by_text("Noter le suivi de Prime d'activité").click()
    page.get_by_label("Résultat pour Prime d'activité").select_option("claim_filed")
    page.get_by_label("Date pour Prime d'activité").fill("2026-11-27")
    page.locator("form.outcome").filter(has=page.get_by_label("Résultat pour Prime d'activité")
                                        ).get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("Résultat enregistré")
    expect(rights).to_contain_text("Demande déposée le 27/11/2026")

    page.get_by_role("button", name=re.compile("Se déconnecter")).click()
    expect(page).to_have_url(re.compile(r"/console/login"))
    page.goto(f"{live_server}/console")
    expect(page).to_have_url(re.compile(r"/console/login"))
    context.close()


def test_a_new_handoff_appears_in_the_queue_without_reloading(live_server, browser, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.clock.install()
    page.goto(f"{live_server}/console/login")
    page.get_by_label("Identifiant").fill(LOGIN)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Aucune demande en attente.")).to_be_visible()

    person_says(live_server, "web-person-2", "bonjour", "oui", "CONSEILLER")
    page.clock.run_for(11_000)
    expect(page.locator(".queue .item")).to_have_count(1)
    expect(page.locator("#queue-live")).to_have_text("1 nouvelle demande.")
    context.close()
