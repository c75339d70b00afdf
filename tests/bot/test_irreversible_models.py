"""Nothing irreversible on a model's guess (issue 32), with the real Rasa model of each
language: the transcript that erased an English resident on « DETAILS », on the web chat
and by SMS; each language's erase word acting at once; the same wish in other words asked
first."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot import language, messages
from storage.models import Answer, Conversation, Person
from tests.helpers.app import Chat, new_user_id
from tests.helpers.channels import Phone, twilio_settings

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
# What each language's resident writes first: the language is then the conversation's.
FIRST = {"fr": "bonjour, je voudrais connaitre mes droits",
         "en": "hello I would like to know what help I can get",
         "tr": "Merhaba, hangi yardımları alabileceğimi öğrenmek istiyorum",
         "ar": "السلام عليكم، أريد أن أعرف ما هي المساعدات التي يمكنني الحصول عليها"}
YES = {"fr": "oui", "en": "yes", "tr": "evet", "ar": "نعم"}
ERASE = {"fr": "SUPPRIMER", "en": "DELETE", "tr": "SİL", "ar": "احذف"}
# The wish to erase in words: asked first, never done at once.
ERASE_IN_WORDS = {
    "fr": "je veux que vous effaciez tout ce que je vous ai dit",
    "en": "delete my stuff pls",
    "tr": "söylediğim her şeyi silmenizi istiyorum",
    "ar": "بغيتك تمسح كل شي قلتو ليك",
}


def _urls(nlu_servers) -> str:
    return ",".join(f"{code}={nlu_servers.url(code)}" for code in ("en", "tr", "ar"))


@pytest.fixture
def client(app_factory, nlu_url, nlu_servers, nlu_token):
    app = app_factory(nlu_url=nlu_url, nlu_urls=_urls(nlu_servers), nlu_token=nlu_token,
                      nlu_timeout=5.0, clock=lambda: NOW)
    with TestClient(app) as test_client:
        yield test_client


def _in(code: str, key: str, **values) -> str:
    with language.use(code):
        return messages.text(key, **values)


def _count(client, model) -> int:
    with client.app.state.db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def _language(client) -> str:
    with client.app.state.db.session() as s:
        return s.scalars(select(Conversation.language).order_by(Conversation.id.desc())).first()


# The English resident of the issue: « other », « 30, 67100 », then the check's questions.
ENGLISH_ANSWERS = ["other", "30, 67100", "1", "1", "500", "no", "800", "0"]


def _english_check(say) -> list[str]:
    """Walks the issue's English resident to the result; returns what the bot said last."""
    said = say("hello I would like to know what help I can get")
    said = say("yes")
    for answer in ENGLISH_ANSWERS:
        said = say(answer)
        if any(text.startswith(_in("en", "recap", facts="").split(":")[0]) for text in said):
            said = say("yes")  # the facts read back are right
        if any(text.startswith(_in("en", "result_intro")) for text in said):
            return said
    raise AssertionError(f"no result: {said}")


def test_details_on_the_web_shows_the_details_and_erases_nothing(client):
    chat = Chat(client, new_user_id())

    def say(text):
        return [r["text"] for r in chat.say(text)]

    _english_check(say)
    assert _language(client) == "en"
    answers = _count(client, Answer)
    assert answers >= 6
    said = say("DETAILS")
    assert _in("en", "erased") not in said and _in("en", "confirm_erase") not in said
    assert said[-1] == _in("en", "details_which")  # which right? then its card
    said = say("1")
    assert any("\nWhere: " in text and "\nBring: " in text for text in said), said
    assert _count(client, Answer) == answers and _count(client, Person) == 1
    say("details")
    assert _count(client, Answer) == answers


def test_details_by_sms_shows_the_details_and_erases_nothing(app_factory, nlu_url, nlu_servers,
                                                             nlu_token, fake_twilio):
    app = app_factory(nlu_url=nlu_url, nlu_urls=_urls(nlu_servers), nlu_token=nlu_token,
                      nlu_timeout=5.0, clock=lambda: NOW, **twilio_settings(fake_twilio))
    with TestClient(app) as client:
        phone = Phone(client, fake_twilio, "+33611223344")

        said = _english_check(phone.say)
        assert any("DETAILS" in text for text in phone.received), phone.received
        answers = _count(client, Answer)
        said = phone.say("DETAILS 1")  # the first right's card (« DETAILS » alone lists them)
        assert any("Where: " in text for text in said), said
        assert _in("en", "erased") not in said
        assert _in("en", "confirm_erase") not in said
        assert _count(client, Answer) == answers and _count(client, Person) == 1


@pytest.mark.parametrize("code", ["fr", "en", "tr", "ar"])
def test_each_languages_erase_word_erases_at_once(client, code):
    chat = Chat(client, new_user_id())
    chat.say(FIRST[code])
    chat.say(YES[code])
    assert _language(client) == code
    chat.say(ERASE[code])
    assert chat.last == _in(code, "erased")
    assert _count(client, Person) == 0


@pytest.mark.parametrize("code", ["fr", "en", "tr", "ar"])
def test_the_wish_to_erase_in_words_is_asked_first(client, code):
    chat = Chat(client, new_user_id())
    chat.say(FIRST[code])
    chat.say(YES[code])
    assert _language(client) == code
    chat.say(ERASE_IN_WORDS[code])
    assert chat.last == _in(code, "confirm_erase")
    assert _count(client, Person) == 1
    chat.say(YES[code])
    assert chat.last == _in(code, "erased")
    assert _count(client, Person) == 0
