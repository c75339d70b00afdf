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
