"""The outbox under a slow provider: claims do not expire under a working dispatcher (no
message sent twice), and a message given up is logged, without its text or number."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import update

from bot import outbox
from bot.outbox import TransientError
from bot.render import Outbound
from bot.worker import dispatch_once
from storage.models import OutboxMessage


class SlowTransport:
    """Like a provider taking its time on each message."""

    def __init__(self, delay: float):
        self.delay = delay
        self.lock = threading.Lock()
        self.sent: list[tuple[str, int]] = []

    def send(self, message):
        time.sleep(self.delay)
        with self.lock:
            self.sent.append((threading.current_thread().name, message.id))
        return f"id-{message.id}"


def queue(db, count: int) -> None:
    with db.session() as session:
        for n in range(count):
            outbox.enqueue_rendered(session, channel="sms", recipient=f"+3361{n:07d}",
                                    address_key=f"key-{n}", messages=[Outbound(f"texte {n}")])


def test_a_pass_longer_than_the_lease_sends_nothing_twice(pg_db, monkeypatch):
    # 12 messages at 0.25 s each: a 3 s pass, with claims that would expire after 1 s.
    monkeypatch.setattr(outbox, "LEASE", outbox.timedelta(seconds=1))
    queue(pg_db, 12)
    transport = SlowTransport(0.25)
    errors = []

    def work(name: str, start_after: float) -> None:
        time.sleep(start_after)
        try:
            deadline = time.monotonic() + 6
            while time.monotonic() < deadline:
                dispatch_once(pg_db, {"sms": transport}, worker=name, limit=50)
                time.sleep(0.05)
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=work, args=("first", 0.0), name="first"),
               threading.Thread(target=work, args=("second", 0.3), name="second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    sent = Counter(message_id for _, message_id in transport.sent)
    assert len(sent) == 12
    assert set(sent.values()) == {1}, f"sent twice: {[i for i, n in sent.items() if n > 1]}"


class FailingTransport:
    def send(self, message):
        raise TransientError(f"timeout while sending to {message.recipient}")


def test_a_message_given_up_after_its_last_attempt_is_logged_without_its_text(sqlite_db,
                                                                               caplog):
    with sqlite_db.session() as session:
        [row] = outbox.enqueue_rendered(session, channel="sms", recipient="+33612340000",
                                        address_key="k", messages=[Outbound("Mme Secret")])
        message_id = row.id
    with sqlite_db.engine.begin() as connection:
        connection.execute(update(OutboxMessage).values(attempts=outbox.MAX_ATTEMPTS - 1))
    caplog.set_level(logging.INFO)
    report = dispatch_once(sqlite_db, {"sms": FailingTransport()}, now=datetime.now(UTC))
    assert report.failed == 1
    given_up = [r for r in caplog.records if r.levelno >= logging.WARNING
                and str(message_id) in r.getMessage()]
    assert given_up, [r.getMessage() for r in caplog.records]
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "Mme Secret" not in text and "33612340000" not in text


def test_the_parts_of_one_sms_reply_leave_as_one_message_in_order(phone, sms_app,
                                                                  fake_twilio):
    from bot.dialogue.types import Reply
    from bot.render import gsm7_length, render, to_gsm7

    core = sms_app.app.state.core
    sentences = [f"Phrase numéro {n} de la réponse, assez longue pour remplir." for n in
                 range(1, 13)]
    text = " ".join(sentences)
    parts = render("sms", [Reply(text)])
    assert len(parts) >= 4  # cut into separate SMS before
    with core.db.session() as session:
        outbox.enqueue(session, channel="sms", recipient=phone.number,
                       address_key=core.address_key("sms", phone.number), replies=[Reply(text)])
        # A second turn queued right after: its own message, after the first.
        outbox.enqueue(session, channel="sms", recipient=phone.number,
                       address_key=core.address_key("sms", phone.number),
                       replies=[Reply("Et ensuite ?")])
    fake_twilio.fail_next(1, status=503)  # a failed try keeps the parts together
    now = datetime.now(UTC)
    assert phone.dispatch(now=now).retried == len(parts)
    report = phone.dispatch(now=now + outbox.timedelta(minutes=5))
    assert report.sent == len(parts) + 1
    bodies = phone.new()
    assert bodies[1] == "Et ensuite ?"
    assert bodies[0] == "\n".join(part.body for part in parts)
    positions = [bodies[0].index(f"numéro {n} ") for n in range(1, 13)]
    assert positions == sorted(positions)
    # Each cut dropped one space that the join puts back as a line break: the message is
    # as long as the reply, billed ceil(length / 153) segments, as few as it can be.
    assert gsm7_length(bodies[0]) == gsm7_length(to_gsm7(text))
