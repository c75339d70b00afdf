"""A rules worker that hangs (alive, not answering) is killed and replaced at its deadline:
the batch it held fails, the next checks are computed, and /healthz shows it meanwhile."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot import eligibility as eligibility_module
from bot.eligibility import EligibilityService
from rules.engine import RulesEngine

HANGING = "tests.bot.test_security_hung_worker:HangingEngine"
FLAG = "PASSERELLE_TEST_HANG_FLAG"
PROFILE = {"period": "2026-03", "commune": "67482",
           "applicant": {"age": 30, "income": {"salary": 900}},
           "housing": {"status": "tenant", "rent": 500}}


class HangingEngine(RulesEngine):
    """Instant answers, except one batch that never ends: the one computed while the flag
    file exists (the file is removed, so the worker that replaces it answers)."""

    def warm_up(self) -> None:
        pass

    def evaluate_many(self, profiles: list[dict]) -> list[dict]:
        flag = Path(os.environ[FLAG])
        if flag.exists():
            flag.unlink()
            time.sleep(3600)
        return [{"period": p["period"], "benefits": []} for p in profiles]


@pytest.fixture
def hanging(tmp_path, monkeypatch):
    flag = tmp_path / "hang"
    monkeypatch.setenv(FLAG, str(flag))  # inherited by the spawned worker process
    monkeypatch.setattr(eligibility_module, "BATCH_DEADLINE", 3.0)
    service = EligibilityService(engine_factory=HANGING, worker="process")
    service.start_warm_up()
    assert service._ready.wait(60) and service.status == "ready"
    yield service, flag
    service.close()


def test_a_hung_worker_is_killed_and_replaced_at_its_deadline(hanging):
    service, flag = hanging
    assert "benefits" in service.evaluate(PROFILE)
    first_pid = service._worker.process.pid
    flag.touch()
    started = time.monotonic()
    with pytest.raises(RuntimeError):
        service.evaluate(PROFILE)  # the batch the worker hung on fails...
    assert time.monotonic() - started < 30  # ...at its deadline, not CHECK_TIMEOUT (120 s)
    assert "benefits" in service.evaluate(PROFILE)  # a new worker computes the next ones
    assert service._worker.process.pid != first_pid and service.restarts == 1
    assert service.status == "ready"
    with pytest.raises(ProcessLookupError):
        os.kill(first_pid, 0)


def test_healthz_shows_a_stuck_batch_the_database_and_the_outbox(sqlite_db, hanging):
    from bot.web.app import create_app
    from tests.helpers.app import make_settings

    service, flag = hanging
    settings = make_settings(sqlite_db.engine.url.render_as_string(hide_password=False))
    with TestClient(create_app(settings, db=sqlite_db, eligibility=service)) as client:
        health = client.get("/healthz").json()
        assert health["rules"] == "ready"  # down only for want of Rasa in this test
        assert health["status"] == "down" and health["reasons"] == ["no NLU server answers"]
        assert health["database"] == "up" and health["rules_busy_seconds"] == 0
        assert health["outbox_pending"] == 0 and health["outbox_oldest_seconds"] == 0
        flag.touch()
        check = threading.Thread(target=lambda: pytest.raises(RuntimeError,
                                                                service.evaluate, PROFILE))
        check.start()
        time.sleep(1.5)
        assert client.get("/healthz").json()["rules_busy_seconds"] >= 1
        check.join(30)
        assert client.get("/healthz").json()["rules"] == "ready"


class SlowEngine(RulesEngine):
    """A batch takes 3 s: long enough to kill the app process in the middle of it."""

    def warm_up(self) -> None:
        pass

    def evaluate_many(self, profiles: list[dict]) -> list[dict]:
        time.sleep(3)
        return [{"period": p["period"], "benefits": []} for p in profiles]


KILLED_MID_BATCH = f"""
import os, signal, threading, time
from bot.eligibility import EligibilityService

if __name__ == "__main__":
    service = EligibilityService(engine_factory="tests.bot.test_security_hung_worker:SlowEngine",
                                 worker="process", window=0.05)
    service.start_warm_up()
    service._ready.wait(60)
    print("pid", service._worker.process.pid, flush=True)
    threading.Thread(target=service.evaluate, args=({PROFILE!r},), daemon=True).start()
    time.sleep(1.0)  # the batch is in the worker
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_the_worker_of_a_killed_app_process_exits_quietly(tmp_path):
    """The app process SIGKILLed during a batch: its rules worker, orphaned, finds the pipe
    closed when it answers. It must leave without a traceback in the service's log (it
    printed BrokenPipeError there), and not linger."""
    import subprocess
    import sys

    script = tmp_path / "killed.py"
    script.write_text(KILLED_MID_BATCH)
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, str(script)], cwd=root, capture_output=True,
                          text=True, timeout=120, env=dict(os.environ, PYTHONPATH=str(root)))
    assert done.returncode == -9
    worker = int(done.stdout.split()[1])
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and Path(f"/proc/{worker}").exists():
        time.sleep(0.1)  # the orphan finishes its batch (3 s), then finds the pipe closed
    time.sleep(0.2)
    assert not Path(f"/proc/{worker}").exists() or "zombie" in Path(
        f"/proc/{worker}/status").read_text().lower()
    assert "Traceback" not in done.stderr, done.stderr
