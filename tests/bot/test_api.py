"""The chat API's contract: malformed requests get a 4xx JSON error; /healthz; the page."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient

from bot import messages


@pytest.mark.parametrize("body, content_type", [
    (b"{not json", "application/json"),
    (b"", "application/json"),
    (b"[1, 2]", "application/json"),
    (b'"bonjour"', "application/json"),
    (b'{"text": "bonjour"}', "application/json"),
    (b'{"user_id": "u1"}', "application/json"),
    (b'{"user_id": "u1", "text": ""}', "application/json"),
    (b'{"user_id": "u1", "text": "   "}', "application/json"),
    (b'{"user_id": "", "text": "bonjour"}', "application/json"),
    (b'{"user_id": "u1", "text": 42}', "application/json"),
    (b'{"user_id": null, "text": "bonjour"}', "application/json"),
    (b'{"user_id": "u1", "text": "' + b"a" * 1001 + b'"}', "application/json"),
    (b'{"user_id": "' + b"u" * 201 + b'", "text": "bonjour"}', "application/json"),
    (b"user_id=u1&text=bonjour", "application/x-www-form-urlencoded"),
    (b'\xff\xfe{"user_id"', "application/json"),
])
def test_malformed_requests_get_a_4xx_json_error(client, body, content_type):
    response = client.post("/api/chat", content=body, headers={"Content-Type": content_type})
    assert 400 <= response.status_code < 500, response.text
    assert isinstance(response.json()["error"], str) and response.json()["error"]


def test_error_names_the_field(client):
    response = client.post("/api/chat", json={"user_id": "u1", "text": "x" * 1001})
    assert response.json()["error"].startswith("text:")
    response = client.post("/api/chat", json={"text": "bonjour"})
    assert response.json()["error"].startswith("user_id:")


def test_wrong_method_and_unknown_path_are_json_4xx(client):
    assert client.get("/api/chat").status_code == 405
    response = client.get("/nope")
    assert response.status_code == 404 and "error" in response.json()


def test_a_good_request_follows_the_contract(client):
    response = client.post("/api/chat", json={"user_id": "u1", "text": "bonjour"})
    assert response.status_code == 200
    replies = response.json()["replies"]
    assert all(set(r) == {"text", "choices"} for r in replies)
    assert replies[0]["text"] == messages.text("greeting")
    assert replies[-1]["choices"] == messages.CHOICES["consent"]


def test_the_web_chat_page_is_accessible_html(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="fr">' in html and 'name="viewport"' in html
    assert '<label for="text">' in html and 'id="text"' in html
    assert 'role="log"' in html and "aria-live" in html


def test_healthz_says_warming_until_rules_are_ready_while_the_chat_goes_on(sqlite_db):
    """A fresh engine: the conversation answers during the ~11 s of OpenFisca's warm-up."""
    from bot.eligibility import EligibilityService
    from bot.web.app import create_app
    from tests.helpers.app import make_settings

    service = EligibilityService()
    settings = make_settings(sqlite_db.engine.url.render_as_string(hide_password=False),
                             warm_up_rules=True)
    with TestClient(create_app(settings, db=sqlite_db, eligibility=service)) as client:
        answer = client.get("/healthz")
        health = answer.json()
        contract = {key: health[key] for key in ("status", "nlu", "rules")}  # more may follow
        # No Rasa in this test: 503, and the rules' warm-up said beside it.
        assert contract == {"status": "down", "nlu": "down", "rules": "warming"}
        assert answer.status_code == 503
        assert health["reasons"] == ["no NLU server answers", "rules warming"]
        assert health["limits"] == "redis"
        started = time.monotonic()
        response = client.post("/api/chat", json={"user_id": "w", "text": "bonjour"})
        assert response.status_code == 200 and time.monotonic() - started < 2
        deadline = time.monotonic() + 120
        while client.get("/healthz").json()["rules"] != "ready":
            assert time.monotonic() < deadline, "rules never got ready"
            time.sleep(0.5)
    service.close()  # its worker process; the app stops only the service it created


def test_concurrent_messages_of_many_people_are_all_answered(client):
    errors = []

    def talk(user: str) -> None:
        for text in ["bonjour", "oui", "5", "30"]:
            response = client.post("/api/chat", json={"user_id": user, "text": text})
            if response.status_code != 200:
                errors.append(response.text)
        if response.json()["replies"][-1]["text"] != messages.text("ask_postcode"):
            errors.append(f"{user} lost its place: {response.json()}")

    threads = [threading.Thread(target=talk, args=(f"c{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
