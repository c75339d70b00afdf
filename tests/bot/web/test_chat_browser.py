"""A person's whole check on the web chat page in Chromium, typing and tapping the offered
answers, with axe-core run after every reply: the page must stay WCAG 2.1 AA throughout."""

from __future__ import annotations

from playwright.sync_api import expect

from bot import messages
from tests.helpers.axe import assert_accessible

PHONE = {"width": 360, "height": 780}
# Consent and moment are tapped; the answers are typed (single tenant, 800 € a month).
TAPPED = {"consent": "1. Oui", "moment": "5. Autre"}
TYPED = ["30", "67100", "1", "1", "500", "non", "800", "0", "oui"]  # oui: the facts read back


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


def test_end_and_erase_leaves_an_empty_conversation_for_the_next_person(live_server, browser,
                                                                        console_app):
    from sqlalchemy import select

    from bot.web.page import COOKIE
    from storage.models import ChannelAddress, Person

    context = browser.new_context(viewport=PHONE, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{live_server}/")
    bot = page.locator("#log li.bot")
    field = page.get_by_label("Votre message")
    field.fill("bonjour")
    field.press("Enter")
    wait_for_reply(page, 0)
    before = bot.count()
    page.get_by_role("group", name="Réponses possibles").last.get_by_role(
        "button", name=TAPPED["consent"]).click()
    wait_for_reply(page, before)

    # The identity is a cookie out of the script's reach, and nothing is in localStorage.
    [cookie] = [c for c in context.cookies() if c["name"] == COOKIE]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie") == ""
    assert page.evaluate("window.localStorage.length") == 0
    key = console_app.state.core.address_key("web", f"page:{cookie['value']}")
    db = console_app.state.db
    with db.session() as session:
        assert session.scalars(select(ChannelAddress).where(ChannelAddress.key == key)).first()

    end = page.get_by_role("button", name="Terminer et effacer")
    expect(end).to_be_visible()
    end.click()
    expect(page.locator("#log li")).to_have_count(1)
    expect(page.locator("#log")).to_contain_text("toutes vos données sont effacées")
    assert [c for c in context.cookies() if c["name"] == COOKIE] == []
    with db.session() as session:
        assert session.scalars(select(ChannelAddress).where(ChannelAddress.key == key)).first() is None
        assert session.scalars(select(Person)).all() == []

    # The next person reloads: an empty conversation, which starts from the beginning.
    page.reload()
    expect(page.locator("#log li")).to_have_count(0)
    assert_accessible(page, "the chat page after « Terminer et effacer »")
    field.fill("1")  # what « Oui » was for the previous person
    field.press("Enter")
    wait_for_reply(page, 0)
    welcome = page.locator("#log li.bot").first
    expect(welcome).to_contain_text(messages.text("greeting"))  # a new conversation
    [fresh] = [c for c in context.cookies() if c["name"] == COOKIE]
    assert fresh["value"] != cookie["value"]
    context.close()
