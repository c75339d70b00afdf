"""Acts that cannot be undone: erasing the person, STOP, cancelling an appointment.

Each acts at once only on its exact command word typed alone (« SUPPRIMER », « DELETE »,
« SİL », « احذف », « STOP », « ANNULER »…), in the conversation's language or in French
(what an untranslated text shows), a typo read. A model's guess, or the command inside other
words (« delete my stuff pls »), only asks (« Effacer … ? Répondez OUI »): the act waits for
that yes, in the very next message, and anything else drops the question. The English model
once read « DETAILS », the word the result tells people to type, as an erasure (0.99).

The words are data (`commands.erase`, `stop`, `cancel` in locales/<code>/words.yml).
"""

from __future__ import annotations

from rapidfuzz.distance import DamerauLevenshtein

from bot import language, messages, parsing
from bot.dialogue.turn import Turn
from bot.dialogue.types import Reply

# The act each model intent would do, if it were taken at its word.
INTENTS = {"delete_my_data": "erase", "opt_out": "stop", "cancel_appointment": "cancel"}
ACTS = tuple(INTENTS.values())
# A typo (one letter wrong, missing, extra or swapped) is read only in a spelling this long:
# shorter ones are too near ordinary words (« stp » is « s'il te plaît », not STOP).
TYPO_MIN_LENGTH = 6
PENDING = "pending_act"


def spellings(act: str, code: str) -> list[str]:
    """A language's folded words that do ACT on their own."""
    if act == "erase":
        return list((language.words("commands", code) or {}).get("erase", []))
    return list(language.words(act, code) or [])


def exact(text: str) -> str | None:
    """The act whose command word the text is, alone (« SUPPRIMER », « delet »), or None."""
    words = parsing.normalize(text).strip(" .!?")
    if not words:
        return None
    codes = dict.fromkeys((language.current(), language.SOURCE))
    table = {act: [s for code in codes for s in spellings(act, code)] for act in ACTS}
    for act, words_of_act in table.items():
        if words in words_of_act:
            return act
    if " " in words or len(words) < TYPO_MIN_LENGTH - 1:
        return None
    if parsing.command_in(text) is not None or parsing.parse_yes_no(text) is not None:
        return None  # another command's or an answer's own word is never a typo of these
    near = {act for act, words_of_act in table.items() for spelling in words_of_act
            if len(spelling) >= TYPO_MIN_LENGTH and " " not in spelling
            and DamerauLevenshtein.distance(words, spelling, score_cutoff=1) <= 1}
    return near.pop() if len(near) == 1 else None


def guessed(intent: str | None) -> str | None:
    """The act a model's (or the keyword reader's) intent asks for, to be confirmed."""
    return INTENTS.get(intent or "")


def ask(turn: Turn, act: str) -> list[Reply]:
    """Asks the person to confirm ACT; their next message answers."""
    context = dict(turn.conversation.context or {})
    context[PENDING] = act
    turn.conversation.context = context
    return [Reply(messages.text(f"confirm_{act}"), list(messages.CHOICES["yes_no"]))]


def answer(turn: Turn) -> tuple[str, bool | None] | None:
    """(act, yes?) when this message answers a confirmation asked in the turn before: True to
    do it, False to keep everything, None when the message is about something else. The
    question is dropped in every case: it is answered once, or never."""
    context = turn.conversation.context or {}
    act = context.get(PENDING)
    if act is None:
        return None
    turn.conversation.context = {k: v for k, v in context.items() if k != PENDING}
    yes = parsing.parse_yes_no(turn.text)
    if yes is None:
        choice = parsing.parse_choice(turn.text, list(messages.CHOICES["yes_no"]))
        yes = None if choice is None else choice == 0
    if yes is None and exact(turn.text) == act:
        yes = True
    return act, yes
