"""The cap on appointments still to come per person: a script opening hand-off after hand-off
for one person cannot take every slot of the week."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from handoff.booking import (
    MAX_OPEN_BOOKINGS,
    TooManyBookings,
    book,
    cancel,
    close_handoff,
    open_bookings,
    open_handoff,
    reschedule,
)
from handoff.slots import Slot
from storage.handoff import Appointment
from storage.models import Conversation
from tests.helpers.handoff import new_conversation, new_handoff, paris

NOW = paris(2026, 11, 30, 8, 0)


def slot(day, hour):
    start = paris(2026, 12, day, hour, 0)
    return Slot(start, start + timedelta(minutes=30), "amina", "fs", "general")


def another_handoff(session, conversation_id, previous_id):
    """The same conversation hands off again once the referent closed the previous one."""
    close_handoff(session, handoff_id=previous_id, now=NOW)
    return open_handoff(session, conversation_id=conversation_id, trigger="asked",
                        reason_id="general").id


def test_a_person_cannot_book_past_the_cap_in_any_conversation(any_db):
    assert MAX_OPEN_BOOKINGS == 2
    with any_db.session() as s:
        conversation_id = new_conversation(s)
        person_id = s.get(Conversation, conversation_id).person_id
        first = open_handoff(s, conversation_id=conversation_id, trigger="asked",
                             reason_id="general").id
        assert book(s, handoff_id=first, slot=slot(1, 9), now=NOW) is not None
        second = another_handoff(s, conversation_id, first)
        assert book(s, handoff_id=second, slot=slot(1, 10), now=NOW) is not None
        # A third through another conversation of the same person (another channel).
        web = Conversation(person_id=person_id, channel="web", state="handoff")
        s.add(web)
        s.flush()
        third = open_handoff(s, conversation_id=web.id, trigger="asked", reason_id="general").id
        with pytest.raises(TooManyBookings) as refused:
            book(s, handoff_id=third, slot=slot(2, 9), now=NOW)
        assert refused.value.count == 2
        assert s.scalar(select(func.count(Appointment.id))) == 2  # nothing was booked
        assert open_bookings(s, person_id=person_id, now=NOW) == 2

        # Moving one of the two is not a new booking.
        booked = s.scalars(select(Appointment).where(Appointment.handoff_id == second)).one()
        moved = reschedule(s, appointment_id=booked.id, slot=slot(3, 9), now=NOW)
        assert moved is not None and moved.status == "booked"

        # Cancelling one frees a place under the cap; past appointments do not count.
        cancel(s, appointment_id=moved.id)
        assert book(s, handoff_id=third, slot=slot(2, 9), now=NOW) is not None
        later = paris(2026, 12, 1, 9, 30)  # the first appointment is over
        assert open_bookings(s, person_id=person_id, now=later) == 1


def test_other_people_are_not_limited_by_someone_elses_bookings(any_db):
    with any_db.session() as s:
        for hour in (9, 10, 11):
            handoff_id = new_handoff(s)
            assert book(s, handoff_id=handoff_id, slot=slot(1, hour), now=NOW) is not None
