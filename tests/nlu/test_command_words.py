"""Every word the service tells people to type is safe in every language's model (issue 32).

The words are taken from the catalogues, not from a list kept by hand (bot/command_words.py):
each text residents read, in each language, gives its words in capitals (« DETAILS »,
« ENCORE », « SİL ») and the command words of its language it holds (« تفاصيل »), and each
menu gives its labels. A command word added to a text tomorrow is covered the day it is added.

Each is parsed by every language's real Rasa model. None may come out as an irreversible
intent (erase, STOP, cancel an appointment), except a word that is itself that act's
command (« SUPPRIMER » may well read as an erasure: typed alone it erases anyway).
The English model once read « DETAILS », which the result asks people to type, as
delete_my_data (0.99).
"""

from __future__ import annotations

import httpx
import pytest

from bot import command_words as words_of_the_service
from bot import language
from bot.dialogue import irreversible

LANGUAGES = ("fr", "en", "tr", "ar")


def command_words() -> dict[str, set[str]]:
    return {code: set(found) for code, found in words_of_the_service.command_words().items()}


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


def test_every_model_is_trained_on_the_words_of_todays_catalogues():
    """A word added to a text changes the training files (and so retrains every model)."""
    assert words_of_the_service.main(["check"]) == 0
    words = words_of_the_service.command_words()
    assert words["en"]["DETAILS"] == "help" and words["fr"]["SUPPRIMER"] == "delete_my_data"
    english = words_of_the_service.training_file("en", words)
    assert "    - DETAILS\n" in english and "    - DETAY\n" in english


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
