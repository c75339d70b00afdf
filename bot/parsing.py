"""Reading what people type: digits, amounts, numbers in words, oui/non, commands.

People text without accents, in capitals, with « € », « euros », « e », spaces inside
numbers (« 1 200 ») and numbers in words (« huit cents »). Every function here returns
None when it cannot read the text, so the dialogue can re-ask instead of guessing.
"""

from __future__ import annotations

import re

from text_to_num import alpha2digit, text2num

from bot import language


def normalize(text: str) -> str:
    """Lower case, no accents, single spaces, typographic apostrophes folded; Arabic-Indic
    and Persian digits as 0-9, Arabic vowel marks dropped (bot/language.py)."""
    return language.fold(text)


_CURRENCY = re.compile(r"(€|euros?\b|eur\b|(?<=\d)\s?e\b|\bpar mois\b|/mois\b|\bnet\b|\bnets\b)")
# « 1 200 », « 1.200 »; not « T3 480 » (a flat's type, then its rent).
_THOUSANDS = re.compile(r"(?<![a-z]\d)(?<=\d)[ .\u202f\u00a0](?=\d{3}\b)")
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")
_COMMA_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")


def words_to_digits(text: str) -> str:
    """« vingt-trois ans » -> « 23 ans »: numbers in words as digits (in the
    conversation's language first: « otuz dört », « thirty four », « أربعة وثلاثون »)."""
    if language.current() != language.SOURCE:
        text = language.number_words_to_digits(text)
        if reader := language.words("text2num"):
            text = alpha2digit(text, reader)
    converted = alpha2digit(text, "fr")
    if not _NUMBER.search(converted):
        # alpha2digit leaves lone small numbers (« deux ») as words on purpose.
        words = []
        for word in converted.split():
            try:
                words.append(str(text2num(word, "fr")))
            except ValueError:
                words.append(word)
        converted = " ".join(words)
    return converted


# Darija in Latin letters writes letters with digits (« ta9riban », « l7a9 », « 3andi »):
# a digit between two letters is a letter, and so is a 3, 7 or 9 opening a word that is
# not a unit (« 3ans » is three years, « 3andi » « I have », « 31 3am » an age).
_LETTER_DIGIT = re.compile(r"(?<=[a-z])\d+(?=[a-z])")
_ARABIZI_START = re.compile(r"(?<![\w])[379](?=(?!(?:ans?|mois|e|er|eme|em|euros?|eur|jours?|"
                            r"pieces?|semaines?|enfants?|gosses?|fois|heures?|min|kg|km|"
                            r"years?|kids?|yas|yasinda)\b)[a-z]{2,})")


# A rate (« 80 pour cent », « %50 ») or a number of hours (« 12h a week ») is no amount,
# age or child: read apart where it is asked (answers.disability_rate).
_NOT_A_QUANTITY = re.compile(r"(?<![\d.,])\d+ ?(?:%|٪|pour ?cent|pourcent|percent|per cent)|"
                             r"(?:%|٪|yuzde) ?\d+|(?<![\d.,])\d+ ?(?:h|hrs?|hours?|heures?|saat)\b"
                             r"(?! ?\d)")


def numbers_in(text: str) -> list[float]:
    """Every number in the text, words and digits alike, in order."""
    text = normalize(text)
    text = _ARABIZI_START.sub("", _LETTER_DIGIT.sub("", text))
    text = _NOT_A_QUANTITY.sub(" ", text)
    text = _CURRENCY.sub(" ", text)
    text = _THOUSANDS.sub("", text)
    if language.current() != language.SOURCE:
        text = _COMMA_THOUSANDS.sub("", text)  # « 1,200 » in English is twelve hundred
    text = language.without_durations(words_to_digits(text))
    values = []
    for match in _NUMBER.finditer(text):
        values.append(float(match.group().replace(",", ".")))
    return values


def parse_number(text: str, *, minimum: float = 0, maximum: float = 1e7) -> float | None:
    """The one number the text holds, or None if none, several, or out of range."""
    values = numbers_in(text)
    if len(values) != 1:
        if len(values) == 0 and normalize(text) in {"rien", "aucun", "aucune", "zero", "pas de"}:
            values = [0.0]
        else:
            return None
    value = values[0]
    if value < minimum or value > maximum:
        return None
    return value


def parse_amount(text: str) -> float | None:
    """A monthly amount in euros; « rien » or « 0 » is zero."""
    if normalize(text) in {"rien", "aucun", "aucune", "non", "0", "zero", "pas de revenu", "nada"}:
        return 0.0
    if normalize(text).strip(" .!?") in language.words("nothing"):
        return 0.0
    return parse_number(text, minimum=0, maximum=100_000)


def parse_integer(text: str, *, minimum: int, maximum: int) -> int | None:
    value = parse_number(text, minimum=minimum, maximum=maximum)
    if value is None or value != int(value):
        return None
    return int(value)


def parse_ages(text: str) -> list[int] | None:
    """Children's ages: « 3 et 7 », « 3, 7 », « un bebe de 0 an »; None if unreadable."""
    if normalize(text) in {"aucun", "pas d'enfant", "0 enfant", "non", "aucune"}:
        return []
    values = numbers_in(text)
    if not values or any(v != int(v) or v < 0 or v > 25 for v in values) or len(values) > 12:
        return None
    return [int(v) for v in values]


_YES = {"oui", "o", "ok", "okay", "d'accord", "dacc", "dac", "daccord", "ouais", "ouai", "yes",
        "si", "bien sur", "j'accepte", "accepte", "oui j'accepte", "volontiers", "ui", "wi",
        "yep", "oki", "vas-y", "vas y", "go"}
_NO = {"non", "n", "no", "nan", "nope", "pas d'accord", "je refuse", "refuse", "non merci",
       "jamais", "pas du tout"}


def parse_yes_no(text: str) -> bool | None:
    words = normalize(text).strip(" .!?")
    if words in _YES or words in language.words("yes"):
        return True
    if words in _NO or words in language.words("no"):
        return False
    return None


def parse_choice(text: str, choices: list[str]) -> int | None:
    """Index of the option chosen by its digit or by its words, or None."""
    words = normalize(text).strip(" .!?)")
    if words and not any(c.isdigit() for c in words) and len(words.split()) <= 2:
        # « dört », « trois », « tamam bir »: an option's number in words (the last word).
        spelled = words_to_digits(words.split()[-1])
        if not re.fullmatch(r"\d{1,2}", spelled) and (reader := language.words("text2num")):
            try:  # « two »: alpha2digit leaves lone small numbers as words
                spelled = str(text2num(words.split()[-1], reader))
            except ValueError:
                pass
        if re.fullmatch(r"\d{1,2}", spelled):
            words = spelled
    match = re.fullmatch(r"(\d{1,2})\s*[).-]?", words)
    if match:
        index = int(match.group(1)) - 1
        return index if 0 <= index < len(choices) else None
    for index, choice in enumerate(choices):
        if words and words == normalize(choice).strip(" .!?"):
            return index
    # Unambiguous start of an option's words (« locataire » for « Locataire (privé) »).
    starts = [i for i, choice in enumerate(choices)
              if len(words) >= 3 and normalize(choice).startswith(words)]
    if len(starts) == 1:
        return starts[0]
    return None


# The navigation commands, in the order they are looked for (their words: locales/*/words.yml).
COMMANDS = ("menu", "back", "resume", "restart", "erase", "details", "human")


def command_in(text: str) -> str | None:
    """A navigation command typed alone (« menu », « retour »…), or None."""
    words = normalize(text).strip(" .!?")
    # The conversation's language and French, whose words an untranslated text shows.
    codes = dict.fromkeys((language.current(), language.SOURCE))
    for name in COMMANDS:
        if any(language.command(name, words, code) for code in codes):
            return name
    # LANGUE, LANGUAGE, DİL, اللغة: in any language, whatever the conversation's.
    if any(language.command("language", words, code) for code in language.available()):
        return "language"
    return None
