"""Arabic reads right to left in Chromium: on the web chat page as the resident sees it, and
in the console as a referent reads the transcript. The computed direction of an Arabic
message must be rtl (dir="auto" on each message), a French one's ltr; screenshots go to
var/screenshots/ for a person to look at."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.helpers.axe import assert_accessible
from tests.helpers.browser import person_says
from tests.helpers.console import LOGIN, PASSWORD

PHONE = {"width": 360, "height": 780}
SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
ARABIC = "السلام عليكم، أريد أن أعرف حقوقي"


def _direction(locator) -> str:
    return locator.evaluate("element => getComputedStyle(element).direction")


def test_arabic_messages_read_right_to_left_on_the_chat_page(live_server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_context(viewport=PHONE, locale="ar").new_page()
    page.goto(f"{live_server}/")
    field = page.get_by_label("Votre message")
    field.fill(ARABIC)
    field.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('#log li.bot').length > 1",
                           timeout=60_000)
    mine = page.locator("#log li.me .text").last
    greeting = page.locator("#log li.bot .text").nth(1)  # after the French way back
    expect(greeting).to_contain_text("Passerelle")
    assert _direction(mine) == "rtl"
    assert _direction(greeting) == "rtl"
    assert page.locator("#log li.bot .text:dir(rtl)").count() >= 2
    # The one French line (how to go back to French) stays left to right.
    assert _direction(page.locator("#log li.bot .text").first) == "ltr"
    assert_accessible(page, "the chat page in Arabic")
    page.screenshot(path=str(SHOTS / "chat-arabic-rtl.png"), full_page=True)


def test_a_referent_reads_an_arabic_conversation_right_to_left(live_server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    person_says(live_server, "web-arabic-1", ARABIC, "نعم")
    replies = person_says(live_server, "web-arabic-1", "زوجي يضربني وأنا خائفة")
    assert "3919" in replies[0]["text"]  # the same numbers, in Arabic
    page = browser.new_context(viewport=PHONE, locale="fr-FR").new_page()
    page.goto(f"{live_server}/console")
    expect(page).to_have_url(re.compile(r"/console/login"))
    page.get_by_label("Identifiant").fill(LOGIN)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    item = page.locator(".queue .item.urgent").first
    expect(item).to_contain_text("Arabe")
    item.get_by_role("link").click()
    expect(page.locator(".meta").first).to_contain_text("en Arabe")
    said = page.locator(".transcript .msg.person .text", has_text="زوجي يضربني")
    expect(said).to_have_count(1)
    assert _direction(said) == "rtl"
    assert _direction(page.locator(".transcript .msg.bot .text").first) == "rtl"  # prompts
    assert page.locator(".transcript .text:dir(rtl)").count() >= 3
    page.screenshot(path=str(SHOTS / "console-arabic-rtl.png"), full_page=True)
