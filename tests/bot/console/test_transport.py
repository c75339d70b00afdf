"""Cookies and headers by environment: Secure and HSTS outside development, no API
description in production."""

from __future__ import annotations

from fastapi.testclient import TestClient

from handoff.accounts import add_account
from tests.helpers.console import LOGIN, PASSWORD, log_in


def test_outside_development_the_cookie_is_secure_and_hsts_is_sent(app_factory, sqlite_db):
    with sqlite_db.session() as session:
        add_account(session, login=LOGIN, password=PASSWORD, referent_id="amina")
    with TestClient(app_factory(environment="test"), base_url="https://testserver") as client:
        form = client.get("/console/login")
        assert form.headers["strict-transport-security"] == "max-age=31536000"
        response = log_in(client)
        cookie = next(c for c in response.headers.get_list("set-cookie")
                      if c.startswith("passerelle_console="))
        assert "Secure" in cookie and "HttpOnly" in cookie
        assert client.get("/healthz").headers["strict-transport-security"]
        assert client.get("/openapi.json").status_code == 200  # a staging server keeps it
    with TestClient(app_factory()) as client:  # development: plain http on a laptop
        assert "strict-transport-security" not in client.get("/console/login").headers


def test_production_serves_no_api_description(app_factory):
    with TestClient(app_factory(environment="production")) as client:
        for path in ("/openapi.json", "/docs", "/redoc"):
            assert client.get(path).status_code == 404
        # Served (503 only for want of Rasa in this test: /healthz says so).
        assert client.get("/healthz").json()["database"] == "up"
    with TestClient(app_factory()) as client:
        assert client.get("/openapi.json").status_code == 200
