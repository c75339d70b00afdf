"""Misreadings the improvised residents met (issue 25), each read right now: a letter
written as a digit in Darija in Latin letters, a flat's type before its rent, a tenant « at a
landlord's » in Arabic, « راجل » (a man) at the question on sex."""

from __future__ import annotations

import pytest

from bot import answers, language, parsing


@pytest.mark.parametrize("code, text, numbers", [
    ("fr", "ta9riban 900", [900]),
    ("ar", "3andi 2 wlad", [2]),
    ("ar", "3ans", [3]),  # a unit after the digit: three years
    ("fr", "3ans et 7ans", [3, 7]),
    ("fr", "t3 480", [3, 480]),
    ("fr", "1 200", [1200]),
    ("fr", "loyer 1 050", [1050]),
])
def test_numbers_as_people_write_them(code, text, numbers):
    with language.use(code):
        assert parsing.numbers_in(text) == numbers


@pytest.mark.parametrize("text, housing", [
    ("ساكن عند مالك، الكرا 450", "tenant"),
    ("كنكري عند مول الدار", "tenant"),
    ("انا مالك الدار", "owner"),
    ("ساكنه عند اهلي", "hosted"),
])
def test_arabic_housing(text, housing):
    with language.use("ar"):
        assert answers.housing(text) == housing


@pytest.mark.parametrize("text, sex", [("راجل", "homme"), ("انا مرا", "femme")])
def test_darija_words_at_the_question_on_sex(text, sex):
    with language.use("ar"):
        assert answers.sex(text) == sex


def test_no_children_at_the_children_s_ages_corrects_the_household(chat):
    from bot import messages

    chat.say("LANGUE")
    chat.say("4")  # Türkçe
    chat.say("evet")
    chat.say("5")
    chat.say("57, 67380")
    chat.say("boşandım çocuklarım büyük")  # grown children, read as living with him
    with language.use("tr"):
        assert chat.last == messages.text("ask_children_ages")
    chat.say("yanımda çocuk yok hepsi evli kendi evlerinde ben yalnızım")
    with language.use("tr"):
        assert chat.replies[0]["text"] == messages.text(
            "corrected", facts=messages.text("fact_household_single"))
        assert chat.last == messages.text("ask_housing_rent")
    chat.say("kardeşim ali nin evinde kalıyorum kira vermiyorum")
    with language.use("tr"):
        assert chat.last == messages.text("ask_disability")


@pytest.mark.parametrize("code, text, index", [
    ("tr", "dört", 3), ("tr", "tamam bir", 0), ("fr", "trois", 2), ("en", "two", 1),
])
def test_an_option_s_number_in_words(code, text, index):
    from bot.messages import CHOICES

    with language.use(code):
        assert parsing.parse_choice(text, list(CHOICES["housing"])) == index


@pytest.mark.parametrize("code, text, value", [
    ("en", "No, I do not have any disability", False),
    ("en", "yes I have a disability", True),
    ("fr", "non je n'ai pas de handicap", False),
    ("tr", "engelli değilim", False),
])
def test_a_denied_disability_is_a_no(code, text, value):
    with language.use(code):
        assert answers.disability(text) is value


@pytest.mark.parametrize("code, text, numbers", [
    ("en", "I am five months pregnant, my son is 4", [4]),
    ("fr", "enceinte de 5 mois, mon fils a 4 ans", [4]),
    ("en", "like 12h a week get around 420", [420]),
    ("fr", "80 pour cent", []),
    ("tr", "yüzde 50", []),
])
def test_a_pregnancy_s_months_hours_and_rates_are_no_quantities(code, text, numbers):
    with language.use(code):
        assert parsing.numbers_in(text) == numbers


@pytest.mark.parametrize("text, housing", [
    ("c'est un proprio prive", "tenant"), ("mon proprio veut augmenter le loyer", "tenant"),
    ("la maison est a nous", "owner"), ("proprio", "owner"), ("je suis propriétaire", "owner"),
])
def test_a_landlord_is_not_the_person_s_own_home(text, housing):
    assert answers.housing(text) == housing


def test_no_at_the_rate_question_corrects_the_disability(client, chat):
    from bot import messages
    from tests.helpers.dialogue import drive_to

    drive_to(chat, "disability")
    chat.say("1")
    assert chat.last == messages.text("ask_disability_rate")
    chat.say("non en fait je n'ai pas de handicap")
    assert chat.replies[0]["text"] == messages.text(
        "corrected", facts=messages.text("fact_disability_no"))
