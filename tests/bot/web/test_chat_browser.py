"""A person's whole check on the web chat page in Chromium, typing and tapping the offered
answers, with axe-core run after every reply: the page must stay WCAG 2.1 AA throughout."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.helpers.axe import assert_accessible

PHONE = {"width": 360, "height": 780}
# Consent and moment are tapped; the answers are typed (single tenant, 800 € a month).
TAPPED = {"consent": "1. Oui", "moment": "5. Autre"}
TYPED = ["30", "67100", "1", "1", "500", "non", "800", "0"]


def wait_for_reply(page, bot_items_before: int) -> None:
    # Every reply to one message is added in the same script task: one more is all of them.
    page.wait_for_function("n => document.querySelectorAll('#log li.bot').length > n",
                           arg=bot_items_before, timeout=60_000)


def test_a_whole_check_on_the_chat_page_has_no_accessibility_violation(live_server, browser):
    context = browser.new_context(viewport=PHONE, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{live_server}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Passerelle")
    assert_accessible(page, "the empty chat page")
    conversation = page.get_by_role("log", name="Conversation")
    bot = page.locator("#log li.bot")
    field = page.get_by_label("Votre message")

    def type_(text: str) -> None:
        before = bot.count()
        field.fill(text)
        field.press("Enter")
        wait_for_reply(page, before)
        assert_accessible(page, f"the chat page after « {text} »")

    def tap(choice: str) -> None:
        before = bot.count()
        page.get_by_role("group", name="Réponses possibles").last.get_by_role(
            "button", name=choice).click()
        wait_for_reply(page, before)
        assert_accessible(page, f"the chat page after tapping « {choice} »")

    type_("bonjour")
    tap(TAPPED["consent"])
    tap(TAPPED["moment"])
    for text in TYPED:
        type_(text)

    expect(conversation).to_contain_text("Prime d'activité")
    expect(conversation.locator("li.me")).to_have_count(2 + 1 + len(TYPED))
    context.close()
