"""Outbox claiming with several dispatchers on one database, and the web page's pull."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC

from sqlalchemy import select

from bot import outbox
from bot.dialogue.types import Reply
from bot.render import Outbound
from bot.worker import dispatch_once
from storage.models import OutboxMessage


class RecordingTransport:
    def __init__(self):
        self.lock = threading.Lock()
        self.sent: list[tuple[str, int, str]] = []

    def send(self, message):
        time.sleep(0.002)  # long enough for the two workers to overlap
        with self.lock:
            self.sent.append((threading.current_thread().name, message.id, message.recipient))
        return f"id-{message.id}"


def queue_many(db, recipients: int, parts: int) -> None:
    with db.session() as session:
        for r in range(recipients):
            outbox.enqueue_rendered(
                session, channel="sms", recipient=f"+3361{r:07d}", address_key=f"key-{r}",
                messages=[Outbound(f"part {p}") for p in range(parts)])


def test_two_dispatchers_on_postgresql_send_each_message_once_and_in_order(pg_db):
    queue_many(pg_db, recipients=40, parts=3)
    transport = RecordingTransport()
    errors = []

    def work(name):
        try:
            for _ in range(30):
                dispatch_once(pg_db, {"sms": transport}, worker=name, limit=7)
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=work, args=(f"w{i}",), name=f"w{i}") for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    ids = Counter(message_id for _, message_id, _ in transport.sent)
    # The 3 SMS parts of each turn leave as one concatenated message (bot/worker.py).
    assert len(ids) == 40 and set(ids.values()) == {1}
    assert {worker for worker, _, _ in transport.sent} == {"w0", "w1"}  # both took a share
    by_recipient: dict[str, list[int]] = {}
    for _, message_id, recipient in transport.sent:
        by_recipient.setdefault(recipient, []).append(message_id)
    assert all(ids_ == sorted(ids_) for ids_ in by_recipient.values())  # parts in order
    with pg_db.session() as s:
        assert set(s.scalars(select(OutboxMessage.status))) == {"sent"}


def test_claiming_on_either_database_gives_a_row_to_one_worker(any_db):
    queue_many(any_db, recipients=5, parts=1)
    first = outbox.claim(any_db, channels=["sms"], worker="a")
    second = outbox.claim(any_db, channels=["sms"], worker="b")
    assert len(first) == 5 and second == []


def test_a_dead_workers_claim_expires(any_db):
    from datetime import datetime, timedelta

    queue_many(any_db, recipients=1, parts=1)
    now = datetime.now(UTC)
    assert len(outbox.claim(any_db, channels=["sms"], worker="dead", now=now)) == 1
    assert outbox.claim(any_db, channels=["sms"], worker="b", now=now) == []
    again = outbox.claim(any_db, channels=["sms"], worker="b", now=now + timedelta(minutes=5))
    assert len(again) == 1 and again[0].attempts == 2


def test_web_messages_are_pulled_once(client):
    core = client.app.state.core
    with core.db.session() as session:
        outbox.enqueue(session, channel="web", recipient="web-42",
                       address_key=core.address_key("web", "web-42"),
                       replies=[Reply("Bonjour, ici Mme Martin, votre conseillère.", ["Oui"])])
    first = client.get("/api/chat/messages", params={"user_id": "web-42"})
    assert first.status_code == 200
    assert first.json() == {"replies": [{"text": "Bonjour, ici Mme Martin, votre conseillère.",
                                         "choices": ["Oui"]}]}
    assert client.get("/api/chat/messages", params={"user_id": "web-42"}).json() == {
        "replies": []}
    assert client.get("/api/chat/messages").status_code == 422


def test_web_replies_to_the_persons_message_stay_synchronous(chat, client):
    assert chat.say("bonjour")
    assert client.get("/api/chat/messages", params={"user_id": chat.user_id}).json() == {
        "replies": []}
