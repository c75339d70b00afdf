"""Reminders the day before, between 10:00 and 18:00, once, and never to who opted out."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from handoff.booking import book, cancel, open_handoff
from handoff.reminders import due_reminders, mark_sent
from handoff.slots import Slot
from storage.models import ChannelAddress, Conversation
from tests.helpers.handoff import new_conversation, new_handoff, paris

BOOKED_AT = paris(2026, 11, 28, 9, 0)
# Tuesday 1 December 2026, 9:30 in Strasbourg.
START = paris(2026, 12, 1, 9, 30)
SLOT = Slot(START, START + timedelta(minutes=30), "amina", "fs", "general")


@pytest.fixture
def appointment_id(any_db):
    with any_db.session() as s:
        return book(s, handoff_id=new_handoff(s), slot=SLOT, now=BOOKED_AT).id


def due(db, territory, now):
    with db.session() as s:
        return [a.id for a in due_reminders(s, now=now, territory=territory)]


@pytest.mark.parametrize("now, expected", [
    (paris(2026, 11, 30, 9, 59), False),   # the day before, too early
    (paris(2026, 11, 30, 10, 0), True),
    (paris(2026, 11, 30, 14, 0), True),
    (paris(2026, 11, 30, 17, 59), True),
    (paris(2026, 11, 30, 18, 0), False),   # too late
    (paris(2026, 11, 29, 14, 0), False),   # two days before
    (paris(2026, 12, 1, 12, 0), False),    # the slot has passed
])
def test_due_the_day_before_between_10_and_18(any_db, territory, appointment_id, now, expected):
    assert due(any_db, territory, now) == ([appointment_id] if expected else [])


def test_the_window_is_local_time(any_db, territory, appointment_id):
    # 9:30 UTC is 10:30 in Paris in winter: inside the window.
    assert due(any_db, territory, datetime(2026, 11, 30, 9, 30, tzinfo=UTC)) == [
        appointment_id]
    assert due(any_db, territory, datetime(2026, 11, 30, 8, 30, tzinfo=UTC)) == []


def test_not_twice_after_mark_sent(any_db, territory, appointment_id):
    now = paris(2026, 11, 30, 11, 0)
    with any_db.session() as s:
        assert mark_sent(s, appointment_id=appointment_id, now=now) is True
    with any_db.session() as s:
        assert mark_sent(s, appointment_id=appointment_id, now=now) is False  # another worker
    assert due(any_db, territory, paris(2026, 11, 30, 15, 0)) == []


def test_not_after_cancellation(any_db, territory, appointment_id):
    with any_db.session() as s:
        cancel(s, appointment_id=appointment_id)
    assert due(any_db, territory, paris(2026, 11, 30, 11, 0)) == []


def test_not_when_opted_out_on_the_conversation_channel(any_db, territory, appointment_id):
    with any_db.session() as s:
        s.execute(update(ChannelAddress).values(opted_out=True))
    assert due(any_db, territory, paris(2026, 11, 30, 11, 0)) == []


def test_opting_out_of_another_channel_does_not_stop_the_reminder(any_db, territory):
    with any_db.session() as s:
        conversation_id = new_conversation(s, channel="sms")
        person_id = s.get(Conversation, conversation_id).person_id
        s.add(ChannelAddress(person_id=person_id, channel="telegram", key="tg", opted_out=True))
        handoff = open_handoff(s, conversation_id=conversation_id, trigger="asked",
                               reason_id="general")
        appointment = book(s, handoff_id=handoff.id, slot=SLOT, now=BOOKED_AT)
    assert due(any_db, territory, paris(2026, 11, 30, 11, 0)) == [appointment.id]


def test_only_tomorrows_appointments_soonest_first(any_db, territory):
    later = Slot(START + timedelta(hours=1), START + timedelta(hours=1, minutes=30), "amina",
                 "fs", "general")
    day_after = Slot(START + timedelta(days=1), START + timedelta(days=1, minutes=30), "amina",
                     "fs", "general")
    with any_db.session() as s:
        ids = [book(s, handoff_id=new_handoff(s), slot=x, now=BOOKED_AT).id
               for x in (later, day_after, SLOT)]
    assert due(any_db, territory, paris(2026, 11, 30, 11, 0)) == [ids[2], ids[0]]
