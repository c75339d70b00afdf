"""A Content-Security-Policy on the chat page and the console (issue 27, item 15): only the
page's own scripts and styles run, nothing is sent elsewhere, no page can be framed. The
browser tests (test_chat_browser, the console's) run the pages under these policies."""

from __future__ import annotations

import re

from tests.helpers.console import log_in


def policy(response) -> dict[str, str]:
    header = response.headers["content-security-policy"]
    return {part.split()[0]: part.partition(" ")[2] for part in header.split("; ")}


def test_the_chat_page_runs_only_its_own_script_and_style(client):
    first, second = client.get("/"), client.get("/")
    rules = policy(first)
    nonce = re.search(r"'nonce-([A-Za-z0-9_-]+)'", rules["script-src"]).group(1)
    assert f'<script nonce="{nonce}">' in first.text and f'<style nonce="{nonce}">' in first.text
    assert rules["default-src"] == "'none'" and rules["connect-src"] == "'self'"
    assert rules["frame-ancestors"] == "'none'" and "unsafe" not in first.headers[
        "content-security-policy"]
    assert policy(second)["script-src"] != rules["script-src"]  # a new nonce each time
    assert re.search(r"<script(?! nonce| id=\"page-language\" type=\"application/json\")",
                     first.text) is None  # no script without the nonce (data aside)


def test_every_console_page_has_its_policy(anonymous):
    login = anonymous.get("/console/login")
    rules = policy(login)
    assert rules["script-src"] == "'self'" and rules["style-src"] == "'self'"
    assert rules["form-action"] == "'self'" and rules["frame-ancestors"] == "'none'"
    log_in(anonymous)
    for path in ("/console", "/console/agenda", "/console/handoffs/999"):
        assert policy(anonymous.get(path))["default-src"] == "'none'", path
