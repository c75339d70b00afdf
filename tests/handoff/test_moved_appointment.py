"""A moved appointment is one appointment in the figures, not a second booking."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from handoff import indicators
from storage.handoff import Appointment
from tests.helpers.app import Chat, new_user_id


def test_moving_an_appointment_counts_one_booking_and_one_move(town):
    chat = Chat(town.client, new_user_id())
    for text in ("bonjour", "oui", "5", "conseiller", "1"):
        chat.say(text)
    other = Chat(town.client, new_user_id())
    for text in ("bonjour", "oui", "5", "conseiller", "1", "déplacer", "3"):
        other.say(text)
    with town.db.session() as session:
        statuses = [a.status for a in session.scalars(select(Appointment))]
        assert sorted(statuses) == ["booked", "booked", "excused"]  # two people, one moved
        raw = indicators._raw(session, indicators.weeks_in(date(2026, 10, 1),
                                                           date(2026, 10, 31)))
    assert raw.count[("appointment_booked", "all", "")] == 2  # was 3 before the fix
    assert raw.count[("appointment_moved", "all", "")] == 1
    assert raw.count[("appointment_booked", "channel", "web")] == 2
