"""Hand-offs and bookings on real databases: no double booking, no overlap, cancellation."""

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from handoff.booking import (
    book,
    cancel,
    close_handoff,
    give_back,
    open_handoff,
    record_outcome,
    reschedule,
    take_over,
)
from handoff.slots import Slot, free_slots
from storage.handoff import Appointment, AppointmentUnit, Handoff
from storage.models import Conversation, Message
from tests.helpers.handoff import (
    make_territory,
    new_conversation,
    new_handoff,
    paris,
    territory_data,
)

NOW = paris(2026, 11, 30, 8, 0)


def slot(hour, minute=0, minutes=30, referent="amina", reason="general"):
    start = paris(2026, 12, 1, hour, minute)
    return Slot(start, start + timedelta(minutes=minutes), referent, "fs", reason)


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_open_handoff_reuses_the_open_one_and_escalates_urgency(any_db):
    with any_db.session() as s:
        conversation_id = new_conversation(s)
        first = open_handoff(s, conversation_id=conversation_id, trigger="asked",
                             reason_id="rsa")
        again = open_handoff(s, conversation_id=conversation_id, trigger="not_understood",
                             reason_id="acces_droits")
        assert again.id == first.id and again.reason_id == "rsa" and not again.urgent
        urgent = open_handoff(s, conversation_id=conversation_id, trigger="urgent",
                              reason_id="urgence")
        assert urgent.id == first.id
        assert (urgent.urgent, urgent.trigger, urgent.reason_id) == (True, "urgent", "urgence")
        close_handoff(s, handoff_id=first.id, now=NOW)
        reopened = open_handoff(s, conversation_id=conversation_id, trigger="asked",
                                reason_id="rsa")
        assert reopened.id != first.id and reopened.status == "open"
        with pytest.raises(ValueError):
            open_handoff(s, conversation_id=conversation_id, trigger="bored", reason_id="rsa")


def test_one_open_handoff_per_conversation_is_enforced_by_the_database(any_db):
    with pytest.raises(IntegrityError):
        with any_db.session() as s:
            conversation_id = new_conversation(s)
            s.add_all([Handoff(conversation_id=conversation_id, trigger="asked",
                               reason_id="rsa"),
                       Handoff(conversation_id=conversation_id, trigger="asked",
                               reason_id="rsa")])


def test_take_over_and_give_back(any_db):
    with any_db.session() as s:
        handoff_id = new_handoff(s)
        held = take_over(s, handoff_id=handoff_id, referent_id="amina")
        assert held.held_by_referent and held.referent_id == "amina"
        assert not give_back(s, handoff_id=handoff_id).held_by_referent


def test_book_stores_the_appointment_in_utc_and_its_grid_units(any_db):
    with any_db.session() as s:
        handoff_id = new_handoff(s, reason_id="rsa")
        appointment = book(s, handoff_id=handoff_id, slot=slot(9, minutes=60, reason="rsa"),
                           now=NOW)
        appointment_id = appointment.id
    with any_db.session() as s:
        appointment = s.get(Appointment, appointment_id)
        assert appointment.starts_at == paris(2026, 12, 1, 9, 0)
        assert appointment.starts_at.utcoffset() == timedelta(0)
        assert appointment.status == "booked" and appointment.handoff.referent_id == "amina"
        assert [u.starts_at.astimezone(paris(2026, 1, 1).tzinfo).strftime("%H:%M")
                for u in sorted(appointment.units, key=lambda u: u.starts_at)] == [
            "09:00", "09:15", "09:30", "09:45"]
        assert Slot.of(appointment) == slot(9, minutes=60, reason="rsa")


def test_the_same_slot_cannot_be_booked_twice(any_db):
    with any_db.session() as s:
        first = new_handoff(s)
        second = new_handoff(s)
    with any_db.session() as s:
        assert book(s, handoff_id=first, slot=slot(9), now=NOW) is not None
    with any_db.session() as s:
        assert book(s, handoff_id=second, slot=slot(9), now=NOW) is None
        # The caller's transaction survived the refused booking.
        s.add(Message(conversation_id=s.get(Handoff, second).conversation_id,
                      direction="out", text="ce créneau vient d'être pris"))
    with any_db.session() as s:
        assert count(s, Appointment) == 1
        assert count(s, Message) == 1


def test_booking_the_held_slot_again_returns_the_same_appointment(any_db):
    with any_db.session() as s:
        handoff_id = new_handoff(s)
        first = book(s, handoff_id=handoff_id, slot=slot(9), now=NOW)
    with any_db.session() as s:
        assert book(s, handoff_id=handoff_id, slot=slot(9), now=NOW).id == first.id
        with pytest.raises(ValueError, match="reschedule"):
            book(s, handoff_id=handoff_id, slot=slot(10), now=NOW)


@pytest.mark.parametrize("first, second", [
    (slot(9, minutes=60, reason="rsa"), slot(9, 30)),
    (slot(9, 30), slot(9, minutes=60, reason="rsa")),
    (slot(9, 45, minutes=45, reason="birth"), slot(9, minutes=90, reason="long")),
    (slot(10, 15, minutes=45, reason="birth"), slot(9, minutes=90, reason="long")),
])
def test_overlapping_slots_of_different_reasons_cannot_both_be_booked(any_db, first, second):
    with any_db.session() as s:
        a, b = new_handoff(s), new_handoff(s)
    with any_db.session() as s:
        assert book(s, handoff_id=a, slot=first, now=NOW) is not None
    with any_db.session() as s:
        assert book(s, handoff_id=b, slot=second, now=NOW) is None
    with any_db.session() as s:
        assert count(s, Appointment) == 1


def test_adjacent_slots_can_both_be_booked(any_db):
    with any_db.session() as s:
        a, b = new_handoff(s), new_handoff(s)
        assert book(s, handoff_id=a, slot=slot(9, minutes=60, reason="rsa"), now=NOW)
        assert book(s, handoff_id=b, slot=slot(10), now=NOW)


def test_the_database_itself_refuses_overlapping_units(any_db):
    # Straight to the tables, without book(): the unique key is what protects the time.
    with pytest.raises(IntegrityError):
        with any_db.session() as s:
            a, b = new_handoff(s), new_handoff(s)
            for handoff_id, start in ((a, paris(2026, 12, 1, 9, 0)),
                                      (b, paris(2026, 12, 1, 9, 15))):
                s.add(Appointment(handoff_id=handoff_id, referent_id="amina", place_id="fs",
                                  reason_id="rsa", starts_at=start,
                                  ends_at=start + timedelta(minutes=30),
                                  units=[AppointmentUnit(referent_id="amina",
                                                         starts_at=paris(2026, 12, 1, 9, 15))]))
                s.flush()


def test_cancel_frees_the_slot(any_db, territory):
    with any_db.session() as s:
        a, b = new_handoff(s), new_handoff(s)
        appointment_id = book(s, handoff_id=a, slot=slot(9), now=NOW).id
    with any_db.session() as s:
        assert slot(9) not in free_slots(s, territory, "general", NOW)
        cancelled = cancel(s, appointment_id=appointment_id)
        assert cancelled.status == "excused"
    with any_db.session() as s:
        assert slot(9) in free_slots(s, territory, "general", NOW)
        assert count(s, AppointmentUnit) == 0
        assert book(s, handoff_id=b, slot=slot(9), now=NOW) is not None
        # The cancelled appointment stays on record; a second cancel changes nothing.
        assert cancel(s, appointment_id=appointment_id, status="cancelled").status == "excused"
        with pytest.raises(ValueError):
            cancel(s, appointment_id=appointment_id, status="seen")


def test_reschedule_moves_the_appointment(any_db, territory):
    with any_db.session() as s:
        handoff_id = new_handoff(s, reason_id="rsa")
        old_id = book(s, handoff_id=handoff_id, slot=slot(9, minutes=60, reason="rsa"),
                      now=NOW).id
    with any_db.session() as s:
        # Half an hour later overlaps the old time: allowed, since the old one is released.
        new = reschedule(s, appointment_id=old_id, slot=slot(9, 30, minutes=60, reason="rsa"),
                         now=NOW)
        assert new is not None and new.id != old_id
    with any_db.session() as s:
        assert s.get(Appointment, old_id).status == "excused"
        assert s.get(Handoff, handoff_id).booked.starts_at == paris(2026, 12, 1, 9, 30)


def test_reschedule_to_a_taken_slot_keeps_the_old_appointment(any_db):
    with any_db.session() as s:
        mine, theirs = new_handoff(s), new_handoff(s)
        old_id = book(s, handoff_id=mine, slot=slot(9), now=NOW).id
        book(s, handoff_id=theirs, slot=slot(11), now=NOW)
    with any_db.session() as s:
        assert reschedule(s, appointment_id=old_id, slot=slot(11), now=NOW) is None
    with any_db.session() as s:
        old = s.get(Appointment, old_id)
        assert old.status == "booked" and len(old.units) == 2
        assert count(s, Appointment, Appointment.status == "booked") == 2


def test_slots_must_be_aware_on_the_grid_and_to_come(any_db):
    with any_db.session() as s:
        handoff_id = new_handoff(s)
        start = paris(2026, 12, 1, 9, 10)
        with pytest.raises(ValueError, match="grid"):
            book(s, handoff_id=handoff_id,
                 slot=Slot(start, start + timedelta(minutes=30), "amina", "fs", "general"),
                 now=NOW)
        with pytest.raises(ValueError, match="aware"):
            naive = slot(9).start.replace(tzinfo=None)
            book(s, handoff_id=handoff_id,
                 slot=Slot(naive, naive + timedelta(minutes=30), "amina", "fs", "general"),
                 now=NOW)
        with pytest.raises(ValueError, match="started"):
            book(s, handoff_id=handoff_id, slot=slot(9), now=paris(2026, 12, 1, 9, 0))


def test_outcomes_are_recorded_and_keep_the_time_taken(any_db):
    with any_db.session() as s:
        handoff_id = new_handoff(s)
        appointment = book(s, handoff_id=handoff_id, slot=slot(9), now=NOW)
        assert record_outcome(s, appointment_id=appointment.id, status="noshow").status == "noshow"
        assert count(s, AppointmentUnit) == 2
        with pytest.raises(ValueError):
            record_outcome(s, appointment_id=appointment.id, status="booked")


def test_erasing_the_conversation_erases_handoffs_and_appointments(any_db):
    with any_db.session() as s:
        handoff_id = new_handoff(s)
        book(s, handoff_id=handoff_id, slot=slot(9), now=NOW)
    with any_db.engine.begin() as c:
        c.execute(delete(Conversation))
    with any_db.session() as s:
        assert count(s, Handoff) == count(s, Appointment) == count(s, AppointmentUnit) == 0


def test_a_booking_is_undone_with_the_callers_transaction(any_db):
    # On SQLite the savepoint must not be the outermost transaction, or releasing it would
    # commit the booking on its own.
    with any_db.session() as s:
        handoff_id = new_handoff(s)
    with pytest.raises(RuntimeError):
        with any_db.session() as s:
            assert book(s, handoff_id=handoff_id, slot=slot(9), now=NOW) is not None
            raise RuntimeError("the conversation step failed after booking")
    with any_db.session() as s:
        assert count(s, Appointment) == 0


def test_with_the_territory_a_slot_no_longer_offered_is_refused(any_db):
    data = territory_data()
    data["referents"][0]["absences"] = [{"from": "2026-12-01", "to": "2026-12-01"}]
    absent = make_territory(data)
    with any_db.session() as s:
        handoff_id = new_handoff(s)
        assert book(s, handoff_id=handoff_id, slot=slot(9), now=NOW, territory=absent) is None
        # Too soon for the notice, although in the future.
        late = paris(2026, 11, 30, 12, 0)
        assert book(s, handoff_id=handoff_id, slot=slot(9), now=late,
                    territory=make_territory()) is None
        assert book(s, handoff_id=handoff_id, slot=slot(9), now=NOW,
                    territory=make_territory()) is not None
