"""Short French display parts of a slot; the sentences around them live in bot/messages.py."""

from __future__ import annotations

from handoff.ics import short_map_link
from handoff.slots import Slot
from handoff.territory import Territory

DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


def describe_slot(slot: Slot, territory: Territory) -> dict[str, str]:
    """{"day": "mardi 1er décembre", "time": "9h30", "place", "address", "referent", "map"}."""
    local = slot.start.astimezone(territory.timezone)
    place = territory.places[slot.place_id]
    referent = territory.referents[slot.referent_id]
    return {
        "day": format_day(local),
        "time": format_time(local),
        "end": format_time(slot.end.astimezone(territory.timezone)),
        "place": place.name,
        "address": place.address,
        "referent": referent.first_name,
        "map": short_map_link(place) or "",
    }


def format_day(local) -> str:
    day = "1er" if local.day == 1 else str(local.day)
    return f"{DAYS[local.weekday()]} {day} {MONTHS[local.month - 1]}"


def format_time(local) -> str:
    return f"{local.hour}h{local.minute:02d}" if local.minute else f"{local.hour}h"
