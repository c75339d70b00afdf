"""The chat page's identity is a server-issued HttpOnly cookie: no id the page's script or a
URL could leak, and « Terminer et effacer » leaves nothing for the next person on a kiosk."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from bot import messages, outbox
from bot.dialogue.types import Reply
from bot.web.page import COOKIE, COOKIE_PATH, TOKEN
from storage.models import ChannelAddress, Person


def set_cookie_header(response) -> str:
    return "; ".join(v for k, v in response.headers.multi_items() if k == "set-cookie")


def key_of(app, token: str) -> str:
    return app.state.core.address_key("web", f"page:{token}")


def people(app) -> int:
    with app.state.db.session() as session:
        return len(session.scalars(select(Person.id)).all())


def test_the_page_gets_a_random_httponly_strict_cookie_and_keeps_its_conversation(client):
    first = client.post("/api/chat/page", json={"text": "bonjour"})
    assert first.status_code == 200 and first.json()["replies"]
    header = set_cookie_header(first)
    assert f"{COOKIE}=" in header and "HttpOnly" in header and "SameSite=strict" in header
    assert f"Path={COOKIE_PATH}" in header and "Secure" not in header  # development: http
    token = client.cookies[COOKIE]
    assert TOKEN.fullmatch(token)  # a random part and the server's signature of it
    # The same cookie continues the conversation: no new cookie, no new person.
    second = client.post("/api/chat/page", json={"text": "1"})
    assert second.status_code == 200 and "set-cookie" not in second.headers
    assert people(client.app) == 1
    # Another browser (no cookie) is another person, whatever it sends.
    other = browser_without_cookie(client)
    other.post("/api/chat/page", json={"text": "bonjour", "user_id": "ignored"})
    assert other.cookies[COOKIE] != token
    assert people(client.app) == 2


def test_the_cookie_is_secure_outside_development(app_factory):
    with TestClient(app_factory(environment="test"), base_url="https://testserver") as client:
        response = client.post("/api/chat/page", json={"text": "bonjour"})
        assert "Secure" in set_cookie_header(response)


def test_a_forged_cookie_does_not_reach_anyones_conversation(client):
    # Someone mid-check through the integration API as « user-1 »...
    client.post("/api/chat", json={"user_id": "user-1", "text": "bonjour"})
    client.post("/api/chat", json={"user_id": "user-1", "text": "1"})
    # ...is not reached by a page cookie saying « user-1 »: not a token the server issues.
    forged = browser_without_cookie(client)
    response = forged.post("/api/chat/page", json={"text": "1"}, headers={"Cookie": f"{COOKIE}=user-1"})
    assert set_cookie_header(response).startswith(f"{COOKIE}=")  # a new one is issued
    assert response.json()["replies"][0]["text"] == welcome(client)


def test_polling_is_a_post_with_the_cookie(client):
    assert client.post("/api/chat/page/messages").json() == {"replies": []}  # no cookie yet
    client.post("/api/chat/page", json={"text": "bonjour"})
    core = client.app.state.core
    with core.db.session() as session:
        outbox.enqueue(session, channel="web", recipient="page", replies=[Reply("Bonjour, ici Amina.")],
                       address_key=key_of(client.app, client.cookies[COOKIE]))
    assert client.get("/api/chat/page/messages").status_code == 405
    assert client.post("/api/chat/page/messages").json() == {
        "replies": [{"text": "Bonjour, ici Amina.", "choices": []}]}
    assert client.post("/api/chat/page/messages").json() == {"replies": []}


def test_end_erases_the_conversation_and_clears_the_cookie(client):
    client.post("/api/chat/page", json={"text": "bonjour"})
    client.post("/api/chat/page", json={"text": "1"})  # consent: answers would be kept
    token = client.cookies[COOKIE]
    key = key_of(client.app, token)
    ended = client.post("/api/chat/page/end")
    assert ended.status_code == 200
    assert ended.json()["replies"] == [{"text": messages.text("erased"), "choices": []}]
    assert f'{COOKIE}=""' in set_cookie_header(ended) and "Max-Age=0" in set_cookie_header(ended)
    assert COOKIE not in client.cookies
    with client.app.state.db.session() as session:
        assert session.scalars(select(ChannelAddress).where(ChannelAddress.key == key)).first() is None
    assert people(client.app) == 0
    # The next person on this browser starts from the beginning, with a new cookie.
    again = client.post("/api/chat/page", json={"text": "bonjour"})
    assert client.cookies[COOKIE] != token
    assert again.json()["replies"][0]["text"] == welcome(client)


def welcome(client) -> str:
    """What anyone's first « bonjour » gets."""
    fresh = browser_without_cookie(client)
    return fresh.post("/api/chat/page", json={"text": "bonjour"}).json()["replies"][0]["text"]


def browser_without_cookie(client) -> TestClient:
    """Another browser on the same running app (its lifespan is the first client's)."""
    return TestClient(client.app)


def test_the_integration_api_keeps_its_user_id(client):
    response = client.post("/api/chat", json={"user_id": "integration-1", "text": "bonjour"})
    assert response.status_code == 200 and "set-cookie" not in response.headers
    assert client.post("/api/chat/messages", json={"user_id": "integration-1"}).json() == {
        "replies": []}
    assert client.get("/api/chat/messages", params={"user_id": "integration-1"}).status_code == 200


def test_end_deletes_the_persons_stored_inbound_messages(client):
    from storage.models import InboundMessage

    client.post("/api/chat/page", json={"text": "bonjour"})
    key = key_of(client.app, client.cookies[COOKIE])
    with client.app.state.db.session() as session:  # e.g. a message given up, keyed to them
        session.add(InboundMessage(inbound_id="web:given-up", channel="web", address_key=key,
                                   sender=None, body="", status="failed", attempts=12))
    assert client.post("/api/chat/page/end").status_code == 200
    with client.app.state.db.session() as session:
        assert session.scalars(select(InboundMessage)).all() == []
