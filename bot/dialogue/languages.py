"""The language of the conversation: LANGUE at any step, or a first message in another.

States it handles (see the core's table):
    language  a digit (or a name) from the list of languages  -> choose

« LANGUE » / « LANGUAGE » / « DİL » / « اللغة » at any step shows the list; once chosen, the
question being asked is asked again in the new language. A language's name typed alone
(« ENGLISH », « FRANCAIS ») switches at once. A first message clearly written in another
language (bot/detect.py) switches before the greeting, which then says, in French, how to
go back to French. The choice is kept on the conversation.

Each language has its own Rasa model (nlu/lang/<code>/): the core has the message read by
the model of the language prepare() settles on, never by French's for another language. A
language without a model up works on digits and its words (locales/<code>/words.yml), while
the keyword net still catches danger words in every language (nlu/fallback.py) and STOP
stays STOP.
"""

from __future__ import annotations

import re

from bot import detect, language, messages, parsing
from bot.dialogue import prompts
from bot.dialogue.turn import Goto, Outcome, Turn
from bot.dialogue.types import Reply
from storage.db import queued_rows
from storage.models import FunnelEvent


def prepare(turn: Turn) -> None:
    """Sets the turn's language: the conversation's, or the one a first message is in."""
    conversation = turn.conversation
    if conversation.state == "new" and (conversation.language or language.SOURCE) == \
            language.SOURCE:
        code = detect.guess(turn.text)
        if code and code != language.SOURCE:
            _set(turn, code)
            turn.notes["language_notice"] = "detected"
        elif (offer_code := detect.offered(turn.text)) is not None:
            turn.notes["language_notice"] = f"offer:{offer_code}"
    language.set_current(conversation.language or language.SOURCE)


def offer_again(turn: Turn, replies: list[Reply]) -> list[Reply]:
    """Darija in Latin letters later in a French conversation (« 31 3am, ma khdamch »): the
    one line offering Arabic comes with the replies, until the person chooses."""
    if (turn.conversation.language or language.SOURCE) != language.SOURCE \
            or turn.notes.get("state_before") == "new" or not replies \
            or not detect.darija_in_latin(turn.text):
        return replies
    with language.use(detect.DARIJA):
        return [Reply(messages.text("language_offer")), *replies]


def _set(turn: Turn, code: str) -> None:
    turn.conversation.language = code
    language.set_current(code)
    # The first contact was counted this turn, before the language was known: count it in
    # this language (turn.record_event keeps the turn's counts in the session's info).
    for pending in queued_rows(turn.session, FunnelEvent):
        if pending["kind"] == "first_contact":
            pending["language"] = code


def names() -> list[str]:
    """Each language's own name (« English », « Türkçe », « العربية »), in menu order."""
    return [str(language.setting("name", code) or code) for code in language.available()]


def named(text: str) -> str | None:
    """The language whose name is typed alone (« english », « francais »), or None.

    With a word of politeness in any language (« english please », « türkçe lütfen »):
    it is typed before the language is known.
    """
    words = parsing.normalize(text).strip(" .!?")
    for code in language.available():
        for polite in language.words("please", code) or []:
            words = re.sub(rf"(^|\s|,){re.escape(polite)}(?=$|\s|,|!|\.)", " ", words)
    words = words.strip(" .!?,")
    for code in language.available():
        if words and words in (language.words("names", code) or []):
            return code
    return None


def asked_for(text: str) -> str | None:
    """The language a message asks for by its name (« Türkçe yazabilir misiniz? », « can you
    speak English? », « بالعربية عافاك », « vous parlez turc ? »): one language named, in a
    short message without numbers, with a word that asks for it or a question mark."""
    folded = language.fold(text)
    if len(folded.split()) > 10 or any(c.isdigit() for c in folded):
        return None
    found = {code for code in language.available()
             if language.says(folded, language.words("names", code) or [], code)}
    if len(found) != 1:
        return None
    asking = "?" in folded or "؟" in text or any(
        language.says(folded, language.words(table, code) or [], code)
        for code in language.available() for table in ("language_request", "please"))
    return found.pop() if asking else None


def menu() -> Reply:
    titles = [str(language.setting("menu_title", code) or code) for code in language.available()]
    return Reply(" / ".join(dict.fromkeys(titles)) + " :", names())


def offer(turn: Turn) -> list[Reply]:
    """Shows the list of languages, keeping what was being asked to ask it again after."""
    conversation = turn.conversation
    if conversation.state != "language":
        conversation.context = {"language_return": {"state": conversation.state,
                                                    "context": conversation.context or {}}}
        conversation.state = "language"
    return [menu()]


def choose(turn: Turn) -> Outcome:
    """Stores the chosen language, then asks again, in it, what was being asked."""
    index = parsing.parse_choice(turn.text, names())
    code = language.available()[index] if index is not None else named(turn.text)
    if code is None:
        return [Reply(messages.text("language_reask")), menu()]
    back = (turn.conversation.context or {}).get("language_return") or {"state": "new"}
    turn.conversation.state = back.get("state", "new")
    turn.conversation.context = back.get("context", {})
    return switch(turn, code)


def switch(turn: Turn, code: str) -> Outcome:
    """Writes in language CODE from now on and repeats the pending question in it."""
    _set(turn, code)
    if turn.conversation.state == "new":
        return Goto("new")  # the greeting, in the new language, is the confirmation
    turn.notes["language_notice"] = "chosen"
    return notice(turn) + prompts.repeat(turn)


def notice(turn: Turn) -> list[Reply]:
    """The line saying the language changed (with, after a guess, the way back to French)."""
    kind = turn.notes.pop("language_notice", None)
    if kind == "chosen":
        return [Reply(messages.text("language_chosen"))]
    if kind and kind.startswith("offer:"):
        # « Merhaba », « Hello », « salam, 3andi 23 3am »: one line in that language, and
        # the greeting in French under it; its name typed switches (named()).
        with language.use(kind.split(":", 1)[1]):
            return [Reply(messages.text("language_offer"))]
    if kind == "detected":
        # In French, for a French speaker the guess got wrong; the greeting that follows,
        # in the language guessed, shows the switch to everyone else.
        with language.use(language.SOURCE):
            return [Reply(messages.text("back_to_french"))]
    return []
