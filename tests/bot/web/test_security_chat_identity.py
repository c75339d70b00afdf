"""Nobody reads or erases a web conversation by naming it (issue 27, item 5).

POST /api/chat and /api/chat/messages take the person's id from the caller: outside
development they answer only an integration with CHAT_API_TOKEN. The chat page's identity
is issued by the server, random and signed: a cookie of the right shape that the server did
not sign is never anyone's conversation."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bot import outbox
from bot.dialogue.types import Reply
from bot.web.page import COOKIE
from tests.bot.web.test_page_identity import set_cookie_header

INTEGRATION = "integration-credential-for-tests-0123456789"


def _queue_referent_reply(app, user_id: str) -> None:
    core = app.state.core
    with app.state.db.session() as session:
        outbox.enqueue(session, channel="web", recipient=user_id,
                       address_key=core.address_key("web", user_id),
                       replies=[Reply("Réponse privée du référent")])


def test_outside_development_the_api_is_off_without_a_credential(app_factory):
    with TestClient(app_factory(environment="test"), base_url="https://testserver") as client:
        chat = client.post("/api/chat", json={"user_id": "user-1", "text": "bonjour"})
        assert chat.status_code == 403 and "CHAT_API_TOKEN" in chat.json()["error"]
        _queue_referent_reply(client.app, "user-1")
        assert client.post("/api/chat/messages", json={"user_id": "user-1"}).status_code == 403
        assert client.get("/api/chat/messages", params={"user_id": "user-1"}).status_code == 403
        # The chat page, with its own identity, still talks.
        page = client.post("/api/chat/page", json={"text": "bonjour"})
        assert page.status_code == 200 and page.json()["replies"]


def test_an_integration_needs_its_credential(app_factory):
    app = app_factory(environment="test", chat_api_token=INTEGRATION)
    with TestClient(app, base_url="https://testserver") as client:
        for headers in ({}, {"Authorization": "Bearer guessed"}, {"Authorization": INTEGRATION}):
            refused = client.post("/api/chat", json={"user_id": "user-1", "text": "bonjour"},
                                  headers=headers)
            assert refused.status_code == 401, headers
        _queue_referent_reply(app, "user-1")
        assert client.post("/api/chat/messages", json={"user_id": "user-1"}).status_code == 401
        allowed = {"Authorization": f"Bearer {INTEGRATION}"}
        chat = client.post("/api/chat", json={"user_id": "user-2", "text": "bonjour"},
                           headers=allowed)
        assert chat.status_code == 200 and chat.json()["replies"]
        waiting = client.post("/api/chat/messages", json={"user_id": "user-1"}, headers=allowed)
        assert waiting.json()["replies"][0]["text"] == "Réponse privée du référent"


def test_a_page_cookie_the_server_did_not_sign_is_nobodys_conversation(client):
    first = client.post("/api/chat/page", json={"text": "bonjour"})
    token = client.cookies[COOKIE]
    random_part, _dot, _signature = token.partition(".")
    assert first.status_code == 200
    # Same shape, same random part, a signature made up: not the issued identity.
    made_up = f"{random_part}.{'A' * 43}"
    other = TestClient(client.app)
    response = other.post("/api/chat/page", json={"text": "1"},
                          headers={"Cookie": f"{COOKIE}={made_up}"})
    assert set_cookie_header(response).startswith(f"{COOKIE}=")  # a new identity is issued
    assert other.cookies[COOKIE] not in (made_up, token)
    # A well-formed token of the old, unsigned kind is refused too.
    unsigned = TestClient(client.app).post("/api/chat/page", json={"text": "1"},
                                           headers={"Cookie": f"{COOKIE}={random_part}"})
    assert set_cookie_header(unsigned).startswith(f"{COOKIE}=")
