"""The chat page in Chromium follows the conversation's language: a resident who writes
« 3arbiya » gets the whole page in Arabic, right to left, menus included, numbers still read
left to right; « english » mid-conversation turns it English. axe-core passes in each."""

from __future__ import annotations

from playwright.sync_api import expect

from bot import language, messages
from tests.helpers.axe import assert_accessible
from tests.helpers.browser import screenshots_dir

PHONE = {"width": 360, "height": 780}


def in_language(key: str, code: str) -> str:
    with language.use(code):
        return messages.text(key)


def say(page, text: str) -> None:
    before = page.locator("#log li.bot").count()
    field = page.locator("#text")
    field.fill(text)
    field.press("Enter")
    # Every reply to one message is added in the same script task: one more is all of them.
    page.wait_for_function("n => document.querySelectorAll('#log li.bot').length > n",
                           arg=before, timeout=60_000)


def test_the_page_turns_arabic_and_right_to_left_with_the_conversation(live_server, browser,
                                                                       tmp_path):
    context = browser.new_context(viewport=PHONE, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{live_server}/")
    chat = page.locator("main#chat")
    expect(chat).to_have_attribute("dir", "ltr")
    expect(page.get_by_role("button", name="Terminer et effacer")).to_be_visible()

    say(page, "3arbiya")

    expect(chat).to_have_attribute("dir", "rtl")
    expect(chat).to_have_attribute("lang", "ar")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    field = page.get_by_label(in_language("page_label", "ar"))
    expect(field).to_have_attribute("placeholder", in_language("page_placeholder", "ar"))
    expect(page.get_by_role("button", name=in_language("page_send", "ar"))).to_be_visible()
    expect(page.get_by_role("button", name=in_language("page_end", "ar"))).to_be_visible()
    expect(page.locator("#hint")).to_have_text(in_language("page_hint", "ar"))
    expect(page.get_by_text("Votre message")).to_have_count(0)
    assert chat.evaluate("element => getComputedStyle(element).direction") == "rtl"
    assert_accessible(page, "the chat page switched to Arabic")

    # The menu runs right to left: its first choice stands right of the second.
    choices = page.get_by_role("group", name=in_language("page_choices", "ar")).last
    first, second = choices.get_by_role("button").nth(0), choices.get_by_role("button").nth(1)
    assert first.bounding_box()["x"] > second.bounding_box()["x"]
    expect(first).to_contain_text("1. ")
    assert first.evaluate("element => getComputedStyle(element).direction") == "rtl"
    # A number in an Arabic line keeps its digits in order (« 12 », never « 21 »).
    numbers = page.locator("#log li.bot .text span[dir=ltr]")
    assert numbers.count() >= 1
    assert numbers.first.evaluate("element => getComputedStyle(element).direction") == "ltr"

    first.click()  # « نعم »: the menu works in Arabic
    page.wait_for_function("() => document.querySelectorAll('#log li.me').length == 2",
                           timeout=60_000)
    expect(page.locator("#log li.bot").last).to_contain_text(
        in_language("ask_moment_first", "ar"))
    assert_accessible(page, "the chat page in Arabic after a tapped choice")
    page.screenshot(path=str(screenshots_dir(tmp_path) / "chat-page-arabic.png"), full_page=True)

    # The next person on the kiosk finds the page in French.
    page.get_by_role("button", name=in_language("page_end", "ar")).click()
    expect(chat).to_have_attribute("dir", "ltr")
    expect(page.get_by_label("Votre message")).to_have_attribute(
        "placeholder", "Écrivez ici, ou un chiffre")
    page.reload()
    expect(chat).to_have_attribute("lang", "fr")
    context.close()


def test_the_page_turns_english_mid_conversation_and_stays_so_when_reloaded(live_server,
                                                                            browser):
    context = browser.new_context(viewport=PHONE, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{live_server}/")
    say(page, "bonjour")
    expect(page.get_by_role("button", name="Envoyer")).to_be_visible()

    say(page, "english")

    chat = page.locator("main#chat")
    expect(chat).to_have_attribute("lang", "en")
    expect(chat).to_have_attribute("dir", "ltr")
    expect(page.get_by_label("Your message")).to_have_attribute("placeholder",
                                                                "Write here, or a number")
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    expect(page.get_by_role("button", name="End and erase")).to_be_visible()
    expect(page.locator("#hint")).to_have_text(in_language("page_hint", "en"))
    # What was said before the switch keeps its French voice.
    expect(page.locator("#log li.bot").first).to_have_attribute("lang", "fr")
    expect(page.locator("#log li.bot").last).to_have_attribute("lang", "en")
    assert_accessible(page, "the chat page switched to English")

    page.reload()  # drawn by the server in English from the first paint
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    assert_accessible(page, "the chat page reloaded in English")
    context.close()
