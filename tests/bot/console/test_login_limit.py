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


def test_failures_from_one_address_wait_longer_and_longer(any_db):
    """Each failure past the fifth doubles the wait of that address on that login (30 s,
    1 min, 2 min...); a try before its time is refused unchecked and does not add to it."""
    now = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    with any_db.session() as session:
        add_account(session, login=LOGIN, password=PASSWORD, referent_id="amina")

    def attempt(seconds: float, password: str = "non"):
        with any_db.session() as session:
            return authenticate(session, login=LOGIN, password=password, ip="10.0.0.66",
                                now=now + timedelta(seconds=seconds))

    for second in range(5):  # five failures for free
        assert attempt(second).blocked is False
    at = 4
    for delay in (30, 60, 120, 240):
        early = attempt(at + delay - 1)
        assert early.blocked and early.retry_after == 1
        at += delay
        assert attempt(at).blocked is False  # checked (and wrong): the next wait doubles
    opened = attempt(at + 480, PASSWORD)
    assert opened.account is not None and not opened.blocked


def test_an_attacker_never_keeps_the_referent_out(any_db):
    """Drill: hundreds of wrong passwords on the referent's login, from one address and
    from many, while the referent logs in from the office as every day."""
    now = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    office = "192.0.2.10"
    with any_db.session() as session:
        add_account(session, login=LOGIN, password=PASSWORD, referent_id="amina")
        assert authenticate(session, login=LOGIN, password=PASSWORD, ip=office,
                            now=now - timedelta(days=3)).account is not None

    def attempt(minutes: float, ip: str, password: str = "non"):
        with any_db.session() as session:
            return authenticate(session, login=LOGIN, password=password, ip=ip,
                                now=now + timedelta(minutes=minutes))

    for i in range(300):  # one address, then 300 others, a try every few seconds
        attempt(i / 20, "203.0.113.5")
        attempt(i / 20, f"2001:db8::{i:x}")
    # From the office, at once, as soon as the attack is going on.
    at_once = attempt(15, office, PASSWORD)
    assert at_once.account is not None and not at_once.blocked
    # From an address never used (a laptop at home): a wait of minutes at most, not a lock.
    waiting = attempt(15, "198.51.100.7", PASSWORD)
    assert waiting.blocked and waiting.retry_after <= 120
    home = attempt(15 + waiting.retry_after / 60, "198.51.100.7", PASSWORD)
    assert home.account is not None
