"""What a check turn asks of PostgreSQL: under a burst, the application's one GIL spends its
time in these statements (python -m bench burst), so reading a row twice, or reading back
what the turn just wrote, is a cost every resident pays."""

from __future__ import annotations

import re
from collections import Counter

from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from storage.models import FunnelEvent, Message
from tests.helpers.app import Chat, new_user_id


def test_a_check_turn_reads_nothing_twice_and_writes_its_transcript_and_counts(
        app_factory, pg_db):
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    with TestClient(app_factory(db=pg_db)) as client:
        chat = Chat(client, new_user_id())
        # A tenant of 30 with a small salary: rights found, the RSA's hand-off opened.
        for text in ["bonjour", "oui", "5", "30", "67100", "1", "1", "450", "2", "300", "0"]:
            chat.say(text)
        event.listen(pg_db.engine, "before_cursor_execute", seen)
        try:
            chat.say("oui")  # to the facts read back: the check turn
        finally:
            event.remove(pg_db.engine, "before_cursor_execute", seen)
    assert "€" in chat.text
    turn = [s for s in statements if "inbound_message" not in s]  # the retry job, not the turn
    reads = Counter(re.sub(r"\s+", " ", s) for s in turn if s.lstrip().startswith("SELECT"))
    # Read once per transaction at most: the conversation (its row, then again
    # in the second transaction), the answers once (the second transaction renders the
    # result with those the first one left), the result stored never.
    assert max(reads.values()) <= 2, reads.most_common(3)
    assert sum(" FROM answer " in s for s in reads.elements()) == 1, reads
    assert not any("FROM eligibility_result" in s for s in reads), "read back the result"
    # The person is not read: its last message time is updated in one statement, which
    # also tells whether the retention purge erased it meanwhile.
    assert not any("FROM person" in s for s in reads.elements()), reads
    # The transcript and the counts: one statement per table and transaction, sent as an
    # executemany of one short statement, not a multi-row INSERT of kilobytes (psycopg
    # parses such a text again at every turn: its cache stops at 4 KB and 50 parameters).
    inserts = [s for s in turn if s.startswith(("INSERT INTO message", "INSERT INTO funnel"))]
    assert len(inserts) == 3  # the message in, then the results' lines and counts
    assert all(len(s) < 400 and "), (" not in s for s in inserts), inserts
    assert len(turn) <= 19, "\n".join(turn)
    with pg_db.session() as session:
        messages = session.scalar(select(func.count()).select_from(Message))
        counts = session.scalars(select(FunnelEvent.kind)).all()
    assert messages == sum(1 + len(replies) for _, replies in chat.transcript
                           if replies) - 2  # « bonjour » and « oui »: before consent
    assert {"check_completed", "rights_found", "right_found"} <= set(counts)
