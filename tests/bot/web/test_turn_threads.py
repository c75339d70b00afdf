"""Turns run in threads started with the application (common/threads.py): a burst of messages
is handed to threads already waiting, instead of the event loop starting one per message
while the others hold the GIL; asyncio.to_thread (the Telegram turns) uses them too, not
Python's default executor of min(32, cores + 4) threads."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from common.threads import TurnThreads
from nlu.fallback import fallback_parse


class ThreadRecordingInterpreter:
    """The keyword fallback, noting which thread each turn ran in."""

    def __init__(self):
        self.threads: list[str] = []

    def parse(self, text: str):
        self.threads.append(threading.current_thread().name)
        return fallback_parse(text)

    def is_up(self) -> bool:
        return False


def test_the_app_starts_its_turn_threads_and_runs_the_turns_there(app_factory):
    interpreter = ThreadRecordingInterpreter()
    # More than the burst and the app's periodic jobs (outbox, reminders) need at once.
    app = app_factory(interpreter=interpreter, web_threads_warm=32)
    with TestClient(app) as client:
        threads = app.state.turn_threads
        assert threads.started == 32  # before any message
        with ThreadPoolExecutor(10) as pool:
            responses = list(pool.map(
                lambda i: client.post("/api/chat", json={"user_id": f"burst-{i}",
                                                         "text": "bonjour"}), range(10)))
        assert [r.status_code for r in responses] == [200] * 10
        assert all(r.json()["replies"] for r in responses)
        assert len(interpreter.threads) == 10
        assert all(name.startswith("turn") for name in interpreter.threads)
        assert threads.started == 32  # the burst started no thread


def test_the_chat_page_turns_run_in_the_turn_threads(app_factory):
    interpreter = ThreadRecordingInterpreter()
    app = app_factory(interpreter=interpreter, web_threads_warm=2)
    with TestClient(app) as client:
        response = client.post("/api/chat/page", json={"text": "bonjour"})
        assert response.status_code == 200 and response.json()["replies"]
    assert interpreter.threads and interpreter.threads[0].startswith("turn")


def test_warm_threads_exist_before_use_and_none_when_off():
    threads = TurnThreads(8, 5)
    threads.start()
    assert threads.started == 5
    threads.close()
    lazy = TurnThreads(8, 0)
    lazy.start()
    assert lazy.started == 0
    lazy.close()


def test_run_keeps_the_context_and_to_thread_uses_the_turn_threads():
    threads = TurnThreads(40, 4)
    threads.start()
    marker = contextvars.ContextVar("marker", default="unset")

    async def main() -> tuple[str, list[str]]:
        threads.install(asyncio.get_running_loop())
        marker.set("this turn")
        seen = await threads.run(marker.get)
        # More blocking calls at once than Python's default executor has threads (6 on two
        # cores): all are running together, each in one of the turn threads.
        started = threading.Barrier(20)

        def wait_for_all() -> str:
            started.wait(10)
            return threading.current_thread().name

        names = await asyncio.gather(*(asyncio.to_thread(wait_for_all) for _ in range(20)))
        return seen, names

    # In a thread of its own: an earlier test of the session may leave this thread's event
    # loop marked running, and asyncio.run() refuses to start inside one.
    outcome: dict = {}
    runner = threading.Thread(target=lambda: outcome.update(result=asyncio.run(main())))
    try:
        runner.start()
        runner.join(60)
    finally:
        threads.close()
    seen, names = outcome["result"]
    assert seen == "this turn"
    assert len(names) == 20 and all(name.startswith("turn") for name in names)


def test_an_app_started_again_after_it_stopped_gets_new_turn_threads():
    threads = TurnThreads(8, 2)
    threads.start()
    threads.close()
    threads.start()  # a second lifespan of the same app (two TestClients, a restart)
    try:
        assert threads.executor.submit(lambda: 42).result(5) == 42
    finally:
        threads.close()


def test_a_chat_turn_counts_as_in_flight_from_its_request_to_its_answer(app_factory):
    """The rules batcher reads this count (common/inflight.py): a turn must count while it
    runs, from its request, and stop counting once answered; a GET is no turn."""
    from common.inflight import TURNS

    seen: list[int] = []

    class CountingInterpreter(ThreadRecordingInterpreter):
        def parse(self, text: str):
            seen.append(TURNS.count)
            return super().parse(text)

    app = app_factory(interpreter=CountingInterpreter(), web_threads_warm=2)
    with TestClient(app) as client:
        assert client.post("/api/chat", json={"user_id": "counted", "text": "bonjour"}
                           ).status_code == 200
        assert client.get("/healthz").status_code in (200, 503)
        assert TURNS.count == 0
    assert seen == [1]
