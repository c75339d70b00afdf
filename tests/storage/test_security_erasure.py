"""The storage side of erasure: pending outbox rows of a person go, the others stay; SQLite
overwrites what it deletes; the retention purge drops messages nobody came to collect."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from handoff.retention import STALE_OUTBOX, purge
from storage import erasure
from storage.models import OutboxMessage

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def row(key: str, status: str = "pending", *, channel: str = "sms", created=NOW,
        always_send: bool = False) -> OutboxMessage:
    return OutboxMessage(channel=channel, address_key=key, recipient="+33611111111",
                         body="texte", status=status, attempts=0, next_attempt_at=created,
                         created_at=created, always_send=always_send)


def test_forget_outbox_deletes_only_the_persons_waiting_rows(any_db):
    with any_db.session() as session:
        session.add_all([row("gone"), row("gone", "sending"), row("gone", "sent"),
                         row("gone", channel="web"), row("stays"), row("stays", "sending")])
    with any_db.session() as session:
        assert erasure.forget_outbox(session, ["gone"]) == 3
    with any_db.session() as session:
        left = [(r.address_key, r.status) for r in session.scalars(
            select(OutboxMessage).order_by(OutboxMessage.id))]
    assert left == [("gone", "sent"), ("stays", "pending"), ("stays", "sending")]


def test_sqlite_connections_overwrite_deleted_content(sqlite_db):
    with sqlite_db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA secure_delete")).scalar() == 1


def test_checkpoint_empties_the_write_ahead_log(sqlite_db):
    with sqlite_db.session() as session:
        session.add(row("k"))
    wal = sqlite_db.engine.url.database + "-wal"
    erasure.checkpoint(sqlite_db)
    with open(wal, "rb") as handle:
        assert handle.read() == b""


def test_checkpoint_is_harmless_on_postgresql(pg_db):
    erasure.checkpoint(pg_db)


def test_the_purge_drops_web_messages_nobody_collected(any_db):
    old = NOW - STALE_OUTBOX - timedelta(hours=1)
    recent = NOW - STALE_OUTBOX + timedelta(hours=1)
    with any_db.session() as session:
        session.add_all([row("web-old", channel="web", created=old),
                         row("web-new", channel="web", created=recent),
                         row("sms-old", created=old), row("sms-sending", "sending", created=old)])
    purge(any_db, now=NOW, months=12)
    purge(any_db, now=NOW, months=0)  # retention off: stale messages still go
    with any_db.session() as session:
        left = {r.address_key for r in session.scalars(select(OutboxMessage))}
    # The dispatcher's rows are its own (it gives up after its retries).
    assert left == {"web-new", "sms-old", "sms-sending"}
