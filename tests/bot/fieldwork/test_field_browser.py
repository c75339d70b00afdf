"""An ambassador's check end to end in Chromium at 360 px: log in, start with the notice read
aloud, answer the questions on the page, book a slot; axe-core on every page, nothing wider
than the screen; the resident's result and booking arrive by SMS at the local Twilio
stand-in, and a reply from their phone carries the same conversation on."""

from __future__ import annotations

import uuid

import httpx
from playwright.sync_api import expect

from tests.bot.fieldwork.conftest import AMBASSADOR
from tests.helpers.axe import assert_accessible
from tests.helpers.browser import screenshots_dir
from tests.helpers.channels import SID, SMS_FROM, sign, wait_for
from tests.helpers.console import PASSWORD

NUMBER = "+33612349901"
# « Autre » moment, then a single tenant earning 800 € a month.
ANSWERS = ["30", "67000", "1", "1", "500", "2", "800", "0", "oui"]  # oui: the read-back


def fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} is {width} px wide at 360 px"


def text_from_phone(base: str, text: str) -> None:
    params = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": SID, "From": NUMBER,
              "To": SMS_FROM, "Body": text, "NumMedia": "0"}
    answer = httpx.post(f"{base}/webhooks/twilio", data=params,
                        headers={"X-Twilio-Signature": sign("/webhooks/twilio", params)})
    assert answer.status_code == 200


def test_an_ambassador_check_at_360_px(live_server, browser, fake_twilio, tmp_path):
    shots = screenshots_dir(tmp_path)
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="fr-FR",
                                  has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server}/console/login")
    page.get_by_label("Identifiant").fill(AMBASSADOR)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Vérifier les droits avec une personne")).to_be_visible()
    assert_accessible(page, "the field page")
    fits(page)
    page.screenshot(path=str(shots / "field-start-360.png"), full_page=True)

    page.get_by_label("Son numéro de mobile").fill("06 12 34 99 01")
    page.get_by_label("Lieu").fill("Marché du Neudorf")
    consent = page.get_by_label("J'ai lu la notice à voix haute et la personne est d'accord")
    box = consent.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44  # a thumb, not 13 × 20 px
    consent.check()
    page.get_by_role("button", name="Commencer").click()
    expect(page.get_by_role("heading", name="Vérification, Marché du Neudorf")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Accord enregistré.")
    # The page has its own buttons: no instruction only an SMS needs.
    expect(page.locator("main")).not_to_contain_text("CONSEILLER à tout moment")
    assert_accessible(page, "a field check, first question")
    fits(page)
    page.screenshot(path=str(shots / "field-question-360.png"), full_page=True)

    page.get_by_role("button", name="5. Autre").click()
    # The answers so far, and a way back to correct the last one.
    page.get_by_label("Sa réponse").fill("31")
    page.get_by_role("button", name="Envoyer la réponse").click()
    expect(page.locator(".answers")).to_contain_text("31 ans")
    page.get_by_role("button", name="Corriger la réponse précédente").click()
    expect(page.locator(".said").first).to_contain_text("âge")
    for answer in ANSWERS:
        page.get_by_label("Sa réponse").fill(answer)
        page.get_by_role("button", name="Envoyer la réponse").click()
        expect(page.get_by_label("Sa réponse")).to_have_value("")
    # The result as a short list with working links, not the SMS text.
    rights = page.locator(".rights")
    expect(rights).to_contain_text("Prime d")
    expect(page.locator("main")).not_to_contain_text("DETAILS")
    links = rights.get_by_role("link")
    assert links.count() >= 1
    assert all(links.nth(i).get_attribute("href").startswith("https://")
               for i in range(links.count()))
    assert page.locator("main").bounding_box()["height"] < 3000
    assert_accessible(page, "a field check, the result")
    fits(page)
    page.screenshot(path=str(shots / "field-result-360.png"), full_page=True)

    page.get_by_role("button", name="1. Parler à une personne").click()
    expect(page.get_by_role("button", name="1.").first).to_be_visible()
    page.locator(".choices button").first.click()
    expect(page.locator(".said").first).to_contain_text("C'est noté")
    assert_accessible(page, "a field check, the slot booked")
    fits(page)

    # The resident's phone: the result, then the booking confirmation, nothing else.
    sms = wait_for(lambda: len(fake_twilio.bodies(to=NUMBER)) >= 2 and fake_twilio.bodies(
        to=NUMBER), timeout=30)
    assert sms[0].startswith("Passerelle : le résultat de votre test")
    assert "/mois" in sms[0] and "C'est noté" in sms[1]
    assert not any("Quel âge" in body for body in sms)

    # The conversation goes on from the phone: CHANGER offers other slots by SMS.
    text_from_phone(live_server, "CHANGER")
    more = wait_for(lambda: len(fake_twilio.bodies(to=NUMBER)) >= 3 and fake_twilio.bodies(
        to=NUMBER), timeout=30)
    assert more[2] and more[2] != more[1]

    page.get_by_role("button", name="Terminer").click()
    expect(page.get_by_role("status")).to_contain_text("Vérification terminée")
    expect(page.get_by_role("link", name="Marché du Neudorf")).to_be_visible()
    assert_accessible(page, "the field page after a check")
    context.close()
