"""A time that passed or lasts is never an age, a child or an amount (issue 25): « leur père
est parti ya 2 ans » once gave a third child aged 2. The durations are each language's words
(locales/*/words.yml `durations`), French's read in every conversation."""

from __future__ import annotations

import pytest

from bot import answers, language, parsing


@pytest.mark.parametrize("code, text, ages", [
    ("fr", "3 ans et 7 ans, leur pere est parti ya 2 ans il paye rien", [3, 7]),
    ("fr", "5 et 8, il est parti il y a deux ans", [5, 8]),
    ("fr", "4 ans et 9 ans, separes depuis 3 ans", [4, 9]),
    ("en", "9 and 5, my ex left 3 years ago", [9, 5]),
    ("en", "kids are 4 and 6, on my own for 2 years", [4, 6]),
    ("tr", "8 ve 12, kocam 2 yıl önce gitti", [8, 12]),
    ("tr", "8 ve 12, kocam iki yil once gitti", [8, 12]),
    ("ar", "6 و 9، راجلي مشا هادي عامين", [6, 9]),
    ("ar", "٦ و ٩، طلقت منذ 3 سنوات", [6, 9]),
])
def test_a_duration_is_never_a_child(code, text, ages):
    with language.use(code):
        assert answers.children_ages(text) == ages


@pytest.mark.parametrize("code, text, value", [
    ("fr", "j'ai 63 ans, veuve depuis 10 ans", 63),
    ("en", "I am 52, ill for 5 years", 52),
    ("tr", "55 yaşındayım, 2 yıl önce kaza geçirdim", 55),
])
def test_a_duration_is_never_an_age(code, text, value):
    with language.use(code):
        assert answers.age(text) == value


@pytest.mark.parametrize("code, text, value", [
    ("fr", "au chomage depuis 4 mois, 1120 euros", 1120),
    ("fr", "depuis 2019 je touche 900", 900),
    ("en", "1050 of unemployment since 2025", 1050),
    ("tr", "2 yıldır işsizim, 1050 euro alıyorum", 1050),
])
def test_a_duration_is_never_an_amount(code, text, value):
    with language.use(code):
        assert answers.amount(text) == value


def test_ages_and_amounts_themselves_stay():
    assert parsing.numbers_in("mon fils a 2 ans") == [2]
    assert parsing.numbers_in("un loyer de 480 depuis 2 mois") == [480]
    with language.use("tr"):
        assert parsing.numbers_in("67100'de oturuyorum") == [67100]


def test_a_first_message_keeps_its_children_but_not_the_duration():
    facts = answers.facts_in("j'ai 31 ans, seule avec mes enfants de 3 et 7 ans, leur pere est "
                             "parti il y a 2 ans")
    assert facts["children_ages"] == [3, 7] and facts["age"] == 31


@pytest.mark.parametrize("code, text, ages", [
    ("tr", "iki oglum var 8 ve 12", [8, 12]),  # read back as « 2, 8 et 12 » (7 Dec 2026)
    ("tr", "2 çocuğum var, 5 ve 9", [5, 9]),
    ("en", "two kids, 4 and 6", [4, 6]),
    ("ar", "عندي 3 ولاد 15 و 10 و 6", [15, 10, 6]),
])
def test_a_number_of_children_is_never_an_age(code, text, ages):
    with language.use(code):
        assert answers.children_ages(text) == ages


def test_the_ages_read_back_are_joined_with_the_languages_and():
    from bot.dialogue import prompts

    with language.use("tr"):
        assert "8 ve 12" in prompts.describe_facts({"children_ages": [8, 12]})
    assert "8 et 12" in prompts.describe_facts({"children_ages": [8, 12]})
