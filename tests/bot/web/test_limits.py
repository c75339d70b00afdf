"""Abuse limits on the real Redis of this machine (127.0.0.1:6379, keys under a prefix of
this test run), and the in-process fallback when Redis does not answer.

The attacks: a script inventing user ids to open conversations (and take every slot), a
flood of messages in one conversation, and a 10 MB body to exhaust memory.
"""

from __future__ import annotations

import logging
import select as selectors
import socket
import time
import tracemalloc
import uuid
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot import messages
from storage.models import Conversation
from tests.bot.channels.fakes import FakeTwilio
from tests.helpers.channels import Phone, twilio_settings

CLOSED_REDIS = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there


@pytest.fixture
def prefix():
    return f"test-limits-{uuid.uuid4().hex}"


def say(client: TestClient, user: str, text: str = "bonjour"):
    return client.post("/api/chat", json={"user_id": user, "text": text})


def test_two_app_processes_share_one_limit_on_new_conversations(app_factory, prefix):
    # Two create_app on one database and one Redis: like two uvicorn workers.
    first = TestClient(app_factory(rate_limit_prefix=prefix, web_new_conversations_per_10_min=3))
    second = TestClient(app_factory(rate_limit_prefix=prefix, web_new_conversations_per_10_min=3))
    with first, second:
        assert first.get("/healthz").json()["limits"] == "redis"
        health = second.get("/healthz").json()
        # « down » only for want of Rasa in this test (/healthz's reasons say so).
        assert {key: health[key] for key in ("status", "nlu", "rules", "limits")} == {
            "status": "down", "nlu": "down", "rules": "ready", "limits": "redis"}
        assert health["reasons"] == ["no NLU server answers"]
        assert say(first, "fake-1").status_code == 200
        assert say(second, "fake-2").status_code == 200
        assert say(first, "fake-3").status_code == 200
        # A fourth invented id is refused by either process: the count is shared.
        for client in (first, second):
            refused = say(client, f"fake-4-{id(client)}")
            assert refused.status_code == 429
            assert refused.json() == {"error": messages.text("too_many_conversations")}
            assert refused.headers["Retry-After"] == "60"
        # The people already talking go on.
        assert say(second, "fake-1", "oui").status_code == 200
        with first.app.state.db.session() as session:
            assert len(session.scalars(select(Conversation)).all()) == 3


def test_a_known_sender_is_admitted_without_a_lookup_and_an_erased_one_counts_again(
        app_factory, prefix):
    from sqlalchemy import event

    app = app_factory(rate_limit_prefix=prefix, web_new_conversations_per_10_min=2)
    lookups: list[str] = []

    @event.listens_for(app.state.db.engine, "before_cursor_execute")
    def record(_conn, _cursor, statement, *_args):
        if statement.lstrip().startswith("SELECT channel_address.id \nFROM"):
            lookups.append(statement)

    with TestClient(app) as client:
        assert say(client, "known").status_code == 200  # new conversation 1 of 2
        assert len(lookups) == 1
        assert say(client, "known", "oui").status_code == 200
        assert len(lookups) == 1  # known to this process: no admission lookup
        assert say(client, "known", "SUPPRIMER").json()["replies"][-1]["text"] == \
            messages.text("erased")
        # Erased, it is new again: its next message counts (2 of 2), the next id is refused.
        assert say(client, "known").status_code == 200
        assert say(client, "someone-else").status_code == 429


def test_the_contract_default_is_120_new_conversations_per_address(app_factory, prefix):
    from common.settings import Settings

    assert Settings.model_fields["web_new_conversations_per_10_min"].default == 120
    with TestClient(app_factory(rate_limit_prefix=prefix,
                                web_new_conversations_per_10_min=120)) as client:
        limits = client.app.state.limits
        assert all(limits.new_web_conversation("203.0.113.7") for _ in range(120))
        assert not limits.new_web_conversation("203.0.113.7")
        assert limits.new_web_conversation("203.0.113.8")  # another address is not limited


def test_without_redis_the_limits_hold_in_the_process_and_health_says_so(app_factory, caplog):
    caplog.set_level(logging.WARNING, logger="common.ratelimit")
    app = app_factory(redis_url=CLOSED_REDIS, web_new_conversations_per_10_min=2)
    with TestClient(app) as client:
        assert client.get("/healthz").json()["limits"] == "local"
        assert say(client, "a").status_code == 200
        assert say(client, "b").status_code == 200
        assert say(client, "c").status_code == 429
        assert say(client, "d").status_code == 429
    warnings = [r for r in caplog.records if "Redis" in r.getMessage()]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]


def test_a_flood_in_one_conversation_is_answered_and_not_processed(app_factory, prefix):
    with TestClient(app_factory(rate_limit_prefix=prefix,
                                messages_per_conversation_per_minute=2)) as client:
        assert say(client, "flood", "bonjour").status_code == 200
        assert say(client, "flood", "1").status_code == 200  # consent given: state moment
        db = client.app.state.db
        with db.session() as session:
            before = session.scalars(select(Conversation.state)).one()
        refused = say(client, "flood", "1")
        assert refused.status_code == 429
        assert refused.json()["replies"] == [{"text": "Trop de messages, attendez une minute.",
                                              "choices": []}]
        with db.session() as session:
            assert session.scalars(select(Conversation.state)).one() == before
        assert say(client, "someone-else", "bonjour").status_code == 200


def test_a_flood_by_sms_is_not_processed_and_answered_once(app_factory, prefix):
    with FakeTwilio() as fake, TestClient(app_factory(
            rate_limit_prefix=prefix, messages_per_conversation_per_minute=2,
            **twilio_settings(fake))) as client:
        phone = Phone(client, fake, "+33612999001")
        assert phone.say("bonjour")
        assert phone.say("1")
        db = client.app.state.db
        with db.session() as session:
            before = session.scalars(select(Conversation.state)).one()
        assert phone.say("1") == ["Trop de messages, attendez une minute."]
        assert phone.say("1") == []  # one answer a minute: a flood does not cost a flood of SMS
        with db.session() as session:
            assert session.scalars(select(Conversation.state)).one() == before


# ----------------------------------------------------------------- body sizes
TEN_MB = 10 * 1024 * 1024


def test_a_10_mb_body_is_refused_before_it_is_read(client):
    for path in ("/api/chat", "/api/chat/page", "/webhooks/twilio", "/webhooks/telegram",
                 "/console/login"):
        response = client.post(path, content=b"x" * TEN_MB,
                               headers={"Content-Type": "application/json"})
        assert response.status_code == 413, (path, response.text)
        assert response.json()["error"].startswith("request body too large")


def test_a_chunked_body_is_cut_at_the_limit(client):
    def chunks():
        for _ in range(160):  # 10 MB, without a Content-Length
            yield b"x" * 65536

    response = client.post("/api/chat", content=chunks(),
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"] == "request body too large (at most 16384 bytes)"


def test_the_limits_are_16_kib_for_the_chat_and_64_kib_for_the_console(client):
    just_over = b'{"user_id": "u", "text": "' + b"a" * 16384 + b'"}'
    assert client.post("/api/chat", content=just_over,
                       headers={"Content-Type": "application/json"}).status_code == 413
    # An ordinary too-long text is still the 422 of the contract, not a 413.
    long_text = client.post("/api/chat", json={"user_id": "u", "text": "a" * 1001})
    assert long_text.status_code == 422
    form = {"login": "x", "password": "y" * 30_000, "csrf": "z"}
    # 30 KB is under the console's limit: the form is read (and refused for its CSRF token).
    assert client.post("/console/login", data=form).status_code != 413
    form["password"] = "y" * 70_000
    assert client.post("/console/login", data=form).status_code == 413


def _connect(base: str) -> socket.socket:
    address = urlsplit(base)
    return socket.create_connection((address.hostname, address.port), timeout=10)


def test_on_a_real_server_10_mb_are_refused_without_being_received(live_server):
    # The server runs in this process: what it allocates while the 10 MB arrive is traced.
    tracemalloc.start()
    try:
        _declared_10_mb(live_server)
        sent = _chunked_10_mb(live_server)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Read into memory, 10 MB would show (FastAPI keeps a body whole before parsing it).
    assert peak < 2 * 1024 * 1024, peak
    # The answer came while the client was still sending.
    assert sent < TEN_MB, sent


def _declared_10_mb(base: str) -> None:
    """With a Content-Length, the answer comes before a single byte of the body is sent."""
    with _connect(base) as sock:
        started = time.monotonic()
        sock.sendall(b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % TEN_MB)
        answer = _response(sock)
        assert answer.startswith(b"HTTP/1.1 413"), answer
        assert b"request body too large" in answer
        assert time.monotonic() - started < 2


def _chunked_10_mb(base: str) -> int:
    """Chunked, the size is unknown in advance: the server stops reading at the limit and
    answers; the bytes the client got out meanwhile sit in the kernel's socket buffers."""
    with _connect(base) as sock:
        sock.sendall(b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"10000\r\n" + b"x" * 65536 + b"\r\n"
        sent, answer = 0, b""
        sock.setblocking(False)
        deadline = time.monotonic() + 10
        while sent < TEN_MB and time.monotonic() < deadline:
            readable, writable, _ = selectors.select([sock], [sock], [], 1)
            if readable:
                answer = sock.recv(4096)
                break
            if writable:
                try:
                    sent += sock.send(chunk)
                except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                    continue
        sock.setblocking(True)
        answer = _response(sock, answer)
        assert answer.startswith(b"HTTP/1.1 413"), answer
        assert b"request body too large" in answer
        return sent


def _response(sock: socket.socket, start: bytes = b"") -> bytes:
    """The whole answer: the server closes the connection after a 413."""
    answer = start
    while not answer.endswith(b"}"):
        try:
            part = sock.recv(4096)
        except ConnectionResetError:
            break
        if not part:
            break
        answer += part
    return answer


# ----------------------------------------------------------------- bookings per person
def test_a_person_with_two_appointments_to_come_cannot_book_a_third(app_factory):
    from datetime import UTC, datetime, timedelta

    from storage.handoff import Appointment, Handoff
    from storage.models import ChannelAddress
    from tests.helpers.app import Chat

    now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    with TestClient(app_factory(clock=lambda: now)) as client:
        chat = Chat(client, "collector")
        for text in ("bonjour", "oui", "5", "je veux parler à quelqu'un"):
            chat.say(text)
        assert chat.replies[-1]["text"] == messages.text("slot_offer")
        db = client.app.state.db
        key = client.app.state.core.address_key("web", "collector")
        with db.session() as session:
            # Two appointments already booked by the same person, in another conversation.
            person_id = session.scalars(select(ChannelAddress.person_id)
                                        .where(ChannelAddress.key == key)).one()
            other = Conversation(person_id=person_id, channel="sms", state="booked")
            session.add(other)
            session.flush()
            for day in (20, 21):
                handoff = Handoff(conversation_id=other.id, trigger="asked", reason_id="general",
                                  status="closed")
                session.add(handoff)
                session.flush()
                start = datetime(2026, 12, day, 9, 0, tzinfo=UTC)
                session.add(Appointment(handoff_id=handoff.id, referent_id="amina",
                                        place_id="fs", reason_id="general", starts_at=start,
                                        ends_at=start + timedelta(minutes=30), status="booked"))
        chat.say("1")
        assert chat.last == messages.text("too_many_bookings", count=2,
                                          contact="CCAS Neudorf, 03 88 11 22 33")
        with db.session() as session:
            assert len(session.scalars(select(Appointment)).all()) == 2
