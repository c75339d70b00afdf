"""The console as referents use it: a logged-in HTTP client, and a real server for Chromium."""

from __future__ import annotations

import re
import socket
import threading
import time

import pytest
from fastapi.testclient import TestClient

from handoff.accounts import add_account

LOGIN = "amina@ccas.example"
PASSWORD = "un-mot-de-passe-solide"


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def log_in(client: TestClient, login: str = LOGIN, password: str = PASSWORD):
    form = client.get("/console/login")
    return client.post("/console/login", data={"login": login, "password": password,
                                               "csrf": csrf_of(form.text), "next": "/console"},
                       follow_redirects=False)


@pytest.fixture
def console_app(app_factory, sqlite_db):
    app = app_factory()
    with sqlite_db.session() as session:
        add_account(session, login=LOGIN, password=PASSWORD, referent_id="amina")
    return app


@pytest.fixture
def anonymous(console_app):
    with TestClient(console_app) as client:
        yield client


@pytest.fixture
def referent(anonymous):
    """A client logged in as Amina."""
    assert log_in(anonymous).status_code == 303
    return anonymous


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(console_app):
    """The application in a real uvicorn server thread, for the browser."""
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(console_app, host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    import os

    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: run .ci/run (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()
