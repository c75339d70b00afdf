"""The language the person asks for (issue 25 item 5): asked in its own words it switches
(« Türkçe yazabilir misiniz? » got French twice, « turkce yazin lutfen » was stuck at the
French consent); a greeting alone in a language (« Merhaba », « Hello », « Salam ») and
Darija written in Latin letters (« 3andi 23 3am, ma khdamch », read as Turkish) are offered
it in one line. Through the chat API on a real database."""

from __future__ import annotations

import pytest

from bot import detect, language, messages
from bot.dialogue import languages


def _in(code: str, key: str, **values) -> str:
    with language.use(code):
        return messages.text(key, **values)


@pytest.mark.parametrize("text, code", [
    ("Türkçe yazabilir misiniz? Fransızcam iyi değil", "tr"),
    ("turkce yazin lutfen", "tr"),
    ("can you speak English?", "en"),
    ("بالعربية عافاك", "ar"),
    ("واش تهضر بالعربية", "ar"),
    ("vous parlez turc ?", "tr"),
    # A language named without asking for it, or with numbers (an answer), switches nothing.
    ("mon mari est turc", None),
    ("je suis en couple avec un turc", None),
    ("turc, 2 enfants", None),
])
def test_a_language_asked_for_in_words(text, code):
    assert languages.asked_for(text) == code


@pytest.mark.parametrize("text, code", [
    ("Merhaba", "tr"), ("Hello!", "en"), ("hi", "en"), ("Salam", "ar"),
    ("salam, 3andi 23 3am, ma khdamch", "ar"), ("ana 3andi 2 wlad", "ar"),
    ("Bonjour", None), ("slt", None), ("salut ça va", None),
])
def test_a_greeting_or_darija_in_latin_letters_offers_its_language(text, code):
    assert detect.offered(text) == code
    assert detect.guess(text) is None  # offered, never switched on so little


def test_darija_in_latin_letters_is_not_taken_for_turkish():
    assert detect.guess("salam, 3andi 23 3am, ma khdamch, bghit n3rf wach 3andi l7a9") is None


def test_merhaba_offers_turkish_in_one_line_and_its_name_switches(chat):
    chat.say("Merhaba")
    assert chat.replies[0]["text"] == _in("tr", "language_offer")
    assert chat.last.startswith(_in("fr", "privacy", months=12).split(" ")[0])
    chat.say("TÜRKÇE")
    assert chat.last == _in("tr", "privacy", months=12)


def test_asking_for_turkish_at_the_french_consent_switches(chat):
    chat.say("Bonjour")
    chat.say("turkce yazin lutfen")
    assert chat.replies[0]["text"] == _in("tr", "language_chosen")
    assert chat.last == _in("tr", "privacy", months=12)
    chat.say("evet")
    assert chat.last == _in("tr", "ask_moment_first")


def test_asking_for_the_language_already_used_changes_nothing(chat):
    chat.say("LANGUE")
    chat.say("3")  # English
    chat.say("yes")
    chat.say("can you speak English?")
    assert not any(r["text"] == _in("en", "language_chosen") for r in chat.replies)


def test_darija_in_latin_letters_is_offered_arabic(chat):
    chat.say("salam, 3andi 23 3am, ma khdamch")
    assert chat.replies[0]["text"] == _in("ar", "language_offer")
    chat.say("العربية")
    assert chat.last == _in("ar", "privacy", months=12)


def test_darija_in_latin_letters_later_in_a_french_conversation_is_offered_arabic(chat):
    chat.say("salam 3alikom")
    assert chat.replies[0]["text"] == _in("ar", "language_offer")
    chat.say("1")
    chat.say("5")
    chat.say("31 3am, Bischheim 67800")  # « 3am »: years in Darija, not a number
    assert chat.replies[0]["text"] == _in("ar", "language_offer")
    assert chat.last == _in("fr", "ask_household")
