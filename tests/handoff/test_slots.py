"""Free slots: opening hours, absences, bookings, notice, horizon, holidays, duration, DST."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from handoff.booking import book
from handoff.slots import Slot, first_slot, free_slots, offer
from handoff.territory import load_territory
from tests.helpers.handoff import PARIS, make_territory, new_handoff, paris, territory_data

# Monday 30 November 2026, 8:00 in Strasbourg: with 24 h notice, Tuesday is the first day.
NOW = paris(2026, 11, 30, 8, 0)
TUESDAY = date(2026, 12, 1)


def local_times(slots, day=None):
    out = []
    for s in slots:
        local = s.start.astimezone(PARIS)
        if day is None or local.date() == day:
            out.append(local.strftime("%H:%M"))
    return out


def days(slots):
    return sorted({s.start.astimezone(PARIS).date() for s in slots})


def test_slots_lie_inside_both_availability_and_opening_hours(sqlite_db, territory):
    with sqlite_db.session() as s:
        slots = free_slots(s, territory, "general", NOW)
    # Amina is free 8:00-12:30, the place opens 9:00-12:00: 9:00 to 11:30, every 30 minutes.
    assert local_times(slots, TUESDAY) == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    assert all(s.end - s.start == timedelta(minutes=30) for s in slots)
    assert all(s.start.tzinfo is not None and s.start.utcoffset() == timedelta(0) for s in slots)
    assert {(s.referent_id, s.place_id, s.reason_id) for s in slots} == {("amina", "fs", "general")}


def test_slots_are_cut_by_the_reason_duration(sqlite_db, territory):
    with sqlite_db.session() as s:
        assert local_times(free_slots(s, territory, "rsa", NOW), TUESDAY) == [
            "09:00", "10:00", "11:00"]
        assert local_times(free_slots(s, territory, "long", NOW), TUESDAY) == ["09:00", "10:30"]
        assert local_times(free_slots(s, territory, "birth", NOW), TUESDAY) == [
            "09:00", "09:45", "10:30", "11:15"]


def test_slots_are_ordered_limited_and_filtered_by_place(sqlite_db):
    data = territory_data()
    data["referents"].append({"id": "bruno", "first_name": "Bruno",
                              "availability": {"ccas": {"tuesday": ["08:00-11:00"]}}})
    territory = make_territory(data)
    with sqlite_db.session() as s:
        slots = free_slots(s, territory, "general", NOW)
        assert slots == sorted(slots, key=lambda x: (x.start, x.referent_id, x.place_id))
        tuesday_9 = [x for x in slots if x.start == paris(2026, 12, 1, 9, 0)]
        assert {(x.referent_id, x.place_id) for x in tuesday_9} == {("amina", "fs"),
                                                                    ("bruno", "ccas")}
        assert len(free_slots(s, territory, "general", NOW, limit=4)) == 4
        ccas = free_slots(s, territory, "general", NOW, place_id="ccas")
        assert {x.place_id for x in ccas} == {"ccas"}
        assert local_times(ccas, TUESDAY) == ["09:00", "09:30", "10:00", "10:30"]
        assert first_slot(s, territory, "general", NOW) == slots[0]


def test_a_reason_can_be_limited_to_some_referents(sqlite_db):
    data = territory_data()
    data["referents"].append({"id": "bruno", "first_name": "Bruno",
                              "availability": {"ccas": {"tuesday": ["09:00-11:00"]}}})
    data["reasons"][1]["referents"] = ["bruno"]
    territory = make_territory(data)
    with sqlite_db.session() as s:
        assert {x.referent_id for x in free_slots(s, territory, "rsa", NOW)} == {"bruno"}


def test_absences_remove_whole_days(sqlite_db):
    data = territory_data()
    data["referents"][0]["absences"] = [{"from": "2026-12-01", "to": "2026-12-02"}]
    territory = make_territory(data)
    with sqlite_db.session() as s:
        found = days(free_slots(s, territory, "general", NOW))
    assert date(2026, 12, 1) not in found and date(2026, 12, 2) not in found
    assert date(2026, 12, 3) in found


def test_existing_bookings_are_removed(any_db, territory):
    with any_db.session() as s:
        handoff_id = new_handoff(s)
        taken = Slot(paris(2026, 12, 1, 9, 30), paris(2026, 12, 1, 10, 0), "amina", "fs",
                     "general")
        assert book(s, handoff_id=handoff_id, slot=taken, now=NOW) is not None
    with any_db.session() as s:
        assert local_times(free_slots(s, territory, "general", NOW), TUESDAY) == [
            "09:00", "10:00", "10:30", "11:00", "11:30"]
        # An hour no longer fits before the booking; after it, the hours start at 10:00.
        assert local_times(free_slots(s, territory, "rsa", NOW), TUESDAY) == ["10:00", "11:00"]


def test_minimum_notice(sqlite_db, territory):
    with sqlite_db.session() as s:
        now = paris(2026, 11, 30, 10, 10)
        slots = free_slots(s, territory, "general", now)
        # 24 hours later is Tuesday 10:10: the next slot in the day's rhythm is 10:30.
        assert slots[0].start == paris(2026, 12, 1, 10, 30)
        # The urgent reason has 2 hours' notice: the same morning.
        urgent = free_slots(s, territory, "urgent", paris(2026, 11, 30, 8, 10))
        assert urgent[0].start == paris(2026, 11, 30, 10, 30)


def test_horizon(sqlite_db):
    territory = make_territory(horizon_days=3)
    with sqlite_db.session() as s:
        found = days(free_slots(s, territory, "general", NOW))
    # Today + 3 days: Monday (too soon), Tuesday, Wednesday, Thursday.
    assert found == [date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3)]


@pytest.mark.parametrize("holiday, working_day", [
    (date(2027, 3, 26), date(2027, 3, 25)),  # Vendredi saint (Alsace-Moselle only)
    (date(2026, 12, 26), date(2027, 1, 2)),  # Saint-Étienne (Alsace-Moselle), a Saturday
    (date(2026, 12, 25), date(2026, 12, 24)),  # Noël, everywhere
    (date(2027, 3, 29), date(2027, 3, 30)),  # Lundi de Pâques
])
def test_public_holidays_of_alsace_are_excluded(sqlite_db, territory, holiday, working_day):
    with sqlite_db.session() as s:
        found = days(free_slots(s, territory, "general",
                                datetime.combine(holiday - timedelta(days=5), time(8), PARIS)))
    assert holiday not in found
    assert working_day in found


def test_good_friday_is_a_working_day_outside_alsace_moselle(sqlite_db):
    data = territory_data()
    data["settings"]["holidays"] = {"country": "FR"}
    territory = make_territory(data)
    with sqlite_db.session() as s:
        found = days(free_slots(s, territory, "general", paris(2027, 3, 23, 8, 0)))
    assert date(2027, 3, 26) in found


def test_local_times_hold_across_the_dst_change(sqlite_db, territory):
    with sqlite_db.session() as s:
        slots = free_slots(s, territory, "rsa", paris(2027, 3, 24, 8, 0))
    by_day = {}
    for slot in slots:
        by_day.setdefault(slot.start.astimezone(PARIS).date(), []).append(slot)
    # Thursday before the change (CET, UTC+1) and Tuesday after it (CEST, UTC+2): the same
    # 9:00 local, an hour apart in UTC. Friday 26 and Monday 29 are holidays; 28 a Sunday.
    thursday, saturday = by_day[date(2027, 3, 25)][0], by_day[date(2027, 3, 27)][0]
    tuesday = by_day[date(2027, 3, 30)][0]
    assert thursday.start == datetime(2027, 3, 25, 8, 0, tzinfo=UTC)
    assert saturday.start == datetime(2027, 3, 27, 8, 0, tzinfo=UTC)
    assert tuesday.start == datetime(2027, 3, 30, 7, 0, tzinfo=UTC)
    assert {d for d in by_day} >= {date(2027, 3, 25), date(2027, 3, 27), date(2027, 3, 30)}
    assert not {date(2027, 3, 26), date(2027, 3, 28), date(2027, 3, 29)} & set(by_day)
    assert all(local_times(v) == ["09:00", "10:00", "11:00"] for v in by_day.values())


def test_naive_now_is_refused(sqlite_db, territory):
    with sqlite_db.session() as s, pytest.raises(ValueError, match="naive"):
        free_slots(s, territory, "general", datetime(2026, 11, 30, 8, 0))
    with sqlite_db.session() as s, pytest.raises(KeyError, match="nope"):
        free_slots(s, territory, "nope", NOW)


def test_offer_spreads_over_half_days_and_pages_on(sqlite_db):
    data = territory_data()
    data["referents"][0]["availability"]["fs"] = {
        d: ["09:00-12:00", "13:30-17:00"] for d in ("tuesday", "wednesday", "thursday")}
    territory = make_territory(data)
    with sqlite_db.session() as s:
        first = offer(s, territory, "general", NOW)
        assert [(x.start.astimezone(PARIS).strftime("%a %H:%M")) for x in first.slots] == [
            "Tue 09:00", "Tue 13:30", "Wed 09:00"]
        second = offer(s, territory, "general", NOW, after=first.more_after)
        assert [(x.start.astimezone(PARIS).strftime("%a %H:%M")) for x in second.slots] == [
            "Wed 13:30", "Thu 09:00", "Thu 13:30"]
        assert not set(first.slots) & set(second.slots)


def test_offer_fills_from_one_half_day_when_that_is_all_there_is(sqlite_db):
    territory = make_territory(horizon_days=1)
    with sqlite_db.session() as s:
        only = offer(s, territory, "general", NOW)
    assert local_times(only.slots) == ["09:00", "09:30", "10:00"]
    assert only.more_after is None


def test_offer_when_nothing_is_free(sqlite_db):
    data = territory_data()
    data["referents"][0]["absences"] = [{"from": "2026-11-01", "to": "2027-01-31"}]
    with sqlite_db.session() as s:
        nothing = offer(s, make_territory(data), "general", NOW)
    assert nothing.slots == () and nothing.more_after is None


def test_the_demo_territory_offers_slots_for_every_reason(sqlite_db):
    demo = load_territory()
    with sqlite_db.session() as s:
        for reason_id, reason in demo.reasons.items():
            proposal = offer(s, demo, reason_id, NOW)
            assert len(proposal.slots) == 3, reason_id
            if reason.referents:
                assert {x.referent_id for x in free_slots(s, demo, reason_id, NOW)} <= set(
                    reason.referents)
