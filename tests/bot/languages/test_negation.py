"""What a negation denies does not count (issue 25): « ماشي وحدي » (not alone) was read as
« alone », « not married » as married. Each language's `negation` words (locales/*/words.yml),
French's read in every conversation."""

from __future__ import annotations

import pytest

from bot import answers, language


@pytest.mark.parametrize("code, text, household", [
    ("fr", "je suis pas seule, mon mari est la", "couple"),
    ("fr", "pas mariee mais pas toute seule", "couple"),
    ("fr", "seul, pas d'enfants", "single"),
    ("fr", "seule avec mes 2 enfants", "single_with_children"),
    ("en", "not alone, my husband is with me", "couple"),
    ("en", "not married but I'm not on my own", "couple"),
    ("en", "i'm not married, I live with my parents", None),  # asked again, never a couple
    ("tr", "yalnız değilim, eşimle yaşıyorum", "couple"),
    ("tr", "evli değilim, yalnızım", "single"),
    ("ar", "ماشي وحدي، راجلي معايا", "couple"),
    ("ar", "لست متزوجة", None),
])
def test_a_denied_household_word_does_not_count(code, text, household):
    with language.use(code):
        assert answers.household(text) == household


@pytest.mark.parametrize("code, text, kept, denied", [
    ("fr", "je suis pas toute seule, et toi", "je suis , et toi", ["toute seule"]),
    ("en", "not married but not on my own", "but", ["married", "on my own"]),
    ("tr", "evli degilim ama yalnizim", "ama yalnizim", ["evli"]),
    ("ar", "ماشي وحدي، راجلي معايا", ", راجلي معايا", ["وحدي"]),  # the Arabic comma folded
])
def test_a_negation_reaches_a_few_words_up_to_a_comma_or_a_but(code, text, kept, denied):
    assert language.split_negated(language.fold(text), code) == (kept, denied)


@pytest.mark.parametrize("code, text, housing", [
    ("ar", "كنكري عند واحد، ماشي سكن اجتماعي", "tenant"),
    ("tr", "kiracıyım, sosyal konut değil", "tenant"),
    ("fr", "pas en HLM", None),  # denied alone: asked again
    ("en", "I don't pay rent", "hosted"),  # the denial is the answer
    ("en", "no rent, I live at my parents'", "hosted"),
])
def test_a_denied_housing_word_does_not_count_unless_the_denial_is_the_answer(code, text,
                                                                               housing):
    with language.use(code):
        assert answers.housing(text) == housing
