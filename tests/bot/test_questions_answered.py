"""Who can get a right, how much, how long, which papers: answered where asked (issue 26).

Improvised residents asked « combien de temps pour la CSS ? », « quels papiers pour l'APL ? »,
« 9eddach prime de naissance », « qui peut avoir l'AAH ? » and got the next question or the
same card. Each right's catalogue entry now says who can get it and how long it takes
(rules/benefits/*.yaml `who`, `delay`), and the person's result says how much; the question
is answered, then what was pending is asked again, nothing stored changes.
The questions of tests/conversations/questions/ (written apart from the answers) are checked
here for shape; `make conversation-eval` asks them all at four moments (bench/question_eval.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bench import question_eval
from bot import language, messages, rights
from bot.dialogue.results import largest_first
from rules.catalogue import load_catalogue
from storage.models import Answer, Conversation, EligibilityResult
from tests.helpers.app import Chat

CATALOGUE = {b.id: b for b in load_catalogue()}
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
PARENT = ["bonjour", "oui", "3", "35", "67100", "4 et 9", "1", "600", "2", "900", "0", "oui"]
KINDS = {"what", "who_can", "how_much", "how", "where", "documents", "how_long", "trust"}
TERMS = {"caf", "mdph", "cpam", "france_travail", "hlm", "france_services", "service"}


@pytest.fixture
def app(app_factory):
    with TestClient(app_factory(clock=lambda: NOW)) as client:
        yield client


@pytest.fixture
def chat(app):
    return Chat(app, "questions-user")


def state_and_answers(client) -> tuple[str, dict]:
    with client.app.state.db.session() as s:
        conversation = s.scalars(select(Conversation).order_by(Conversation.id.desc())).first()
        answers = {a.key: a.value for a in s.scalars(
            select(Answer).where(Answer.conversation_id == conversation.id))}
        return conversation.state, answers


def eligible(client) -> list[dict]:
    with client.app.state.db.session() as s:
        row = s.scalars(select(EligibilityResult).order_by(EligibilityResult.id.desc())).first()
        return [b for b in row.benefits if b.get("eligible") and CATALOGUE[b["id"]].kind != "help"]


def said(chat) -> str:
    return " ".join(r["text"] for r in chat.replies)


def test_how_long_mid_check_gives_the_delay_then_asks_again_and_keeps_every_answer(chat, app):
    for text in PARENT[:5]:
        chat.say(text)
    before = state_and_answers(app)
    pending = chat.last
    chat.say("combien de temps pour avoir la CSS ?")
    assert rights.text(CATALOGUE["css"], "delay") in said(chat)
    assert chat.last == pending  # the question that was pending, asked again
    assert state_and_answers(app) == before


def test_who_can_before_the_result_says_who_and_stores_nothing(chat, app):
    for text in PARENT[:4]:
        chat.say(text)
    before = state_and_answers(app)
    chat.say("qui a droit a l'aah ?")
    assert rights.text(CATALOGUE["aah"], "who") in said(chat)
    assert state_and_answers(app) == before


def test_how_much_at_the_result_gives_the_persons_own_amount(chat, app):
    for text in PARENT:
        chat.say(text)
    largest = largest_first(eligible(app))[0]
    name = rights.name(CATALOGUE[largest["id"]]).lower()
    chat.say(f"c'est combien {name} pour moi ?")
    assert f"{messages.euros(largest['amount'])} €" in said(chat)
    assert state_and_answers(app)[0] == "result"


def test_documents_at_the_result_are_the_persons_papers_for_that_right(chat, app):
    for text in PARENT:
        chat.say(text)
    assert "css" in {b["id"] for b in eligible(app)}
    chat.say("quels papiers il faut pour la css ?")
    assert messages.text("term_documents", name=rights.name(CATALOGUE["css"]),
                         documents=", ".join(rights.documents(CATALOGUE["css"]))) in said(chat)


def test_a_right_not_found_is_said_not_found_rather_than_who_can_get_it(chat, app):
    for text in PARENT:
        chat.say(text)
    assert "aspa" not in {b["id"] for b in eligible(app)}
    chat.say("combien de temps pour le minimum vieillesse ?")
    assert said(chat).startswith(messages.text("right_not_found",
                                               name=rights.name(CATALOGUE["aspa"])))
    # An answer to the person's own question, not a turn to ask theirs (the optional sex).
    assert "Facultatif" not in said(chat)


def test_no_right_named_is_no_question_about_a_right(chat, app):
    for text in PARENT:
        chat.say(text)
    chat.say("je peux avoir un rendez-vous ?")
    assert "pour qui ?" not in said(chat)  # not read as « who can get » the largest right


def test_english_how_long_in_english(app):
    chat = Chat(app, "questions-en")
    chat.say("hello")
    chat.say("ENGLISH")
    chat.say("how long does the AAH take?")
    with language.use("en"):
        assert rights.text(CATALOGUE["aah"], "delay") in said(chat)


@pytest.mark.parametrize("code", ["fr", "en", "tr", "ar"])
def test_each_language_has_forty_questions_each_with_an_expected_answer(code):
    questions = question_eval.load_questions(code)
    assert len(questions) >= 40
    assert {q.kind for q in questions} == KINDS
    for question in questions:
        assert question.about in CATALOGUE or question.about in TERMS, question
        # A question's expected content exists in the catalogues of its language.
        assert all(question_eval.expected_texts(question, code, None, "X"))


def test_a_misspelt_right_is_still_the_right_asked_about(chat, app):
    for text in PARENT[:4]:
        chat.say(text)
    chat.say("visal garan comment faire moi")
    assert rights.text(CATALOGUE["visale"], "where") in said(chat)


def test_digits_at_the_consent_answer_nothing_so_the_question_is_answered(chat, app):
    chat.say("bonjour")
    chat.say("l'apa c'est quoi ? ma mere a 85 ans")
    assert rights.text(CATALOGUE["apa"], "label") in said(chat)
    assert state_and_answers(app)[0] == "consent"


def test_digits_while_a_question_waits_are_its_answer_not_a_question(chat, app):
    for text in PARENT[:4]:
        chat.say(text)
    before = state_and_answers(app)
    chat.say("67100, l'aah ?")
    assert rights.text(CATALOGUE["aah"], "label") not in said(chat)
    assert state_and_answers(app) != before  # read as the answer it holds


def test_a_question_about_a_right_for_someone_else_stores_nothing_of_them(chat, app):
    for text in PARENT[:4]:
        chat.say(text)
    before = state_and_answers(app)
    chat.say("mon frère a 34 ans il est handicapé, comment on demande l'aah pour lui ?")
    assert rights.text(CATALOGUE["aah"], "where") in said(chat)
    assert state_and_answers(app) == before  # not his age, not his disability as the person's


def test_a_right_is_asked_about_before_the_office_that_pays_it(chat, app):
    for text in PARENT[:4]:
        chat.say(text)
    chat.say("combien de temps met la caf pour l'apl ?")
    assert rights.text(CATALOGUE["aide_logement"], "delay") in said(chat)


def test_the_french_questions_mid_check_are_answered_even_without_the_nlu(app_factory):
    """The evaluation's own run (bench/question_eval.py) on the keyword reader alone, at the
    moment where a question is likeliest to be taken for an answer: the middle of the check."""
    with TestClient(app_factory(clock=lambda: NOW,
                                messages_per_conversation_per_minute=10**6)) as app:
        _ask_the_french_questions(app)


def _ask_the_french_questions(app) -> None:
    from bench.conversation_eval import Evaluator, load_personas

    evaluator = Evaluator(app, app.app.state.core.eligibility)
    personas = {p.id: p for p in load_personas()}
    asker = question_eval.Asker(evaluator, {"fr": personas[question_eval.BASE["fr"]]})
    user = asker.build("fr", "check")
    trials = []
    for question in question_eval.load_questions("fr"):
        trial, moved = asker.ask("fr", "check", user, question)
        trials.append(trial)
        if moved:
            user = asker.build("fr", "check")
    answered = sum(t.answered for t in trials)
    assert not [t.question.text for t in trials if t.restarted]
    assert answered >= 0.9 * len(trials), question_eval.failures(question_eval.Report(trials))
