"""/healthz fails (503) when the service cannot do its job, and says why (issue 27, item 7):
the database unreachable, no NLU server answering, the rules failed after their retries; it
says « degraded » with 200 when only some languages' NLU is down. A failed warm-up of the
rules is retried with backoff before it is given up."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from fastapi.testclient import TestClient

from bot.eligibility import EligibilityService
from bot.web.app import create_app
from storage.db import Database
from tests.helpers.app import make_settings


class Servers:
    """An interpreter whose languages' servers answer or not, as the test says."""

    def __init__(self, **up: bool):
        self.up = up

    def status(self) -> dict[str, bool]:
        return dict(self.up)

    def is_up(self) -> bool:
        return self.up["fr"]

    def parse(self, _text):
        return None


def _health(db, *, interpreter, rules: str = "ready"):
    settings = make_settings(db.engine.url.render_as_string(hide_password=False))
    rules_service = SimpleNamespace(status=rules, busy_seconds=0)
    # No lifespan (no `with`): nothing starts, /healthz reads what it is given.
    client = TestClient(create_app(settings, db=db, eligibility=rules_service,
                                   interpreter=interpreter))
    response = client.get("/healthz")
    return response.status_code, response.json()


def test_all_well_is_ok(sqlite_db):
    code, health = _health(sqlite_db, interpreter=Servers(fr=True, en=True))
    assert (code, health["status"], health["reasons"]) == (200, "ok", [])


def test_the_database_unreachable_is_503(tmp_path):
    gone = Database(f"sqlite:///{tmp_path / 'no-such-dir' / 'db.sqlite3'}")
    code, health = _health(gone, interpreter=Servers(fr=True))
    assert code == 503 and health["status"] == "down"
    assert health["reasons"] == ["database unreachable"] and health["database"] == "down"


def test_every_nlu_down_is_503_and_some_down_is_degraded(sqlite_db):
    code, health = _health(sqlite_db, interpreter=Servers(fr=False, en=False))
    assert code == 503 and health["status"] == "down"
    assert health["reasons"] == ["no NLU server answers"]
    code, health = _health(sqlite_db, interpreter=Servers(fr=True, en=False, tr=False))
    assert code == 200 and health["status"] == "degraded"
    assert health["reasons"] == ["NLU down for: en, tr"]
    assert health["nlu"] == "up" and health["nlu_languages"]["en"] == "down"


def test_rules_failed_after_their_retries_is_503_warming_is_degraded(sqlite_db):
    code, health = _health(sqlite_db, interpreter=Servers(fr=True), rules="failed")
    assert code == 503 and health["reasons"] == ["rules failed to warm up after their retries"]
    code, health = _health(sqlite_db, interpreter=Servers(fr=True), rules="warming")
    assert code == 200 and health["status"] == "degraded"


class FlakyEngine:
    """An engine whose warm-up fails `failures` times, then works."""

    def __init__(self, failures: int):
        self.failures = failures
        self.tries = 0
        self.done = threading.Event()

    def warm_up(self) -> None:
        self.tries += 1
        if self.tries <= self.failures:
            raise OSError("cannot allocate memory")
        self.done.set()

    def evaluate_many(self, profiles):
        return [{"benefits": []} for _ in profiles]


def test_a_failed_warm_up_is_retried_with_backoff_then_given_up():
    flaky = FlakyEngine(failures=2)
    service = EligibilityService(flaky, warm_up_tries=3, warm_up_backoff=0.05)
    service.start_warm_up()
    service._ready.wait(10)
    assert flaky.tries == 3 and service.status == "ready"
    service.close()

    broken = FlakyEngine(failures=10)
    service = EligibilityService(broken, warm_up_tries=3, warm_up_backoff=0.05)
    service.start_warm_up()
    service._ready.wait(10)
    assert broken.tries == 3 and service.status == "failed"
    service.close()
