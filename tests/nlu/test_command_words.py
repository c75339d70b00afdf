"""Every word the service tells people to type is safe in every language's model (issue 32).

The words are taken from the catalogues, not from a list kept by hand: each text residents
read, in each language, gives its words in capitals (« DETAILS », « ENCORE », « SİL ») and
the command words of its language it holds (« تفاصيل »), and each menu gives its labels. A
command word added to a text tomorrow is covered the day it is added.

Each is parsed by every language's real Rasa model. None may come out as an irreversible
intent (erase, STOP, cancel an appointment), except a word that is itself that act's
command (« SUPPRIMER » may well read as an erasure: typed alone it erases anyway).
The English model once read « DETAILS », which the result asks people to type, as
delete_my_data (0.99).
"""

from __future__ import annotations

import re

import httpx
import pytest

from bot import language, messages
from bot.dialogue import irreversible

LANGUAGES = ("fr", "en", "tr", "ar")
# The tables of words that are commands or answers the texts ask for.
COMMAND_TABLES = ("stop", "start", "cancel", "move", "more")
_CAPITALS = re.compile(r"(?<!\w)[^\W\d_]{3,}(?!\w)")
_PLACEHOLDER = re.compile(r"\{[^}]*\}")


def _spellings(code: str) -> list[str]:
    found = [s for table in (language.words("commands", code) or {}).values() for s in table]
    for table in COMMAND_TABLES:
        found.extend(language.words(table, code) or [])
    return found


def command_words() -> dict[str, set[str]]:
    """language -> the words its texts tell people to type, as written there."""
    words: dict[str, set[str]] = {}
    for code in LANGUAGES:
        spellings = _spellings(code)
        found = words.setdefault(code, set())
        for key, source in messages.catalogue_entries().items():
            text = _PLACEHOLDER.sub(" ", language.translate(key, source, code))
            if key.startswith("choices."):
                found.add(text.strip())
                continue
            found.update(w for w in _CAPITALS.findall(text) if w.isupper())
            folded = language.fold(text)
            found.update(s for s in spellings if language.says(folded, [s], code))
    return words


def _own_act(word: str) -> set[str]:
    """The irreversible intents a word may read as: the act it is itself the command of."""
    folded = language.fold(word).strip(" .!?")
    return {intent for intent, act in irreversible.INTENTS.items()
            if any(folded in irreversible.spellings(act, code) for code in LANGUAGES)}


def test_the_words_come_from_the_catalogues():
    words = command_words()
    assert {"DETAILS", "SUPPRIMER", "ENCORE", "CONSEILLER", "STOP"} <= words["fr"]
    assert {"DETAILS", "MORE", "DELETE"} <= words["en"]
    assert {"DETAY", "SİL"} <= words["tr"]
    assert "تفاصيل" in words["ar"]
    assert all(len(found) > 20 for found in words.values())


def test_no_word_the_service_asks_for_is_read_as_an_irreversible_act(nlu_servers, nlu_token):
    words = sorted({(code, word) for code, found in command_words().items() for word in found})
    wrong = []
    with httpx.Client(timeout=10) as client:
        for model in LANGUAGES:
            url = nlu_servers.url(model)
            for code, word in words:
                answer = client.post(f"{url}/model/parse", params={"token": nlu_token},
                                     json={"text": word}).json()
                intent = (answer.get("intent") or {}).get("name")
                if intent in irreversible.INTENTS and intent not in _own_act(word):
                    wrong.append(f"{model} model: {word!r} ({code}) -> {intent} "
                                 f"{answer['intent']['confidence']:.2f}")
    assert wrong == [], "\n".join(wrong)


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_command_words_never_act_irreversibly_but_their_own(code):
    """Typed alone, the words of a language's texts do no irreversible act but their own,
    typos read included (« DETAILS » is no typo of « DELETE »)."""
    with language.use(code):
        for word in command_words()[code]:
            act = irreversible.exact(word)
            own = {irreversible.INTENTS[i] for i in _own_act(word)}
            assert act is None or act in own, (word, act)
