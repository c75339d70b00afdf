"""Free appointment slots, computed from the territory and the bookings, never stored.

As in rdv-service-public's creneaux calculator: for each referent and place, the weekly
availability (here intersected with the place's opening hours), minus holidays, absences
(the territory file's and the console's) and existing bookings, is cut into slots of the
reason's duration from the start of each free stretch, and slots starting before the minimum
notice are dropped. Every start is on the GRID_MINUTES grid, which the no-overlap guarantee
of the database relies on (storage/handoff.py).

Local days and hours are in the territory's time zone; every datetime handed out is aware
and in UTC, which is what the database stores.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.territory import GRID_MINUTES, Territory, TimeRange
from storage.handoff import OCCUPYING, Appointment
from storage.records import ReferentAbsence

GRID = timedelta(minutes=GRID_MINUTES)
NOON = time(12, 0)

Interval = tuple[datetime, datetime]


@dataclass(frozen=True, order=True)
class Slot:
    start: datetime  # aware, UTC
    end: datetime
    referent_id: str
    place_id: str
    reason_id: str

    @classmethod
    def of(cls, appointment: Appointment) -> Slot:
        """The booked appointment's time, place and referent (for display, calendar)."""
        return cls(appointment.starts_at, appointment.ends_at, appointment.referent_id,
                   appointment.place_id, appointment.reason_id)


@dataclass(frozen=True)
class Offer:
    """Slots to propose at once, and where the next offer (« autres dates ») starts."""

    slots: tuple[Slot, ...]
    more_after: datetime | None  # pass as `after=` for the next offer; None: nothing later


def free_slots(
    session: Session,
    territory: Territory,
    reason_id: str,
    now: datetime,
    limit: int | None = None,
    place_id: str | None = None,
) -> list[Slot]:
    """Every bookable slot for the reason, soonest first (ties: referent, then place)."""
    _check_aware(now)
    reason = territory.reason(reason_id)
    tz = territory.timezone
    notice = reason.min_notice if reason.min_notice is not None else territory.min_notice
    earliest = now + notice
    first_day = now.astimezone(tz).date()
    last_day = first_day + timedelta(days=territory.horizon_days)
    window_end = _local(last_day + timedelta(days=1), time(0), tz)

    referents = [
        r for r in territory.referents.values()
        if reason.referents is None or r.id in reason.referents
    ]
    busy = _busy(session, [r.id for r in referents], now, window_end)
    away = _absent_days(session, [r.id for r in referents], first_day, last_day)

    slots: list[Slot] = []
    for referent in referents:
        for pid, week in referent.availability.items():
            if place_id is not None and pid != place_id:
                continue
            place = territory.places[pid]
            day = first_day
            while day <= last_day:
                if (not territory.is_holiday(day) and not referent.absent_on(day)
                        and (referent.id, day) not in away):
                    ranges = _intersect(week.get(day.weekday(), ()),
                                        place.opening_hours.get(day.weekday(), ()))
                    for start, end in ranges:
                        stretch = (_local(day, start, tz), _local(day, end, tz))
                        if stretch[1] <= earliest:
                            continue
                        for free in _subtract(stretch, busy.get(referent.id, [])):
                            # Cut from the stretch's start, then drop what is too soon: the
                            # slots keep the rhythm of the day (10h30, not 10h15).
                            slots += [s for s in _cut(free, reason.duration, referent.id,
                                                      pid, reason.id) if s.start >= earliest]
                day += timedelta(days=1)
    slots.sort()
    return slots[:limit] if limit is not None else slots


def first_slot(
    session: Session,
    territory: Territory,
    reason_id: str,
    now: datetime,
    place_id: str | None = None,
) -> Slot | None:
    """The soonest bookable slot, or None when the horizon is full."""
    found = free_slots(session, territory, reason_id, now, limit=1, place_id=place_id)
    return found[0] if found else None


def offer(
    session: Session,
    territory: Territory,
    reason_id: str,
    now: datetime,
    count: int = 3,
    after: datetime | None = None,
    place_id: str | None = None,
) -> Offer:
    """Up to `count` slots spread over different half-days, soonest first.

    Three 30-minute slots of the same morning are no choice for someone who works that
    morning: take the first slot of each half-day, and only when there are too few
    half-days, fill with other slots. `Offer.more_after` passed back as `after` gives the
    next ones (slots starting at or after it).
    """
    candidates = free_slots(session, territory, reason_id, now, place_id=place_id)
    if after is not None:
        _check_aware(after)
        candidates = [s for s in candidates if s.start >= after]
    chosen: list[Slot] = []
    seen_half_days = set()
    for slot in candidates:
        key = _half_day(slot.start, territory)
        if key not in seen_half_days:
            seen_half_days.add(key)
            chosen.append(slot)
            if len(chosen) == count:
                break
    if len(chosen) < count:
        taken = {(s.start, s.place_id) for s in chosen}
        for slot in candidates:
            if len(chosen) == count:
                break
            if (slot.start, slot.place_id) not in taken:
                taken.add((slot.start, slot.place_id))
                chosen.append(slot)
    chosen.sort()
    more_after = None
    if chosen:
        boundary = _half_day_end(max(s.start for s in chosen), territory)
        if any(s.start >= boundary for s in candidates):
            more_after = boundary
    return Offer(tuple(chosen), more_after)


def _absent_days(session: Session, referent_ids: list[str], first: date, last: date
                 ) -> set[tuple[str, date]]:
    """(referent, day) pairs of the absences added in the console (the file has others)."""
    rows = session.execute(
        select(ReferentAbsence.referent_id, ReferentAbsence.starts_on, ReferentAbsence.ends_on)
        .where(ReferentAbsence.referent_id.in_(referent_ids))
        .where(ReferentAbsence.ends_on >= first, ReferentAbsence.starts_on <= last)
    )
    days = set()
    for referent_id, start, end in rows:
        day = max(start, first)
        while day <= min(end, last):
            days.add((referent_id, day))
            day += timedelta(days=1)
    return days


def _busy(session: Session, referent_ids: list[str], start: datetime, end: datetime
          ) -> dict[str, list[Interval]]:
    rows = session.execute(
        select(Appointment.referent_id, Appointment.starts_at, Appointment.ends_at)
        .where(Appointment.referent_id.in_(referent_ids))
        .where(Appointment.status.in_(OCCUPYING))
        .where(Appointment.ends_at > start, Appointment.starts_at < end)
        .order_by(Appointment.starts_at)
    )
    busy: dict[str, list[Interval]] = {}
    for referent_id, s, e in rows:
        busy.setdefault(referent_id, []).append((s, e))
    return busy


def _intersect(a: tuple[TimeRange, ...], b: tuple[TimeRange, ...]) -> list[tuple[int, int]]:
    """Overlaps of two lists of daily ranges, in minutes after local midnight."""
    out = []
    for x in a:
        for y in b:
            lo = max(x.start_minutes, y.start_minutes)
            hi = min(x.end_minutes, y.end_minutes)
            if lo < hi:
                out.append((lo, hi))
    return sorted(out)


def _subtract(stretch: Interval, busy: list[Interval]) -> list[Interval]:
    free = [stretch]
    for b_start, b_end in busy:
        nxt = []
        for f_start, f_end in free:
            if b_end <= f_start or b_start >= f_end:
                nxt.append((f_start, f_end))
                continue
            if f_start < b_start:
                nxt.append((f_start, b_start))
            if b_end < f_end:
                nxt.append((b_end, f_end))
        free = nxt
    return [(s, e) for s, e in free if s < e]


def _cut(free: Interval, duration: timedelta, referent_id: str, place_id: str, reason_id: str
         ) -> list[Slot]:
    start, end = _ceil_to_grid(free[0]), free[1]
    out = []
    while start + duration <= end:
        out.append(Slot(start, start + duration, referent_id, place_id, reason_id))
        start += duration
    return out


def _local(day: date, at: time | int, tz) -> datetime:
    """A local wall-clock time (or minutes after local midnight) as an aware UTC datetime."""
    if isinstance(at, int):
        # Aware arithmetic in one zone is wall-clock arithmetic: 9h is 9h after a DST change.
        wall = datetime.combine(day, time(0), tzinfo=tz) + timedelta(minutes=at)
    else:
        wall = datetime.combine(day, at, tzinfo=tz)
    return wall.astimezone(UTC)


def _ceil_to_grid(moment: datetime) -> datetime:
    # The grid counts from the Unix epoch; GRID_MINUTES divides an hour, and Paris is a
    # whole number of hours from UTC, so it is also the local quarter-hour grid.
    step = GRID.total_seconds()
    seconds = math.ceil(moment.timestamp() / step) * step
    return datetime.fromtimestamp(seconds, tz=UTC)


def on_grid(moment: datetime) -> bool:
    return moment.timestamp() % GRID.total_seconds() == 0


def _half_day(moment: datetime, territory: Territory) -> tuple[date, bool]:
    local = moment.astimezone(territory.timezone)
    return local.date(), local.time() >= NOON


def _half_day_end(moment: datetime, territory: Territory) -> datetime:
    day, afternoon = _half_day(moment, territory)
    if afternoon:
        return _local(day + timedelta(days=1), time(0), territory.timezone)
    return _local(day, NOON, territory.timezone)


def _check_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: pass an aware datetime")
