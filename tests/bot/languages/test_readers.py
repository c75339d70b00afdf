"""Answers read in each language from its word tables (locales/<code>/words.yml): digits of
every script, numbers in words, yes and no, households, homes, moments, « nothing »; and a
first message's language guessed only when it is clear."""

from __future__ import annotations

import pytest

from bench import conversation_eval as ev
from bot import answers, detect, language, parsing
from nlu.fallback import is_urgent

READ = [
    # (language, reader, text, expected)
    ("ar", parsing.parse_number, "٣٤", 34),
    ("ar", parsing.parse_number, "۳۴", 34),  # Persian digits
    ("ar", answers.age, "عمري ٣٤ سنة", 34),
    ("ar", answers.age, "أربعة وثلاثون", 34),
    ("ar", answers.amount, "ألف ومئتان", 1200),
    ("ar", answers.amount, "ثمانمائة", 800),
    ("ar", answers.amount, "والو", 0),
    ("ar", answers.postcode, "٦٧١٠٠", "67100"),
    ("ar", answers.children_ages, "٦ و ٩ و ١٣", [6, 9, 13]),
    ("ar", answers.yes_no, "نعم", True),
    ("ar", answers.yes_no, "واخا", True),
    ("ar", answers.yes_no, "لا", False),
    ("ar", answers.household, "أنا مطلقة وعندي ثلاثة أولاد", "single_with_children"),
    ("ar", answers.household, "متزوج وعندي أولاد", "couple_with_children"),
    ("ar", answers.housing, "ساكنة عند أختي", "hosted"),
    ("ar", answers.housing, "نكري شقة", "tenant"),
    ("ar", answers.moment, "أنا حامل", "child"),
    ("ar", answers.moment, "متقاعد", "senior"),
    ("tr", answers.age, "otuz dört yaşındayım", 34),
    ("tr", answers.amount, "bin iki yüz elli", 1250),
    ("tr", answers.amount, "hiçbir şey", 0),
    ("tr", answers.yes_no, "evet", True),
    ("tr", answers.yes_no, "hayır", False),
    ("tr", answers.household, "çocuklarımla yalnız yaşıyorum", "single_with_children"),
    ("tr", answers.household, "evliyim, çocuğum yok", "couple"),
    ("tr", answers.housing, "kiracıyım", "tenant"),
    ("tr", answers.housing, "annemin yanında kalıyorum", "hosted"),
    ("tr", answers.moment, "hamileyim", "child"),
    ("tr", answers.moment, "emekliyim", "senior"),
    ("tr", answers.disability, "engelim yok", False),
    ("tr", answers.couple_incomes, "yok ve 1400", (0.0, 1400.0)),
    ("en", answers.age, "thirty four", 34),
    ("en", answers.amount, "1,200", 1200),
    ("en", answers.amount, "twelve hundred", 1200),
    ("en", answers.amount, "nothing", 0),
    ("en", answers.yes_no, "yeah", True),
    ("en", answers.yes_no, "nope", False),
    ("en", answers.household, "I live alone with my two kids", "single_with_children"),
    ("en", answers.household, "married, no kids yet", "couple"),
    ("en", answers.housing, "I live with my parents", "hosted"),
    ("en", answers.housing, "council flat", "social_tenant"),
    ("en", answers.moment, "I am pregnant", "child"),
    ("en", answers.moment, "retired", "senior"),
    ("en", answers.disability, "no disability", False),
    ("en", answers.couple_incomes, "nothing and 1400", (0.0, 1400.0)),
    # What the residents of the evaluation wrote that was not read before.
    ("en", answers.housing, "I live with my host family", "hosted"),
    ("en", answers.amount, "nothin", 0),
    ("en", answers.amount, "my wife doesn't work", 0),
    ("tr", answers.housing, "annemlerde kaliyorum", "hosted"),
    ("tr", answers.amount, "eşim çalışmıyor", 0),
    ("ar", answers.housing, "عند ولدي", "hosted"),
    ("ar", answers.housing, "ساكن عند عمي", "hosted"),
    ("ar", answers.household, "متزوجة وعندي طفل", "couple_with_children"),
    ("ar", answers.household, "مطلقة وعندي طفل", "single_with_children"),
    ("ar", answers.couple_incomes, "ما كنخدمش و زوجتي ما عندهاش دخل", (0.0, 0.0)),
]


@pytest.mark.parametrize("code, reader, text, expected", READ,
                         ids=[f"{c}-{r.__name__}-{t}" for c, r, t, _ in READ])
def test_answers_are_read_in_the_conversations_language(code, reader, text, expected):
    with language.use(code):
        assert reader(text) == expected


@pytest.mark.parametrize("reader, text", [
    (answers.age, "otuz dört yaşındayım"), (answers.household, "çocuklarımla yalnız yaşıyorum"),
    (answers.housing, "نكري شقة"), (answers.moment, "hamileyim"), (answers.amount, "والو")])
def test_a_french_conversation_does_not_read_other_languages_words(reader, text):
    assert reader(text) is None  # the tables are what reads them


def test_a_french_conversation_reads_french_as_before():
    # « on » is ten in Turkish and « bir » one: only a Turkish conversation reads them so.
    assert parsing.numbers_in("on paye 500") == [500.0]
    assert answers.amount("1,5") == 1.5
    with language.use("tr"):
        assert parsing.numbers_in("on paye 500") == [10.0, 500.0]
    assert parsing.command_in("SUPPRIMER") == "erase"


@pytest.mark.parametrize("word", ["LANGUE", "Language", "DİL", "DIL", "اللغة"])
def test_the_language_command_is_read_in_every_conversation(word):
    for code in language.available():
        with language.use(code):
            assert parsing.command_in(word) == "language"


@pytest.mark.parametrize("code, word, command", [
    ("en", "ADVISOR", "human"), ("en", "delete", "erase"), ("tr", "DANIŞMAN", "human"),
    ("tr", "SİL", "erase"), ("tr", "geri", "back"), ("ar", "مستشار", "human"),
    ("ar", "احذف", "erase"), ("ar", "رجوع", "back")])
def test_the_commands_the_translations_name_are_read(code, word, command):
    with language.use(code):
        assert parsing.command_in(word) == command


def test_no_french_message_of_the_evaluation_is_taken_for_another_language():
    said = []
    for persona in ev.load_personas():
        if persona.language == "fr":
            said += [persona.first_message] + [v for v in persona.says.values()
                                               if isinstance(v, str)]
    assert len(said) > 500
    assert [t for t in said if detect.guess(t) not in (None, "fr")] == []


@pytest.mark.parametrize("text, code", [
    ("Hello, I am a single mum with two children", "en"),
    ("Merhaba, iki çocuğumu yalnız büyütüyorum", "tr"),
    ("merhaba cocugumu yalniz buyutuyorum yardim lazim", "tr"),
    ("السلام عليكم", "ar"),
    ("hello", None), ("ok", None), ("67100", None), ("slt jai 23 ans", None),
])
def test_a_first_messages_language_is_guessed_only_when_clear(text, code):
    assert detect.guess(text) == code


@pytest.mark.parametrize("text", [
    "My husband hits me", "I want to kill myself", "we are sleeping in the car tonight",
    "Kocam beni dövüyor", "Sokakta kaldım", "intihar etmek istiyorum",
    "زوجي يضربني", "أريد أن أموت", "ننعس في الزنقة"])
def test_danger_words_are_caught_in_every_language(text):
    assert is_urgent(text)


@pytest.mark.parametrize("text", ["I live in a flat", "merhaba", "مرحبا", "Zengin değilim"])
def test_ordinary_words_in_other_languages_are_not_urgent(text):
    assert not is_urgent(text)


@pytest.mark.parametrize("text, code", [("english please", "en"), ("Türkçe lütfen", "tr"),
                                        ("العربية من فضلك", "ar"), ("francais svp", "fr"),
                                        ("English", "en")])
def test_a_languages_name_is_read_with_a_word_of_politeness(text, code):
    from bot.dialogue import languages

    assert languages.named(text) == code


@pytest.mark.parametrize("text", ["please", "je parle anglais et arabe", "merci"])
def test_politeness_alone_or_a_sentence_names_no_language(text):
    from bot.dialogue import languages

    assert languages.named(text) is None
