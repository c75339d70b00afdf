"""Which of the residents' languages a first message is clearly written in, if any.

Arabic script is Arabic (the only language of locales/ written in it). Latin script goes to
lingua (lingua-language-detector), restricted to the languages of locales/: it is trained
for short texts, and restricting it keeps memory and time small. Its low-accuracy mode
(trigrams only) is used: measured by `python -m bench language_detect` on the evaluation's
residents, it switches no French message and finds every other language's first message,
like the full mode, for 11 MB and 0.2 s of loading instead of 127 MB and 3 s. A switch
needs enough words and a confident answer: « ok », « slt » or a postcode say nothing,
and a wrong switch costs a French speaker a question in a language they may not read
(they can write FRANCAIS, offered at once).
"""

from __future__ import annotations

import functools
import re
import unicodedata

from bot import language

MIN_WORDS = 4  # Latin-script words before a message says its language
MIN_CONFIDENCE = 0.80  # lingua's confidence in its first answer
MIN_LEAD = 0.50  # and its lead over the second
_WORD = re.compile(r"[^\W\d_]{2,}")
# Words only French among the residents' languages: two of them and the message is French,
# whatever lingua says of a short one with a typo (« il est au colege » scored English).
FRENCH_MARKERS = frozenset({"je", "il", "elle", "est", "suis", "ai", "au", "aux", "les",
                            "des", "du", "et", "une", "pas", "mon", "mes", "avec", "pour",
                            "dans", "nous", "vous", "qui", "que", "sont", "ont"})


def _is_arabic(char: str) -> bool:
    return "ARABIC" in unicodedata.name(char, "")


def guess(text: str, *, low_accuracy: bool = True) -> str | None:
    """The language code the text is clearly written in, or None (then nothing changes)."""
    letters = [c for c in text or "" if c.isalpha()]
    if not letters:
        return None
    arabic = sum(map(_is_arabic, letters))
    if arabic * 2 > len(letters):
        return "ar" if "ar" in language.available() else None
    words = _WORD.findall(text)
    if len(words) < MIN_WORDS or darija_in_latin(text):
        return None  # Darija in Latin letters reads as Turkish to lingua: offered Arabic
    if sum(w.lower() in FRENCH_MARKERS for w in words) >= 2:
        return None
    values = _detector(low_accuracy).compute_language_confidence_values(" ".join(words))
    if not values:
        return None
    first = values[0]
    second = values[1].value if len(values) > 1 else 0.0
    if first.value < MIN_CONFIDENCE or first.value - second < MIN_LEAD:
        return None
    code = first.language.iso_code_639_1.name.lower()
    return code if code in language.available() else None


@functools.cache
def _detector(low_accuracy: bool = True):
    """Built once, at the first message that needs it; models load lazily per language."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, c.upper()) for c in language.available()
             if hasattr(IsoCode639_1, c.upper())]
    builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
    return (builder.with_low_accuracy_mode() if low_accuracy else builder).build()


# Letters written as digits in Darija in Latin script (« 3andi », « 9rib », « 7na »).
_ARABIZI = re.compile(r"(?<!\w)(?=\w*[a-z])(?=\w*[379])[a-z379]{2,}(?!\w)")
DARIJA = "ar"


def darija_in_latin(text: str) -> bool:
    """« salam, 3andi 23 3am, ma khdamch »: two Darija words in Latin letters, or one with a
    word spelt with the digits 3, 7 or 9 for letters (locales/ar/words.yml `latin_words`)."""
    if DARIJA not in language.available():
        return False
    folded = language.fold(text)
    found = sum(1 for word in language.words("latin_words", DARIJA) or []
                if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", folded))
    return found >= 2 or (found >= 1 and bool(_ARABIZI.search(folded)))


def greeting_in(text: str) -> str | None:
    """The language of a greeting written alone (« Merhaba », « Hello », « Salam »), other
    than French: offered in one line, never switched to on so little."""
    folded = language.fold(text).strip(" .!?,;:")
    folded = re.sub(r"[!?.,;:]+", "", folded).strip()
    for code in language.available():
        if code != language.SOURCE and folded in (language.words("greetings", code) or []):
            return code
    return None


def offered(text: str) -> str | None:
    """A language to offer in one line to a first message that does not switch: a greeting
    in it, or Darija written in Latin letters (Arabic)."""
    return greeting_in(text) or (DARIJA if darija_in_latin(text) else None)
