"""The disability rate the MDPH recognised (issue 25): a 50 % rate was taken for the 80 %
that opens the AAH alone, and a man got the AAH and the invalidity card stated. After « oui »,
the rate is asked (80 % or more, 50 to 79 %, under 50 %, not known), unless it came with the
yes; it is read back, and only 80 % or more (or not known: the referent checks) counts as 80."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import answers, language, messages
from storage.models import Answer, EligibilityResult
from tests.helpers.dialogue import conversation_of


def _stored(client, chat) -> dict:
    with client.app.state.db.session() as s:
        conversation = conversation_of(client, chat, s)
        return {a.key: a.value for a in s.scalars(select(Answer).where(
            Answer.conversation_id == conversation.id))}


def _eligible(client) -> set[str]:
    with client.app.state.db.session() as s:
        row = s.scalars(select(EligibilityResult)).one()
        return {b["id"] for b in row.benefits if b.get("eligible")}


@pytest.mark.parametrize("code, text, rate", [
    ("fr", "oui, 50 %", 50), ("fr", "80 pour cent", 80), ("tr", "evet %50", 50),
    ("ar", "نعم ٪80", 80), ("en", "yes, 50 percent", 50), ("fr", "oui", None),
])
def test_a_rate_said_with_its_sign_or_word(code, text, rate):
    with language.use(code):
        assert answers.disability_rate(text) == rate
        assert answers.says_rate(text) is (rate is not None)


def _to_disability(chat) -> None:
    chat.say("bonjour")
    chat.say("oui")
    chat.say("5")
    for text in ["45, 67100", "1", "2, 380"]:
        chat.say(text)
    assert chat.last == messages.text("ask_disability")


def test_yes_asks_the_rate_and_50_percent_states_no_aah(client, chat):
    _to_disability(chat)
    chat.say("oui")
    assert chat.last == messages.text("ask_disability_rate")
    assert chat.replies[-1]["choices"] == messages.CHOICES["disability_rate"]
    chat.say("2")
    assert _stored(client, chat)["disability_rate"] == 50
    chat.say("0")
    chat.say("0")
    assert messages.text("fact_disability_rate", value=50) in chat.last
    chat.say("oui")
    assert "aah" not in _eligible(client)


def test_the_rate_said_with_the_yes_is_not_asked_again(client, chat):
    _to_disability(chat)
    chat.say("oui reconnu à 80 %")
    assert chat.last == messages.text("ask_salary")
    assert _stored(client, chat)["disability_rate"] == 80
    chat.say("0")
    chat.say("0")
    chat.say("oui")
    assert "aah" in _eligible(client)


def test_a_rate_not_known_is_read_back_so_and_counts_as_80(client, chat):
    _to_disability(chat)
    chat.say("oui")
    chat.say("je sais pas")
    assert _stored(client, chat)["disability_rate"] == "unknown"
    chat.say("0")
    chat.say("0")
    assert messages.text("fact_disability_rate_unknown") in chat.last
    chat.say("oui")
    assert "aah" in _eligible(client)
