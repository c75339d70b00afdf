"""The console as a referent reaches it over HTTP: the test accounts and the login form."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

LOGIN = "amina@ccas.example"
PASSWORD = "un-mot-de-passe-solide"
# The town's two accounts (tests/fixtures/town.py): the project team, and a plain referent.
PROJET = "projet@ems.example"
REFERENT = LOGIN


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def log_in(client: TestClient, login: str = LOGIN, password: str = PASSWORD):
    form = client.get("/console/login")
    return client.post("/console/login", data={"login": login, "password": password,
                                               "csrf": csrf_of(form.text), "next": "/console"},
                       follow_redirects=False)
