"""Telegram polling processes several chats' updates at once, each chat's in order."""

from __future__ import annotations

import itertools
import threading
import time

import pytest
from fastapi.testclient import TestClient

from bot.channels.inbound import already_processed
from bot.dialogue.core import DialogueCore
from tests.helpers.channels import telegram_settings, wait_for

SLOW = 1.5
_chats = itertools.count(760001)


@pytest.fixture
def polling(app_factory, fake_telegram):
    with TestClient(app_factory(**telegram_settings(fake_telegram, "polling"))) as client:
        wait_for(lambda: "getUpdates" in fake_telegram.calls)
        yield client


def slow_turns(monkeypatch, delay: float = SLOW) -> list[tuple[str, str, str, float]]:
    """Every turn takes `delay` more seconds (a slow OpenFisca); records when each ran."""
    real, log, lock = DialogueCore.handle, [], threading.Lock()

    def handle(self, message, **kwargs):
        with lock:
            log.append(("start", message.sender, message.text, time.monotonic()))
        time.sleep(delay)
        try:
            return real(self, message, **kwargs)
        finally:
            with lock:
                log.append(("end", message.sender, message.text, time.monotonic()))

    monkeypatch.setattr(DialogueCore, "handle", handle)
    return log


def test_five_chats_at_once_take_about_one_turn_not_five(polling, fake_telegram, monkeypatch):
    slow_turns(monkeypatch)
    db = polling.app.state.db
    chats = [next(_chats) for _ in range(5)]
    started = time.monotonic()
    ids = [fake_telegram.push(chat, "bonjour") for chat in chats]
    wait_for(lambda: all(already_processed(db, f"telegram:{i}") for i in ids), timeout=30)
    elapsed = time.monotonic() - started
    print(f"\n5 chats, one {SLOW}s turn each: all answered in {elapsed:.1f}s")
    assert elapsed < 3 * SLOW, elapsed  # one at a time would take 5 × 1.5 s


def test_one_chats_messages_run_one_after_the_other_in_order(polling, fake_telegram,
                                                             monkeypatch):
    log = slow_turns(monkeypatch, delay=0.5)
    db = polling.app.state.db
    chat = next(_chats)
    texts = ["bonjour", "1", "5", "30"]
    ids = [fake_telegram.push(chat, text) for text in texts]
    wait_for(lambda: all(already_processed(db, f"telegram:{i}") for i in ids), timeout=30)
    mine = [(kind, text) for kind, sender, text, _ in log if sender == str(chat)]
    assert mine == [(kind, text) for text in texts for kind in ("start", "end")]
