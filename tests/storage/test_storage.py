"""Storage on a real SQLite file and a real PostgreSQL server."""

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError

from storage.models import (
    Answer,
    ChannelAddress,
    Consent,
    Conversation,
    EligibilityResult,
    FunnelEvent,
    Message,
    Person,
)


def _person_with_everything(session) -> int:
    person = Person()
    session.add(person)
    session.flush()
    session.add(ChannelAddress(person_id=person.id, channel="web", key="k1", address="u1"))
    session.add(Consent(person_id=person.id, version="2026-11"))
    conv = Conversation(person_id=person.id, channel="web", state="ask_age", history=["consent"])
    session.add(conv)
    session.flush()
    session.add(Message(conversation_id=conv.id, direction="in", text="bonjour"))
    session.add(Answer(conversation_id=conv.id, key="age", value=30))
    session.add(EligibilityResult(conversation_id=conv.id, period="2026-11",
                                  engine={"openfisca-france": "176.1.8"},
                                  benefits=[{"id": "rsa", "eligible": False}]))
    session.add(FunnelEvent(kind="consent", week="2026-W48", channel="web"))
    return person.id


def test_migrations_create_every_table(any_db):
    tables = set(inspect(any_db.engine).get_table_names())
    assert {"person", "channel_address", "consent", "conversation", "message", "answer",
            "eligibility_result", "funnel_event", "alembic_version"} <= tables


def test_erasing_a_person_erases_all_their_data_but_not_the_anonymous_counts(any_db):
    with any_db.session() as s:
        person_id = _person_with_everything(s)
    with any_db.session() as s:
        s.delete(s.get(Person, person_id))
    with any_db.session() as s:
        for model in (ChannelAddress, Consent, Conversation, Message, Answer, EligibilityResult):
            assert s.scalar(select(func.count()).select_from(model)) == 0, model.__name__
        assert s.scalar(select(func.count()).select_from(FunnelEvent)) == 1


def test_cascade_is_enforced_by_the_database_itself(any_db):
    # A bulk DELETE bypasses the ORM: only ON DELETE CASCADE (foreign keys on) cleans up.
    with any_db.session() as s:
        _person_with_everything(s)
    with any_db.engine.begin() as c:
        c.execute(Person.__table__.delete())
    with any_db.session() as s:
        assert s.scalar(select(func.count()).select_from(Answer)) == 0


def test_one_channel_address_key_maps_to_one_person(any_db):
    with pytest.raises(IntegrityError):
        with any_db.session() as s:
            a, b = Person(), Person()
            s.add_all([a, b])
            s.flush()
            s.add(ChannelAddress(person_id=a.id, channel="sms", key="same"))
            s.add(ChannelAddress(person_id=b.id, channel="sms", key="same"))


def test_answers_and_results_round_trip_json(any_db):
    with any_db.session() as s:
        person_id = _person_with_everything(s)
    with any_db.session() as s:
        conv = s.scalars(select(Conversation).where(Conversation.person_id == person_id)).one()
        assert conv.answers[0].value == 30
        assert conv.results[0].benefits == [{"id": "rsa", "eligible": False}]
        assert conv.history == ["consent"]


def test_rows_queued_for_the_commit_are_written_in_order_once_it_commits(any_db):
    from storage.db import insert_at_commit, queued_rows

    with any_db.session() as session:
        person_id = _person_with_everything(session)
        session.flush()
        conversation_id = session.scalars(select(Conversation.id).where(
            Conversation.person_id == person_id)).one()
        for i in range(3):
            insert_at_commit(session, Message, {"conversation_id": conversation_id,
                                                "direction": "out", "text": f"réponse {i}"})
        counted = insert_at_commit(session, FunnelEvent, {"kind": "first_contact",
                                                          "week": "2026-W48", "channel": "web",
                                                          "language": "fr"})
        # Still changeable until the commit (a first message's language is known late).
        assert queued_rows(session, FunnelEvent) == [counted]
        counted["language"] = "ar"
        # A savepoint released before the commit does not write them (a rollback to it
        # would lose them): booking.open_handoff opens one in the middle of a check turn.
        with session.begin_nested():
            pass
        assert session.scalar(select(func.count()).select_from(FunnelEvent).where(
            FunnelEvent.kind == "first_contact")) == 0
    with any_db.session() as session:
        texts = session.scalars(select(Message.text).where(
            Message.conversation_id == conversation_id).order_by(Message.id)).all()
        assert texts == ["bonjour", "réponse 0", "réponse 1", "réponse 2"]
        assert session.scalars(select(FunnelEvent.language).where(
            FunnelEvent.kind == "first_contact")).all() == ["ar"]
        assert queued_rows(session, FunnelEvent) == []


def test_rows_queued_in_a_transaction_that_fails_are_not_written(any_db):
    from storage.db import insert_at_commit

    with pytest.raises(RuntimeError), any_db.session() as session:
        insert_at_commit(session, FunnelEvent, {"kind": "consent", "week": "2026-W48",
                                                "channel": "web", "language": "fr"})
        raise RuntimeError("the turn failed")
    with any_db.session() as session:
        assert session.scalar(select(func.count()).select_from(FunnelEvent)) == 0
