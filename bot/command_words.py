"""The words the service tells people to type, found in the catalogues, and what each means.

    python -m bot.command_words write   # nlu/data/commands.yml and nlu/lang/*/data/commands.yml
    python -m bot.command_words check   # exit 1 when those files lag behind the catalogues

Each text residents read gives its words in capitals (« DETAILS », « ENCORE », « SİL ») and
the command words of its language it holds (« تفاصيل »); each menu gives its labels. The
English model once read « DETAILS », which the result asks people to type, as an erasure
(0.99), and every model read « SMS » as an opt-out: each language's model is trained on all
four languages' words as what they are (issue 32). A word its model already learns from its
own data is left to it. tests/nlu/test_command_words.py parses every word with every model.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from bot import language, messages

ROOT = Path(__file__).resolve().parent.parent
# The tables of words.yml that are commands, and what their words mean to a model.
TABLE_INTENTS = {
    "commands.erase": "delete_my_data", "stop": "opt_out", "cancel": "cancel_appointment",
    "commands.human": "request_human", "move": "reschedule_appointment",
    "commands.restart": "greet", "start": "greet", "yes": "affirm", "no": "deny",
    "commands.details": "help", "commands.menu": "help", "commands.back": "help",
    "commands.resume": "help", "commands.language": "help", "more": "help",
}
# Each menu's options, in order; None: no intent (a plain answer read by its question).
CHOICE_INTENTS: dict[str, list[str | None]] = {
    "consent": ["affirm", "deny"], "yes_no": ["affirm", "deny"], "confirm": ["affirm", "deny"],
    "moment": ["life_event_adult", "life_event_child", "life_event_single_parent",
               "life_event_senior", None],
    "after_result": ["request_human", "greet"], "slot_more": ["reschedule_appointment"],
    "slot_none": ["deny"], "booked": ["cancel_appointment", "reschedule_appointment"],
    "range_income": ["inform"] * 4, "range_rent": ["inform"] * 4,  # amounts: tagged as such
}
# Not trained on: an erasure, a STOP or a cancellation acts on its own word without any model
# (bot/dialogue/irreversible.py), and teaching a model « arreter » as an opt-out made it read
# « j'arrête pour ce soir » as one.
IRREVERSIBLE = {"delete_my_data", "opt_out", "cancel_appointment"}
_AMOUNT = re.compile(r"\d[\d ]*\d|\d")
# A word in capitals of no table (SMS, CAF, MDPH, FRANCAIS, BONJOUR): a question of help.
OTHER_INTENT = "help"
_CAPITALS = re.compile(r"(?<!\w)[^\W\d_]{3,}(?!\w)")
_PLACEHOLDER = re.compile(r"\{[^}]*\}")


def _tables(code: str) -> dict[str, list[str]]:
    commands = language.words("commands", code) or {}
    tables = {f"commands.{name}": list(words) for name, words in commands.items()}
    for name in ("stop", "start", "cancel", "move", "more", "yes", "no"):
        tables[name] = list(language.words(name, code) or [])
    return tables


def _meaning(word: str, tables: dict[str, list[str]]) -> str:
    folded = language.fold(word).strip(" .!?")
    for table, intent in TABLE_INTENTS.items():
        if folded in tables.get(table, []):
            return intent
    return OTHER_INTENT


def command_words() -> dict[str, dict[str, str | None]]:
    """language -> {word as its texts write it: what it means (an intent), or None}."""
    found: dict[str, dict[str, str | None]] = {}
    for code in language.available():
        tables = _tables(code)
        # Yes and no words are not looked for in the texts: « ok » is in too many of them.
        spellings = [s for table in TABLE_INTENTS if table not in ("yes", "no")
                     for s in tables.get(table, [])]
        words = found.setdefault(code, {})
        for key, source in messages.catalogue_entries().items():
            text = _PLACEHOLDER.sub(" ", language.translate(key, source, code))
            if key.startswith("choices."):
                _prefix, name, index = key.split(".")
                meanings = CHOICE_INTENTS.get(name)
                words[text.strip()] = meanings[int(index) - 1] if meanings else None
                continue
            for word in _CAPITALS.findall(text):
                if word.isupper():
                    words.setdefault(word, _meaning(word, tables))
            folded = language.fold(text)
            for spelling in spellings:
                if language.says(folded, [spelling], code):
                    words.setdefault(spelling, _meaning(spelling, tables))
    return found


def data_dir(code: str) -> Path:
    return ROOT / "nlu" / "data" if code == language.SOURCE else ROOT / "nlu" / "lang" / code / "data"


def _own_examples(code: str) -> set[str]:
    """What a language's model already learns, or is measured on (its held-out set)."""
    from nlu import manage

    paths = [p for p in manage.training_files(code) if p.name != "commands.yml"]
    if manage.heldout_path(code).exists():
        paths.append(manage.heldout_path(code))
    return {text.lower().strip() for path in paths for text, _intent in manage.read_examples(path)}


def training_file(code: str, words: dict[str, dict[str, str | None]] | None = None) -> str:
    """The YAML a language's model learns every language's command words from."""
    words = words if words is not None else command_words()
    own = _own_examples(code)
    by_intent: dict[str, list[str]] = {}
    for found in words.values():
        for word, intent in found.items():
            if intent is None or intent in IRREVERSIBLE or word.lower().strip() in own \
                    or '"' in word:
                continue
            if intent == "inform":  # « 300 à 700 € »: its numbers are amounts
                word = _AMOUNT.sub(lambda m: f"[{m.group()}](amount)", word)
            examples = by_intent.setdefault(intent, [])
            if word not in examples:
                examples.append(word)
    lines = ['version: "3.1"',
             "# Written by `python -m bot.command_words write` from the catalogues: do not edit.",
             "# The words the service tells people to type, in every language, as what they",
             "# are (bot/command_words.py).",
             "nlu:"]
    for intent in sorted(by_intent):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {word}" for word in sorted(by_intent[intent])]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    command = args[0] if args else "check"
    if command not in ("write", "check"):
        print(__doc__, file=sys.stderr)
        return 2
    words = command_words()
    stale = []
    for code in language.available():
        path = data_dir(code) / "commands.yml"
        text = training_file(code, words)
        if command == "write":
            path.write_text(text, encoding="utf-8")
        elif not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(str(path.relative_to(ROOT)))
    for path in stale:
        print(f"stale: {path} (python -m bot.command_words write)")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
