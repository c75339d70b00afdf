"""Short display parts of a slot, in the resident's language; the sentences around them live
in bot/messages.py. French is written by hand (« mardi 1er décembre », « 9h30 »); other
languages by Babel's CLDR data, so a language added under locales/ gets its dates with no code.

Times are 24-hour (« 9:30 ») in every language: appointments are in France, and « AM »/« ص »
cost characters on SMS. Digits stay Latin in Arabic (Babel's default for « ar », the digits
people in the Maghreb write): Arabic-Indic digits cost nothing more in UCS-2 but the slot
numbers people answer with are Latin, and reading them is what bot/language.py handles anyway.
The console keeps the French (it calls these with the default locale).
"""

from __future__ import annotations

from babel.dates import format_date as babel_date
from babel.dates import format_time as babel_time

from handoff.ics import short_map_link
from handoff.slots import Slot
from handoff.territory import Territory

FRENCH = "fr"
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


def describe_slot(slot: Slot, territory: Territory, locale: str = FRENCH) -> dict[str, str]:
    """{"day": "mardi 1er décembre", "day_short", "time": "9h30", "place", "address",
    "referent", "map"}; day and times in LOCALE (a language code of locales/)."""
    local = slot.start.astimezone(territory.timezone)
    place = territory.places[slot.place_id]
    referent = territory.referents[slot.referent_id]
    return {
        "day": format_day(local, locale),
        # French is shortened by bot/messages.py (short_day) from the whole day.
        "day_short": format_day(local, locale, short=locale != FRENCH),
        "time": format_time(local, locale),
        "end": format_time(slot.end.astimezone(territory.timezone), locale),
        "place": place.name,
        "address": place.address,
        "referent": referent.first_name,
        "map": short_map_link(place) or "",
    }


def format_day(local, locale: str = FRENCH, *, short: bool = False) -> str:
    if locale != FRENCH:
        return babel_date(local, "EEE d MMM" if short else "EEEE d MMMM", locale=locale)
    day = "1er" if local.day == 1 else str(local.day)
    return f"{DAYS[local.weekday()]} {day} {MONTHS[local.month - 1]}"


def format_time(local, locale: str = FRENCH) -> str:
    if locale != FRENCH:
        return babel_time(local, "H:mm", locale=locale)
    return f"{local.hour}h{local.minute:02d}" if local.minute else f"{local.hour}h"
