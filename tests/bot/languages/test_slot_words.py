"""A slot chosen in words (bot/slot_words.py), in French, English, Turkish and Arabic (with
Darija in Arabic and Latin letters): what residents wrote when they improvised, each thing
said narrowing the slots offered; ambiguous or contradictory words name none."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import language
from bot.slot_words import named_slot
from handoff.slots import Slot
from tests.helpers.handoff import make_territory, paris

TERRITORY = make_territory()  # places « France Services Neudorf » (fs) and « CCAS » (ccas)


def slot(start, place_id: str = "fs") -> Slot:
    return Slot(start=start, end=start + timedelta(minutes=30), referent_id="amina",
                place_id=place_id, reason_id="general")


# Tuesday 1 December 2026 is the day before: Wednesday twice, then Thursday at the CCAS.
WEEK = [slot(paris(2026, 12, 2, 9, 0)), slot(paris(2026, 12, 2, 13, 30)),
        slot(paris(2026, 12, 3, 10, 0), "ccas")]
# Monday morning, Tuesday 14:45, Wednesday morning.
TUESDAY = [slot(paris(2026, 12, 7, 9, 0)), slot(paris(2026, 12, 8, 14, 45)),
           slot(paris(2026, 12, 9, 9, 30), "ccas")]
# One morning, two afternoons; Friday, never Saturday.
FRIDAY = [slot(paris(2026, 12, 2, 9, 0)), slot(paris(2026, 12, 3, 14, 0)),
          slot(paris(2026, 12, 4, 14, 0))]

NAMED = [
    # (language, offered, text, index of the slot named)
    ("fr", WEEK, "mercredi 13h30 a neudorf c bien pr moi", 1),
    ("en", WEEK, "The first one, Wednesday at 9:00", 0),
    ("tr", TUESDAY, "salı 14:45 olur", 1),
    ("ar", WEEK, "الأربعاء فالصباح", 0),
    ("fr", WEEK, "le premier", 0),
    ("fr", WEEK, "le 2ème", 1),
    ("fr", WEEK, "la deuxième svp", 1),
    ("fr", WEEK, "le dernier", 2),
    ("en", WEEK, "the second", 1),
    ("en", WEEK, "the last one please", 2),
    ("tr", WEEK, "ikincisi", 1),
    ("tr", WEEK, "ilki olsun", 0),
    ("ar", WEEK, "الثاني", 1),
    ("ar", WEEK, "اللول", 0),
    ("ar", WEEK, "lowel", 0),
    ("ar", WEEK, "larb3a f sba7", 0),
    ("ar", WEEK, "lkhmis", 2),
    ("ar", WEEK, "الخميس", 2),
    ("ar", WEEK, "الأربعاء فالعشية", 1),
    ("ar", WEEK, "فالساعة 9", 0),
    ("fr", WEEK, "jeudi", 2),
    ("fr", WEEK, "à 10h", 2),
    ("fr", WEEK, "9h", 0),
    ("fr", WEEK, "9 heures", 0),
    ("fr", WEEK, "13:30", 1),
    ("fr", WEEK, "13 h 30", 1),
    ("fr", WEEK, "l'après-midi", 1),
    ("fr", FRIDAY, "le matin", 0),
    ("fr", WEEK, "au CCAS", 2),
    ("fr", WEEK, "le 3 décembre", 2),
    ("fr", WEEK, "mercredi 2 déc. à 13h30", 1),
    ("fr", FRIDAY, "jeudi à 2h", 1),  # no office opens at 2 in the night
    ("fr", TUESDAY, "14.45", 1),
    ("fr", TUESDAY, "mardi", 1),
    ("en", FRIDAY, "2pm on thursday", 1),
    ("en", WEEK, "thursday morning", 2),
    ("en", WEEK, "Good morning, the second", 1),  # a greeting is no part of the day
    ("en", WEEK, "Wednesday afternoon", 1),
    ("tr", TUESDAY, "salıya", 1),
    ("tr", WEEK, "perşembe sabah", 2),
    ("tr", WEEK, "çarşamba öğleden sonra", 1),
    ("tr", FRIDAY, "cuma", 2),
    ("tr", WEEK, "saat 10", 2),
    ("tr", WEEK, "jeudi", 2),  # French words in any conversation: the menu's source text
    ("fr", TUESDAY, "9h", 0),  # 9:00 on Monday; Wednesday's is 9:30
]


@pytest.mark.parametrize(("code", "offered", "text", "index"), NAMED)
def test_a_slot_named_in_words_is_that_slot(code, offered, text, index):
    with language.use(code):
        assert named_slot(text, offered, TERRITORY) == index


NONE = [
    # Several left: never book on a guess.
    ("fr", WEEK, "mercredi"),
    ("en", WEEK, "Wednesday"),
    ("tr", WEEK, "çarşamba"),
    ("ar", WEEK, "larb3a"),
    ("fr", WEEK, "le matin"),
    ("fr", WEEK, "à Neudorf"),  # two of the slots are there
    # None left: what was said is offered nowhere, or contradicts itself.
    ("fr", WEEK, "vendredi"),
    ("fr", WEEK, "mercredi à 10h"),
    ("en", WEEK, "the first one, Thursday"),
    ("fr", WEEK, "le 1er décembre"),  # a date, not the first slot
    ("tr", FRIDAY, "cumartesi"),  # Saturday, not Friday (« cuma »)
    ("fr", FRIDAY, "le troisième le matin"),
    ("fr", [WEEK[0]], "le deuxième"),
    # Refused or denied: the text may name a slot it does not want.
    ("fr", WEEK, "pas jeudi"),
    ("en", WEEK, "not thursday"),
    ("tr", TUESDAY, "salı olmaz"),
    ("ar", WEEK, "ماشي الخميس"),
    ("en", WEEK, "another date, thursday"),  # other dates asked for: not these
    ("fr", WEEK, "autre date jeudi"),
    # Nothing about a slot.
    ("fr", WEEK, "bonjour"),
    ("fr", WEEK, "le 2"),  # the second slot or the 2nd of the month
    ("fr", WEEK, "c'est quoi ?"),
    ("en", WEEK, ""),
]


@pytest.mark.parametrize(("code", "offered", "text"), NONE)
def test_ambiguous_contradictory_or_unrelated_words_name_no_slot(code, offered, text):
    with language.use(code):
        assert named_slot(text, offered, TERRITORY) is None


def test_nothing_offered_names_nothing():
    assert named_slot("le premier", [], TERRITORY) is None


def test_the_slots_local_time_is_compared_not_utc():
    # 9:00 in Strasbourg is 8:00 UTC in winter: « 8h » names nothing.
    with language.use("fr"):
        assert named_slot("8h", WEEK, TERRITORY) is None
        assert WEEK[0].start.astimezone(TERRITORY.timezone).hour == 9
