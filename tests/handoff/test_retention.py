"""The retention purge and the figures on both databases (SQLite and PostgreSQL), with
rows written directly: no conversation, no OpenFisca."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from handoff import indicators
from handoff.retention import PurgeLoop, purge
from storage.handoff import Appointment, Handoff
from storage.models import (
    Answer,
    ChannelAddress,
    Conversation,
    EligibilityResult,
    FunnelEvent,
    InboundMessage,
    Message,
    OutboxMessage,
    Person,
)
from storage.records import Outcome, ReferentNote
from tests.helpers.handoff import new_handoff

NOW = datetime(2027, 12, 1, 9, 0, tzinfo=UTC)


def person_with_everything(session, last_message_at: datetime) -> int:
    """A handed-off person with answers, a result, a transcript, an appointment, a note and
    an outcome; their funnel events, as the dialogue and the console write them."""
    handoff = session.get(Handoff, new_handoff(session))
    conversation = handoff.conversation
    person = conversation.person
    person.created_at = last_message_at - timedelta(days=30)
    person.last_message_at = last_message_at
    session.add_all([
        Answer(conversation_id=conversation.id, key="age", value=34),
        EligibilityResult(conversation_id=conversation.id, period="2026-11", engine={},
                          benefits=[{"id": "rsa", "eligible": True}]),
        Message(conversation_id=conversation.id, direction="in", text="bonjour"),
        Appointment(handoff_id=handoff.id, referent_id="amina", place_id="fs",
                    reason_id="general", starts_at=last_message_at - timedelta(days=5),
                    ends_at=last_message_at - timedelta(days=5, minutes=-30), status="seen"),
        ReferentNote(conversation_id=conversation.id, referent_id="amina", text="note"),
        Outcome(handoff_id=handoff.id, benefit_id="rsa", status="opened",
                happened_on=last_message_at.date(), referent_id="amina"),
    ])
    day = last_message_at.date()
    for kind in ("first_contact", "consent", "check_completed", "rights_found", "handoff"):
        session.add(FunnelEvent(kind=kind, week=indicators.week_of(day), channel="sms",
                                moment="adult"))
    session.add(FunnelEvent(kind="right_found", week=indicators.week_of(day), channel="sms",
                            moment="adult", benefit="rsa", amount_year=7000))
    indicators.record_outcome(session, handoff, benefit_id="rsa", status="opened", day=day)
    return person.id


def counts(session) -> dict:
    return {model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (Person, Conversation, Answer, EligibilityResult, Message, Handoff,
                          Appointment, ReferentNote, Outcome, FunnelEvent)}


def test_purge_erases_people_silent_past_the_period_and_leaves_the_figures(any_db):
    old_day = NOW - timedelta(days=400)
    with any_db.session() as session:
        old = [person_with_everything(session, old_day) for _ in range(5)]
        recent = person_with_everything(session, NOW - timedelta(days=300))
        session.add(OutboxMessage(channel="sms", address_key="k", body="Votre RDV…",
                                  status="failed", created_at=old_day))
        session.add(OutboxMessage(channel="sms", address_key="k", body="à envoyer",
                                  status="pending", created_at=old_day))

    def figures():
        with any_db.session() as session:
            # The month of the five old people (2026-10-27): a period of several months
            # would hide a figure their months hide (the recent person alone is < 5).
            return indicators.to_csv(indicators.build(
                session, start=date(2026, 10, 1), end=date(2026, 10, 31)))

    before = figures()
    report_cells = {tuple(line.split(";")[2:4] + [line.split(";")[5]]): line.split(";")[-1]
                    for line in before.splitlines()[1:]}
    assert report_cells[("funnel", "first_contact", "value")] == "5"
    assert report_cells[("funnel", "amount_year", "value")] == "35000"
    assert report_cells[("by_benefit", "rsa", "outcome_opened")] == "5"
    assert report_cells[("durations", "outcome_opened", "median")] == "30"

    assert purge(any_db, now=NOW, months=12) == 5
    with any_db.session() as session:
        left = counts(session)
        assert {k: v for k, v in left.items() if k != "funnel_event"} == {
            "person": 1, "conversation": 1, "answer": 1, "eligibility_result": 1,
            "message": 1, "handoff": 1, "appointment": 1, "referent_note": 1, "outcome": 1}
        assert session.get(Person, recent) is not None and session.get(Person, old[0]) is None
        assert [m.status for m in session.scalars(select(OutboxMessage))] == ["pending"]
    assert figures() == before
    assert purge(any_db, now=NOW, months=12) == 0  # idempotent: the daily run repeats it
    assert purge(any_db, now=NOW, months=0) == 0  # 0 switches the retention off


def test_python_m_handoff_purge_uses_retention_months(sqlite_db, monkeypatch, capsys):
    from handoff.__main__ import main

    with sqlite_db.session() as session:
        person_with_everything(session, datetime.now(UTC) - timedelta(days=200))
    monkeypatch.setenv("DATABASE_URL", sqlite_db.engine.url.render_as_string())
    monkeypatch.setenv("RETENTION_MONTHS", "12")
    assert main(["purge"]) == 0
    assert capsys.readouterr().out.startswith("0 person(s) erased")
    assert main(["purge", "--months", "6"]) == 0
    assert capsys.readouterr().out.startswith("1 person(s) erased")


def test_the_app_runs_the_purge_in_the_background(sqlite_db):
    import asyncio
    import threading

    with sqlite_db.session() as session:
        person_with_everything(session, NOW - timedelta(days=400))

    async def run():
        loop = PurgeLoop(sqlite_db, months=12, interval=3600, clock=lambda: NOW)
        loop.start()
        for _ in range(100):
            await asyncio.sleep(0.05)
            with sqlite_db.session() as session:
                if session.scalar(select(func.count()).select_from(Person)) == 0:
                    break
        await loop.stop()

    # In a thread of its own: Playwright's sync API may hold this thread's event loop.
    thread = threading.Thread(target=asyncio.run, args=(run(),))
    thread.start()
    thread.join(timeout=30)
    with sqlite_db.session() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0


def test_corrections_withdraw_the_earlier_event(any_db):
    with any_db.session() as session:
        handoff = session.get(Handoff, new_handoff(session))
        handoff.conversation.person.created_at = datetime(2026, 10, 5, 8, tzinfo=UTC)
        for day in (date(2026, 10, 20), date(2026, 10, 26)):  # recorded, then corrected
            previous = None if day.day == 20 else date(2026, 10, 20)
            indicators.record_outcome(session, handoff, benefit_id="css",
                                      status="claim_filed", day=day, previous=previous)
        raw = indicators._raw(session, indicators.weeks_in(date(2026, 10, 1),
                                                          date(2026, 10, 31)))
    assert raw.count[("outcome_claim_filed", "all", "")] == 1
    assert raw.count[("outcome_claim_filed", "week", "2026-W43")] == 0
    assert raw.count[("outcome_claim_filed", "week", "2026-W44")] == 1
    assert dict(raw.days["outcome_claim_filed"]) == {15: 0, 21: 1}


def stored_inbound(key: str, received_at: datetime, status: str = "pending") -> InboundMessage:
    return InboundMessage(inbound_id=f"twilio:{key}:{received_at.isoformat()}:{status}",
                          channel="sms", address_key=key, sender="+33600000000",
                          body="mon fils a 12 ans", status=status, received_at=received_at,
                          next_attempt_at=received_at)


def test_purge_deletes_the_stored_inbound_messages_of_the_erased(any_db):
    old_day, recent_day = NOW - timedelta(days=400), NOW - timedelta(days=3)
    with any_db.session() as session:
        gone = person_with_everything(session, old_day)
        kept = person_with_everything(session, recent_day)
        gone_key, kept_key = (session.scalars(select(ChannelAddress.key).where(
            ChannelAddress.person_id == person)).one() for person in (gone, kept))
        session.add_all([
            # the erased person's: one stuck pending, one given up (kept only by its key)
            stored_inbound(gone_key, recent_day), stored_inbound(gone_key, old_day, "failed"),
            # a message given up long ago whose person is not known (first message failed)
            stored_inbound("nobody", old_day, "failed"),
            # a person still here: their message waiting for its turn stays
            stored_inbound(kept_key, recent_day)])
    assert purge(any_db, now=NOW, months=12) == 1
    with any_db.session() as session:
        left = session.scalars(select(InboundMessage.address_key)).all()
    assert left == [kept_key]


def test_purge_deletes_the_console_audit_past_its_period(any_db):
    from storage.accounts import ConsoleAudit

    def audit(at: datetime) -> ConsoleAudit:
        return ConsoleAudit(at=at, login="amina@ccas.fr", referent_id="amina", action="view",
                            handoff_id=1, conversation_id=1)

    with any_db.session() as session:
        session.add_all([audit(NOW - timedelta(days=400)), audit(NOW - timedelta(days=200)),
                         audit(NOW - timedelta(days=1))])

    def ages() -> list[int]:
        with any_db.session() as session:
            return sorted((NOW - row.at).days
                          for row in session.scalars(select(ConsoleAudit)))

    purge(any_db, now=NOW, months=0)  # the audit goes even with the people's retention off
    assert ages() == [1, 200]
    purge(any_db, now=NOW, months=12, audit_months=6)
    assert ages() == [1]


def test_python_m_handoff_purge_reads_audit_retention_months(sqlite_db, monkeypatch):
    from handoff.__main__ import main
    from storage.accounts import ConsoleAudit

    with sqlite_db.session() as session:
        session.add(ConsoleAudit(at=datetime.now(UTC) - timedelta(days=100), login="a",
                                 referent_id="amina", action="view"))
    monkeypatch.setenv("DATABASE_URL", sqlite_db.engine.url.render_as_string())
    assert main(["purge"]) == 0  # 12 months by default: kept
    with sqlite_db.session() as session:
        assert session.scalar(select(func.count()).select_from(ConsoleAudit)) == 1
    monkeypatch.setenv("AUDIT_RETENTION_MONTHS", "3")
    assert main(["purge"]) == 0
    with sqlite_db.session() as session:
        assert session.scalar(select(func.count()).select_from(ConsoleAudit)) == 0
