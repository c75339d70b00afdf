"""Whose fact it is (issue 25 item 3): a partner's income is the partner's, a child's
disability the child's, « no salary » a zero next to the unemployment benefit said with it.
Improvised residents got « I have no income, my husband earns 1,520 » stored as her salary,
« maaş yok, işsizlik parası 1050 » as a salary of 1,050, and « my son has an 80 % disability »
as the mother's (AAH for her, no AEEH for him). The words are each language's `subjects` and
`incomes` tables (locales/*/words.yml); the conversations run through the chat API on a real
database and the real rules."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import answers, language, messages
from storage.models import Answer, EligibilityResult
from tests.helpers.dialogue import conversation_of


@pytest.mark.parametrize("code, text, own, facts", [
    ("en", "I have no income, my husband earns 1,520", "i have no income",
     {"partner_income": 1520}),
    ("fr", "je touche rien et mon mari 1500", "je touche rien et", {"partner_income": 1500}),
    ("tr", "ben çalışmıyorum, kocam 1500 kazanıyor", "ben calismiyorum",
     {"partner_income": 1500}),
    ("ar", "راجلي كيخدم ب 1500 وانا والو", "وانا والو", {"partner_income": 1500}),
    # An age said of the partner is no income.
    ("fr", "J'ai 74 ans et mon mari en a 78", "j'ai 74 ans et", {}),
    ("en", "No, not me. But my son has autism and the MDPH recognised an 80% disability rate "
           "for him", "no, not me. but", {"child_disability": True, "disability": False}),
    ("fr", "c'est mon fils qui a le handicap, pas moi", "c'est moi",
     {"child_disability": True, "disability": False}),
    ("fr", "j'ai un handicap et ma fille aussi, elle est reconnue mdph", "j'ai un handicap et",
     {"child_disability": True, "disability": True}),
    ("fr", "je gagne 1200", "je gagne 1200", {}),
    ("fr", "non, mais ma femme est reconnue mdph", "non, mais",
     {"partner_disability": True, "disability": False}),
    ("tr", "hayır, eşimin engeli var", "hayir", {"partner_disability": True, "disability": False}),
])
def test_each_piece_of_a_sentence_is_read_for_whom_it_is_about(code, text, own, facts):
    with language.use(code):
        assert answers.whose(text) == (own, facts)


@pytest.mark.parametrize("code, text, key, own, others", [
    ("tr", "maas yok, issizlik parasi 1050 euro aliyorum", "salary", "maas yok",
     {"unemployment": 1050}),
    ("en", "No salary, I get 800 unemployment", "salary", "no salary, i get",
     {"unemployment": 800}),
    ("fr", "pas de salaire, 820 de chômage", "salary", "pas de salaire,", {"unemployment": 820}),
    ("ar", "غير الشوماج 900", "salary", "غير", {"unemployment": 900}),
    ("en", "i get 900 from unemployment, no wages", "salary", "i get wages",
     {"unemployment": 900}),
    ("fr", "chômage 800 et salaire 300", "unemployment", "chomage 800 et", {"salary": 300}),
])
def test_each_income_is_read_apart(code, text, key, own, others):
    with language.use(code):
        assert answers.incomes(text, key) == (own, others)


@pytest.mark.parametrize("text", ["je touche le chômage 820", "1200", "1200 et 300 de chômage"])
def test_a_message_without_two_clear_incomes_is_left_whole(text):
    assert answers.incomes(text, "unemployment" if "820" in text else "salary")[1] in (
        {}, {"unemployment": 300})


def _answers(client, chat) -> dict:
    with client.app.state.db.session() as s:
        conversation = conversation_of(client, chat, s)
        return {a.key: a.value for a in s.scalars(select(Answer).where(
            Answer.conversation_id == conversation.id))}


def _in(code: str, key: str, **values) -> str:
    with language.use(code):
        return messages.text(key, **values)


def _choose(chat, code: str) -> None:
    """LANGUE, then the language's place in the menu; consent; « Autre »."""
    chat.say("LANGUE")
    chat.say(str(["fr", "ar", "en", "tr"].index(code) + 1))
    chat.say("1")
    chat.say("5")


def test_a_partner_s_income_said_in_the_person_s_answer_is_the_partner_s(client, chat):
    _choose(chat, "en")
    for text in ["34, 67100", "married with 2 kids", "6 and 9", "social housing 520", "no"]:
        chat.say(text)
    assert chat.last == _in("en", "ask_salary_partner_income")
    chat.say("I have no income, my husband earns 1,520")
    stored = _answers(client, chat)
    assert stored["salary"] == 0 and stored["partner_income"] == 1520
    assert chat.last == _in("en", "ask_unemployment")


def test_no_salary_and_the_unemployment_benefit_in_one_answer(client, chat):
    _choose(chat, "tr")
    for text in ["41, 68100", "1", "kiracıyım 480", "hayır"]:
        chat.say(text)
    assert chat.last == _in("tr", "ask_salary")
    chat.say("maas yok, issizlik parasi 1050 euro aliyorum")
    stored = _answers(client, chat)
    assert stored["salary"] == 0 and stored["unemployment"] == 1050
    # Nothing left to ask: every fact is read back, the benefit as unemployment.
    assert chat.last.startswith(_in("tr", "recap", facts="").split(":")[0])
    assert _in("tr", "fact_unemployment", value="1 050") in chat.last


def test_a_child_s_disability_is_the_child_s_and_opens_the_aeeh(client, chat):
    _choose(chat, "en")
    for text in ["38, 67200", "single with my son", "9", "rent 610"]:
        chat.say(text)
    assert chat.last == _in("en", "ask_disability")
    chat.say("No, not me. But my son has autism and the MDPH recognised an 80% disability "
             "rate for him")
    stored = _answers(client, chat)
    assert stored["disability"] is False and stored["child_disability"] is True
    chat.say("1200")
    chat.say("0")
    assert _in("en", "fact_child_disability_yes") in chat.last
    chat.say("yes")
    with client.app.state.db.session() as s:
        result = s.scalars(select(EligibilityResult)).one()
        found = {b["id"] for b in result.benefits if b.get("eligible")}
    assert "aeeh" in found and "aah" not in found


def test_the_child_s_disability_corrected_at_the_read_back_asks_which_child(client, chat):
    chat.say("bonjour")
    chat.say("oui")
    chat.say("3")
    for text in ["36, 67100", "4 et 11", "hlm 450", "oui", "1", "900", "0"]:
        chat.say(text)
    assert messages.text("fact_disability_yes") in chat.last
    chat.say("non c'est mon fils qui a le handicap, pas moi")
    assert chat.last == messages.text("ask_disabled_children")
    chat.say("celui de 11 ans")
    stored = _answers(client, chat)
    assert "disability_rate" not in _answers(client, chat)  # no longer asked: forgotten
    assert stored["disability"] is False and stored["child_disability"] is True
    assert stored["disabled_children"] == [1]
    assert messages.text("fact_child_disability_yes") in chat.last


@pytest.mark.parametrize("code, text", [
    ("fr", "non mais mon fils est autiste"), ("en", "no, my daughter has autism"),
    ("tr", "hayır, oğlum otistik"), ("ar", "لا، ولدي عندو التوحد"),
])
def test_a_child_s_condition_named_without_the_word_disability_is_the_child_s(code, text):
    with language.use(code):
        assert answers.whose(text)[1] == {"child_disability": True, "disability": False}


def test_a_partner_s_disability_is_the_partner_s_and_opens_the_partner_s_aah(client, chat):
    chat.say("bonjour")
    chat.say("oui")
    chat.say("4")  # senior: the disability question is not asked, the fact said is kept
    for text in ["72, 67100", "en couple", "proprietaire"]:
        chat.say(text)
    assert chat.last == messages.text("ask_partner_income")
    chat.say("elle a 600 de pension, elle est handicapée reconnue mdph")
    assert chat.last == messages.text("ask_pension")
    chat.say("1100 de retraite")
    chat.say("0")
    assert messages.text("fact_partner_disability_yes") in chat.last
    chat.say("oui")
    stored = _answers(client, chat)
    with client.app.state.db.session() as s:
        found = {b["id"] for b in s.scalars(select(EligibilityResult)).one().benefits
                 if b.get("eligible")}
    assert "aah" in found
    assert stored["partner_income"] == 600 and stored["partner_disability"] is True
