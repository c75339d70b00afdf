"""Which of the offered slots a resident names in words: « mercredi 13h30 à Neudorf », « The
first one, Wednesday at 9:00 », « salı 14:45 olur », « الأربعاء فالصباح », « le 2ème ».

Each thing the text says narrows the slots offered: an ordinal (its place in the menu), a
weekday, a date (« 2 décembre »), a time, a part of the day, a place. Exactly one slot left
is the one named; none or several is None, and the menu is asked again: an appointment is
never booked on a guess (« mercredi » with two Wednesday slots offered names neither).

The words are data (locales/*/words.yml: slot_days, slot_parts, slot_ordinals, slot_hours),
the conversation's language's and French's, as people mix them; times in digits (9h, 13h30,
13:30, 14.45, 2pm) and month names (Babel's CLDR data) need no table. A slot is compared on
its local day and time in the territory, never on its label's text.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence

from babel.dates import get_month_names

from bot import language
from handoff.slots import Slot
from handoff.territory import Territory

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ORDINALS = {"first": 0, "second": 1, "third": 2, "last": -1}
NOON = 12
# An hour said alone from 1 to 7 is an afternoon one (« à 2h », « 3 o'clock »): no office
# opens at night, and French says « deux heures » for 14h.
AFTERNOON_HOURS = range(1, 8)
# A place is named by one of its name's words this long or more (« Neudorf », « CCAS »),
# or by its whole name: shorter ones are « de », « du », « la »…
PLACE_WORD_LENGTH = 4

_HOUR = r"([01]?\d|2[0-3])"
_MINUTES = r"([0-5]\d)"
_AMPM = re.compile(rf"(?<![\w.,:]){_HOUR}(?:[h:.]{_MINUTES})?\s*([ap])\.?m\.?(?!\w)")
_CLOCK = re.compile(rf"(?<![\w.,:]){_HOUR}\s*(?:[h:.]\s*{_MINUTES}(?!\d)|h(?!\w))")

Reading = dict[str, set]


def named_slot(text: str, offered: Sequence[Slot], territory: Territory) -> int | None:
    """The index in OFFERED of the one slot the text names, or None (none, or several)."""
    if not offered:
        return None
    folded = language.without("greetings", language.fold(text))  # « good morning »: no time
    if _refused(folded):
        return None
    reading = read(folded, territory)
    if not reading:
        return None
    if "positions" in reading:  # « last » is -1; a third of two offered names none
        count = len(offered)
        reading["positions"] = {p % count for p in reading["positions"] if -count <= p < count}
    left = [i for i, slot in enumerate(offered) if _fits(reading, i, slot, territory)]
    return left[0] if len(left) == 1 else None


def read(folded: str, territory: Territory) -> Reading:
    """What the folded text says of a slot: {"dates", "positions", "days", "times", "parts",
    "places"}, each a set of what it names (only those said)."""
    reading: Reading = {}
    folded, dates = _take(_date_pattern(language.current()), folded,
                          lambda m: (int(m.group(1)), _month(m.group(2))))
    folded, times = _take_times(folded)
    for key, found in (("dates", dates), ("times", times),
                       ("positions", {ORDINALS[o] for o in _said("slot_ordinals", folded)}),
                       ("days", {DAYS.index(d) for d in _said("slot_days", folded)}),
                       ("parts", _said("slot_parts", folded)),
                       ("places", _places(folded, territory))):
        if found:
            reading[key] = found
    return reading


def _fits(reading: Reading, index: int, slot: Slot, territory: Territory) -> bool:
    """Whether the slot at INDEX in the menu is what every thing said names."""
    local = slot.start.astimezone(territory.timezone)
    its = {"positions": index, "dates": (local.day, local.month), "days": local.weekday(),
           "times": (local.hour, local.minute),
           "parts": "morning" if local.hour < NOON else "afternoon", "places": slot.place_id}
    return all(its[key] in values for key, values in reading.items())


def _refused(folded: str) -> bool:
    """A denied or refused word (« pas mercredi », « salı olmaz », « not the first »), or
    other dates asked for (« another date in the morning »): the text may name a slot it
    does not want, so it names none."""
    _, denied = language.split_negated(folded)
    return bool(denied) or any(
        language.says(folded, language.words(table, code), code)
        for code in dict.fromkeys((language.current(), language.SOURCE))
        for table in ("no", "more", "move"))


def _said(table: str, folded: str) -> set[str]:
    """The categories of a word table the text says (the language's words and French's; at
    one place the longest phrase: « cumartesi » is no « cuma »)."""
    return {name for name, _ in language.segments(table, folded, first="")} - {""}


def _take(pattern: re.Pattern, folded: str, value: Callable) -> tuple[str, set]:
    """The text less PATTERN's matches, and their values (what was read is not read twice:
    the « 1er » of « 1er décembre » is no ordinal)."""
    found = {value(m) for m in pattern.finditer(folded)}
    return pattern.sub(" ", folded), found


def _take_times(folded: str) -> tuple[str, set[tuple[int, int]]]:
    """Times in the text as (hour, minute): 2pm, 13h30, 13:30, 14.45, 9h, « 9 heures »."""
    def clock(hour: str, minutes: str | None) -> tuple[int, int]:
        value = int(hour)
        return (value + NOON if value in AFTERNOON_HOURS else value), int(minutes or 0)

    def ampm(m: re.Match) -> tuple[int, int]:
        return int(m.group(1)) % NOON + (NOON if m.group(3) == "p" else 0), int(m.group(2) or 0)

    folded, times = _take(_AMPM, folded, ampm)
    for pattern in (_CLOCK, *_hour_patterns(language.current())):
        folded, found = _take(pattern, folded, lambda m: clock(m.group(1), m.group(2)))
        times |= found
    return folded, times


@functools.cache
def _hour_patterns(code: str) -> list[re.Pattern]:
    """The `slot_hours` phrases of the language and French as patterns: « # heures # » ->
    hour and minutes; the language's attached prefixes allowed (« فالساعه 9 »)."""
    patterns = []
    for name in dict.fromkeys((code, language.SOURCE)):
        phrases = language.words("slot_hours", name) or []
        prefixes = "|".join(re.escape(language.fold(p))
                            for p in language.setting("prefixes", name) or [])
        for phrase in sorted(phrases, key=len, reverse=True):
            body = re.escape(phrase).replace(r"\#", _HOUR, 1).replace(r"\#", _MINUTES, 1)
            if phrase.count("#") < 2:
                body += "()"  # no minutes said: an empty group, read as 0
            start = f"(?:{prefixes})?" if prefixes else ""
            patterns.append(re.compile(rf"(?<!\w){start}{body}(?!\w)"))
    return patterns


@functools.cache
def _months(code: str) -> dict[str, int]:
    """Month names and abbreviations, folded, of the language and French (CLDR's)."""
    names: dict[str, int] = {}
    for name in dict.fromkeys((code, language.SOURCE)):
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, month in get_month_names(width, context, locale=name).items():
                    names.setdefault(language.fold(month).strip("."), number)
    return names


@functools.cache
def _date_pattern(code: str) -> re.Pattern:
    """« 2 décembre », « 1er déc. », « 2 Dec », « 2 Aralık », « 2 ديسمبر »."""
    names = "|".join(re.escape(m) for m in sorted(_months(code), key=len, reverse=True))
    # Turkish and Arabic attach endings to a month (« Aralıkta »): any word that starts so.
    return re.compile(rf"(?<![\w.,:])(\d{{1,2}})(?:er|st|nd|rd|th)?\s*(?:de\s+)?({names})\w*\.?")


def _month(name: str) -> int:
    months = _months(language.current())
    return months.get(name, 0)


def _places(folded: str, territory: Territory) -> set[str]:
    """The territory's places whose name the text says, whole or by one of its longer words."""
    said = set(re.findall(r"\w+", folded))
    found = set()
    for place_id, place in territory.places.items():
        name = language.fold(place.name)
        words = {w for w in re.findall(r"\w+", name) if len(w) >= PLACE_WORD_LENGTH}
        if words & said or re.search(rf"(?<!\w){re.escape(name)}(?!\w)", folded):
            found.add(place_id)
    return found
