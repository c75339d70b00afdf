"""Many people choosing the same slot at the same moment: exactly one gets it."""

import threading
from datetime import timedelta

from sqlalchemy import func, select

from handoff.booking import book
from handoff.slots import Slot
from storage.handoff import Appointment, AppointmentUnit
from tests.helpers.handoff import new_handoff, paris

NOW = paris(2026, 11, 30, 8, 0)
THREADS = 20


def race(db, slots):
    """Each thread books its slot for its own hand-off, in its own session, all at once."""
    with db.session() as s:
        handoffs = [new_handoff(s) for _ in slots]
    barrier = threading.Barrier(len(slots))
    results, errors = [None] * len(slots), []

    def attempt(i):
        try:
            barrier.wait()
            with db.session() as s:
                appointment = book(s, handoff_id=handoffs[i], slot=slots[i], now=NOW)
                results[i] = appointment.id if appointment else None
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(slots))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return results


def test_twenty_concurrent_bookings_of_one_slot_make_one_appointment(any_db):
    start = paris(2026, 12, 1, 9, 0)
    same = Slot(start, start + timedelta(minutes=30), "amina", "fs", "general")
    results = race(any_db, [same] * THREADS)
    assert sum(r is not None for r in results) == 1
    with any_db.session() as s:
        assert s.scalar(select(func.count()).select_from(Appointment)) == 1
        assert s.scalar(select(func.count()).select_from(AppointmentUnit)) == 2


def test_concurrent_overlapping_bookings_of_different_lengths_make_one(any_db):
    start = paris(2026, 12, 1, 9, 0)
    slots = []
    for i in range(THREADS):
        offset, minutes = [(0, 60), (30, 30), (15, 45), (45, 90)][i % 4]
        begin = start + timedelta(minutes=offset)
        slots.append(Slot(begin, begin + timedelta(minutes=minutes), "amina", "fs", "x"))
    results = race(any_db, slots)
    assert sum(r is not None for r in results) == 1
    with any_db.session() as s:
        assert s.scalar(select(func.count()).select_from(Appointment)) == 1
