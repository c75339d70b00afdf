"""The language of the conversation being handled, and each language's words as data.

The dialogue core sets the conversation's language once per turn (`use`); the message
catalogue (bot/messages.py) and the answer readers (bot/parsing.py, bot/answers.py) read it
with `current()`, so no flow passes a language around and a key added to the catalogue in
French works in every language at once (it falls back to French until translated).

A language is a folder `locales/<code>/`: `LC_MESSAGES/messages.po` (the texts, see
bot/messages.py) and `words.yml` (the words residents write for yes, no, housing, household,
moments, numbers and commands). Adding a language is adding that folder: no code.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

SOURCE = "fr"
LOCALES = Path(__file__).resolve().parent.parent / "locales"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("language", default=SOURCE)

# Arabic-Indic (٠-٩) and Persian (۰-۹) digits, and the Arabic decimal and thousands marks,
# read as the digits and marks the parsers know.
DIGITS = str.maketrans({**{chr(0x0660 + i): str(i) for i in range(10)},
                        **{chr(0x06F0 + i): str(i) for i in range(10)},
                        "\u066b": ",", "\u066c": " ", "\u060c": ",", "\u061f": "?",
                        "\u0640": ""})  # tatweel, a stretching stroke with no meaning


def current() -> str:
    return _current.get()


def set_current(code: str) -> None:
    """Changes the language for the rest of this turn (a resident just chose it)."""
    _current.set(code if code in available() else SOURCE)


@contextlib.contextmanager
def use(code: str | None) -> Iterator[str]:
    """Runs a block (one turn) in a conversation's language, French when unknown."""
    token = _current.set(code if code in available() else SOURCE)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


@functools.cache
def available() -> tuple[str, ...]:
    """French, then every language with a folder under locales/, in alphabetical order."""
    found = sorted(p.name for p in LOCALES.iterdir()
                   if (p / "LC_MESSAGES" / "messages.po").exists()) if LOCALES.exists() else []
    return (SOURCE, *[code for code in found if code != SOURCE])


def fold(text: str) -> str:
    """Lower case, no accents nor Arabic vowel marks, Eastern digits as 0-9, one space.

    Turkish dotless ı and dotted İ fold to i, and Arabic letter variants to one form
    (أ إ آ -> ا by decomposition; ى -> ي; ة -> ه), as people type them all ways.
    """
    text = (text or "").translate(DIGITS).replace("ı", "i").replace("İ", "i")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("ى", "ي").replace("ة", "ه").replace("’", "'").replace("`", "'")
    return re.sub(r"\s+", " ", text.lower()).strip()


@functools.cache
def _words_file(code: str) -> dict[str, Any]:
    path = LOCALES / code / "words.yml"
    if not path.exists():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def setting(key: str, code: str | None = None) -> Any:
    """A value of a language's words.yml as written (its name, its menu title)."""
    return _words_file(code or current()).get(key)


def words(table: str, code: str | None = None) -> Any:
    """A word table of a language's words.yml (folded), or an empty one."""
    return _folded(table, code or current())


@functools.cache
def _folded(table: str, code: str) -> Any:
    value = _words_file(code).get(table)
    if value is None:
        return {}
    return _fold_value(value)


def _fold_value(value: Any) -> Any:
    if isinstance(value, str):
        return fold(value)
    if isinstance(value, list):
        return [_fold_value(v) for v in value]
    if isinstance(value, dict):
        return {(fold(k) if isinstance(k, str) else k): _fold_value(v) for k, v in value.items()}
    return value


@functools.cache
def _phrase(phrase: str, code: str) -> re.Pattern:
    """A folded phrase as a regex: whole words, or a word start in a language of stems
    (Turkish endings), with the attached prefixes and suffixes a language lists (Arabic)."""
    options = _words_file(code)
    prefixes = "|".join(re.escape(fold(p)) for p in options.get("prefixes", []))
    suffixes = "|".join(re.escape(fold(p)) for p in options.get("suffixes", []))
    body = re.escape(phrase)
    if prefixes:
        body = f"(?:{prefixes})?{body}"
    if suffixes:
        body = f"{body}(?:{suffixes})?"
    end = "" if options.get("stem") else r"(?!\w)"
    return re.compile(rf"(?<!\w){body}{end}")


def says(text: str, phrases: list, code: str | None = None) -> bool:
    """Whether the folded text holds one of the phrases (a list item: all of its phrases)."""
    code = code or current()
    for item in phrases or []:
        group = item if isinstance(item, list) else [item]
        if group and all(_phrase(str(p), code).search(text) for p in group):
            return True
    return False


def first_at(text: str, phrase: str, code: str | None = None) -> int | None:
    """Where in the folded text the phrase is first said, or None."""
    found = _phrase(str(phrase), code or current()).search(text)
    return found.start() if found else None


def category(table: str, text: str, order: list[str] | None = None,
             code: str | None = None) -> str | None:
    """The first category of a word table (household, housing, moments…) the text says."""
    entries: dict = words(table, code)
    for name in order or list(entries):
        if says(text, entries.get(name, []), code):
            return name
    return None


def command(name: str, text: str, code: str | None = None) -> bool:
    """Whether the folded text is, alone, one of a language's words for command NAME."""
    spellings = (words("commands", code) or {}).get(name, [])
    return text.strip(" .!?") in spellings


# In a `durations` or `child_counts` phrase: # a number (digits or one word: « deux », « iki »), #### a year.
_DURATION_NUMBER = r"(?:\d+(?:[.,]\d+)?|[^\W\d]+)"
_YEAR = r"(?:19|20)\d\d"


@functools.cache
def _placeholders(table: str, code: str) -> re.Pattern | None:
    phrases = words(table, code)
    if not phrases:
        return None
    bodies = [re.escape(p).replace(r"\#\#\#\#", _YEAR).replace(r"\#", _DURATION_NUMBER)
              for p in sorted(phrases, key=len, reverse=True)]
    return re.compile(r"(?<!\w)(?:" + "|".join(bodies) + r")(?!\w)")


def without_durations(text: str, code: str | None = None) -> str:
    """The folded text less its durations (« il y a 2 ans », « 2 years ago », « 2 yıl önce »,
    « هادي عامين »): a time that passed or lasts is never an age, a child or an amount."""
    return without("durations", text, code)


def replaced(table: str, text: str, by: str, code: str | None = None) -> str:
    """The folded text with the phrases of a # table replaced (« 8 months old » -> « 0 »)."""
    for name in dict.fromkeys((code or current(), SOURCE)):
        if (pattern := _placeholders(table, name)) is not None:
            text = pattern.sub(f" {by} ", text)
    return text


def without(table: str, text: str, code: str | None = None) -> str:
    """The folded text less the phrases of a word table whose # is a number (durations,
    counts of children), the language's and French's."""
    for name in dict.fromkeys((code or current(), SOURCE)):
        if (pattern := _placeholders(table, name)) is not None:
            text = pattern.sub(" ", text)
    return text


def segments(table: str, text: str, first: str, code: str | None = None) -> list[tuple[str, str]]:
    """The folded text cut where a phrase of a word table's categories starts, each piece
    with its category: « je touche rien et mon mari 1500 » with `subjects` ->
    [(me, « je touche rien et »), (partner, « mon mari 1500 »)]. What comes before the
    first phrase is FIRST's. The language's phrases and French's (people mix)."""
    marks: list[tuple[int, int, str]] = []
    for name in dict.fromkeys((code or current(), SOURCE)):
        for category_name, phrases in (words(table, name) or {}).items():
            for phrase in phrases or []:
                marks += [(m.start(), m.end(), category_name)
                          for m in _phrase(str(phrase), name).finditer(text)]
    # At one place the longest phrase; a phrase inside another one found already is not a cut.
    cuts: list[tuple[int, str]] = [(0, first)]
    reached = 0
    for start, end, category_name in sorted(marks, key=lambda m: (m[0], m[0] - m[1])):
        if start >= reached:
            cuts.append((start, category_name))
            reached = end
    pieces = []
    for i, (start, category_name) in enumerate(cuts):
        end = cuts[i + 1][0] if i + 1 < len(cuts) else len(text)
        piece = text[start:end].strip(" ,;.!?،؛")
        if piece:
            pieces.append((category_name, piece))
    return pieces


_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*|\d+|[^\w\s]")
_BREAK = set(",.;:!?،؛")
NEGATION_WINDOW = 3  # words a negation reaches, up to a comma or a « mais »


def split_negated(text: str, code: str | None = None) -> tuple[str, list[str]]:
    """The folded text less what its negations deny, and the words denied: « je suis pas
    toute seule » -> (« je suis », [« toute seule »]); « yalniz degilim » -> (« », [« yalniz »]).

    A negation (the language's `negation` table, and French's) reaches up to three words
    after it (before it in Turkish), and stops at punctuation and at words like « mais »."""
    codes = dict.fromkeys((code or current(), SOURCE))
    tables = [words("negation", c) or {} for c in codes]
    before = {w for t in tables for w in t.get("before", [])}
    after = {w for t in tables for w in t.get("after", [])}
    stops = {w for t in tables for w in t.get("stops", [])} | _BREAK
    tokens = _TOKEN.findall(text)
    keep = [True] * len(tokens)
    denied: list[str] = []
    for i, token in enumerate(tokens):
        if token in before:
            reach = []
            for j in range(i + 1, min(i + 1 + NEGATION_WINDOW, len(tokens))):
                if tokens[j] in stops or tokens[j] in before:
                    break
                reach.append(j)
        elif token in after:
            reach = []
            for j in range(i - 1, max(i - 1 - NEGATION_WINDOW, -1), -1):
                if tokens[j] in stops or tokens[j] in after:
                    break
                reach.insert(0, j)
        else:
            continue
        if reach:
            keep[i] = False
            for j in reach:
                keep[j] = False
            denied.append(" ".join(tokens[j] for j in reach))
    return " ".join(t for t, k in zip(tokens, keep, strict=True) if k), denied


def number_words_to_digits(text: str, code: str | None = None) -> str:
    """« otuz dört » -> « 34 », « ألف ومئتان » -> « 1200 »: numbers in words of a language
    whose words.yml has a `numbers` table (units and tens add, hundreds and thousands
    multiply; Arabic's « و » (and) joining them is skipped)."""
    table: dict = words("numbers", code)
    if not table:
        return text
    joiners = set(words("number_joiners", code) or [])
    out: list[str] = []
    total = group = 0
    in_number = False
    spaces = ""  # the space after a number word, written out if no number word follows

    def flush() -> None:
        nonlocal total, group, in_number, spaces
        if in_number:
            out.append(str(total + group))
        out.append(spaces)
        total = group = 0
        in_number = False
        spaces = ""

    # Words, punctuation and spaces apart: « dokuz, 67400 » ends the number at the comma.
    for token in re.findall(r"\w+|\s+|[^\w\s]+", text):
        if token.isspace():
            if in_number:
                spaces = token
            else:
                out.append(token)
            continue
        word = token
        if word not in table and word[:1] == "و" and word[1:] in table and in_number:
            word = word[1:]  # « وثلاثون »: « and thirty »
        if word in table:
            value = table[word]
            if value == 100:
                group = (group or 1) * 100
            elif value >= 1000:
                total += (group or 1) * value
                group = 0
            else:
                group += value
            in_number, spaces = True, ""
        elif in_number and word in joiners:
            spaces = ""
        else:
            flush()
            out.append(token)
    flush()
    return "".join(out)


# ------------------------------------------------------------------- the catalogues

@functools.cache
def catalogue(code: str) -> dict[str, tuple[str, str, bool]]:
    """key -> (French source it translates, translation, fuzzy?) from the language's .po.

    Read at run time from the .po itself (Babel's reader): nothing to compile, so no step
    that an install or CI could miss. A key is the entry's msgctxt, its msgid the French.
    """
    from babel.messages.pofile import read_po

    path = LOCALES / code / "LC_MESSAGES" / "messages.po"
    if code == SOURCE or not path.exists():
        return {}
    with path.open("rb") as handle:
        po = read_po(handle, locale=code)
    return {m.context: (m.id, m.string, m.fuzzy) for m in po
            if m.id and m.context and isinstance(m.string, str)}


def translate(key: str, source: str, code: str | None = None) -> str:
    """The text of KEY in the language, or the French source when it has no translation.

    A translation made for another French text (the source changed since) is not used:
    it may say something the French no longer says. Fuzzy translations (written for a
    native speaker's review) are used: they beat a language the person cannot read.
    """
    entry = catalogue(code or current()).get(key)
    if entry is None or not entry[1].strip() or entry[0] != source:
        return source
    return entry[1]
