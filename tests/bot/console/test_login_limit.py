"""The limit on failed logins under parallel tries, and the bound on argon2 checks at once."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select

from handoff import accounts
from handoff.accounts import add_account, authenticate
from storage.accounts import LoginAttempt
from tests.helpers.console import LOGIN, PASSWORD, csrf_of


class CheckSpy:
    """Counts the argon2 checks actually run, and how many at once (the real check inside)."""

    def __init__(self, monkeypatch, hold: float = 0.0):
        self.real = accounts._verify
        self.hold = hold
        self.lock = threading.Lock()
        self.checked = 0
        self.running = 0
        self.most = 0
        monkeypatch.setattr(accounts, "_verify", self)

    def __call__(self, password_hash: str, password: str) -> bool:
        with self.lock:
            self.checked += 1
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(self.hold)
            return self.real(password_hash, password)
        finally:
            with self.lock:
                self.running -= 1


def _parallel(count: int, attempt) -> list:
    barrier = threading.Barrier(count)

    def go(i):
        barrier.wait()
        return attempt(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(go, range(count)))


def test_parallel_login_posts_check_at_most_five_passwords(live_server, monkeypatch):
    spy = CheckSpy(monkeypatch)
    clients = [httpx.Client(base_url=live_server, timeout=60) for _ in range(20)]
    tokens = [csrf_of(client.get("/console/login").text) for client in clients]

    def wrong(i):
        return clients[i].post("/console/login", data={
            "login": LOGIN, "password": f"mauvais-{i}", "csrf": tokens[i], "next": "/console"})

    answers = _parallel(20, wrong)
    statuses = [a.status_code for a in answers]
    assert spy.checked <= accounts.MAX_FAILED_PER_LOGIN
    assert statuses.count(401) == spy.checked
    assert set(statuses) <= {401, 429, 503}
    right = clients[0].post("/console/login", data={
        "login": LOGIN, "password": PASSWORD, "csrf": csrf_of(answers[0].text),
        "next": "/console"}, follow_redirects=False)
    assert right.status_code == 429  # locked, the right password included
    for client in clients:
        client.close()


def test_at_most_four_checks_run_at_once_and_the_rest_hear_retry(live_server, monkeypatch):
    spy = CheckSpy(monkeypatch, hold=accounts.CHECK_WAIT + 0.5)
    clients = [httpx.Client(base_url=live_server, timeout=60) for _ in range(12)]
    tokens = [csrf_of(client.get("/console/login").text) for client in clients]

    def attempt(i):  # twelve different logins: the per-login limit is not what stops them
        started = time.monotonic()
        answer = clients[i].post("/console/login", data={
            "login": f"agent{i}@ccas.example", "password": "non", "csrf": tokens[i]})
        return answer, time.monotonic() - started

    answers = _parallel(12, attempt)
    assert spy.most <= accounts.MAX_CONCURRENT_CHECKS
    busy = [(a, took) for a, took in answers if a.status_code == 503]
    assert busy and all(a.headers["retry-after"] == "5" for a, _ in busy)
    assert all("Réessayez dans quelques secondes" in a.text for a, _ in busy)
    assert all(took < accounts.CHECK_WAIT + 1.0 for _, took in busy)  # quickly, not queued
    assert [a.status_code for a, _ in answers].count(401) == spy.checked
    for client in clients:
        client.close()


def test_parallel_tries_in_the_database_check_at_most_five(any_db, monkeypatch):
    spy = CheckSpy(monkeypatch)
    with any_db.session() as session:
        add_account(session, login=LOGIN, password=PASSWORD, referent_id="amina")

    def wrong(i):
        with any_db.session() as session:
            return authenticate(session, login=LOGIN, password=f"non-{i}", ip=f"10.0.0.{i}")

    results = _parallel(12, wrong)
    assert spy.checked <= accounts.MAX_FAILED_PER_LOGIN
    assert sum(1 for r in results if not r.blocked and not r.busy) == spy.checked
    with any_db.session() as session:
        failures = session.scalar(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.succeeded.is_(False)))
    assert failures == spy.checked  # refused tries are not written


def test_a_lock_out_ends_15_minutes_after_the_last_checked_failure(any_db):
    """Someone who keeps trying does not keep the referent out for ever."""
    now = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    with any_db.session() as session:
        add_account(session, login=LOGIN, password=PASSWORD, referent_id="amina")

    def attempt(minute: float, password: str):
        with any_db.session() as session:
            return authenticate(session, login=LOGIN, password=password, ip="10.0.0.66",
                                now=now + timedelta(minutes=minute))

    for tenth in range(5):  # five failures within the first minute
        assert attempt(tenth / 10, "non").blocked is False
    for minute in range(1, 15):  # the attacker goes on, every minute: refused, unchecked
        assert attempt(minute, "non").blocked is True
    opened = attempt(15.5, PASSWORD)  # 15 minutes after the fifth failure
    assert opened.account is not None and not opened.blocked
