"""The chat page speaks the conversation's language: each chat answer carries `language`,
`dir` and the page's texts in it from the turn that switched it, and the page itself is drawn
in the language this browser's conversation is in (else French)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bot import language, messages
from bot.web import ui
from bot.web.page import COOKIE, LANGUAGE_COOKIE


def in_language(key: str, code: str) -> str:
    with language.use(code):
        return messages.text(key)


def test_the_chat_api_answers_with_the_conversations_language_and_the_pages_texts(client):
    said = {"user_id": "integration-language", "text": "bonjour"}
    first = client.post("/api/chat", json=said).json()
    assert (first["language"], first["dir"]) == ("fr", "ltr")
    assert first["ui"]["label"] == "Votre message" and first["ui"]["send"] == "Envoyer"
    assert set(first["ui"]) == set(ui.NAMES)

    switched = client.post("/api/chat", json={**said, "text": "العربية"}).json()
    assert (switched["language"], switched["dir"]) == ("ar", "rtl")
    assert switched["replies"][0]["text"] == in_language("language_chosen", "ar")
    assert switched["ui"]["label"] == in_language("page_label", "ar") == "رسالتك"
    assert switched["ui"]["end"] == in_language("page_end", "ar")

    english = client.post("/api/chat", json={**said, "text": "english"}).json()
    assert (english["language"], english["dir"]) == ("en", "ltr")
    assert english["ui"]["placeholder"] == "Write here, or a number"


def test_the_page_is_drawn_in_its_conversations_language_and_in_french_after_the_end(client):
    assert '<main id="chat" lang="fr" dir="ltr">' in client.get("/").text

    assert client.post("/api/chat/page", json={"text": "3arbiya"}).json()["language"] == "ar"
    assert client.cookies[LANGUAGE_COOKIE] == "ar" and client.cookies[COOKIE]
    page = client.get("/").text
    assert '<html lang="ar">' in page and '<main id="chat" lang="ar" dir="rtl">' in page
    assert in_language("page_placeholder", "ar") in page and "Votre message" not in page

    ended = client.post("/api/chat/page/end").json()
    assert (ended["language"], ended["dir"]) == ("fr", "ltr") and ended["ui"]["send"] == "Envoyer"
    assert LANGUAGE_COOKIE not in client.cookies
    assert '<main id="chat" lang="fr" dir="ltr">' in client.get("/").text


def test_a_language_cookie_that_names_no_language_draws_the_page_in_french(client):
    other = TestClient(client.app, cookies={LANGUAGE_COOKIE: '"><script>alert(1)</script>'})
    page = other.get("/").text
    assert '<main id="chat" lang="fr" dir="ltr">' in page and "alert(1)" not in page


def test_every_page_text_is_in_the_catalogue_of_every_language():
    for code in language.available():
        shown = ui.page(code)
        assert shown["dir"] == ("rtl" if code == "ar" else "ltr")
        if code != language.SOURCE:
            french = ui.page(language.SOURCE)["ui"]
            assert all(shown["ui"][name] != french[name] for name in ("label", "send", "end"))
