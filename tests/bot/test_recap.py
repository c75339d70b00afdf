"""Nothing is computed from a fact the person has not seen (issue 25): once every answer is
in, one message reads back every fact the check uses; « oui » computes, a correction in words
changes that fact and reads back again, « non » asks which fact is wrong. Through the chat
API on a real database and the real rules."""

from __future__ import annotations

from sqlalchemy import func, select

from bot import messages
from bot.render import split_parts, to_gsm7
from storage.models import Answer, EligibilityResult
from tests.helpers.dialogue import conversation_of

SINGLE_MOTHER = ["31, 67100", "3 ans et 7 ans, leur pere est parti ya 2 ans il paye rien",
                 "hlm 420", "non", "950", "rien"]


def start(chat, moment: str = "5") -> None:
    chat.say("bonjour")
    chat.say("oui")
    chat.say(moment)


def state_of(client, chat) -> str:
    with client.app.state.db.session() as s:
        return conversation_of(client, chat, s).state


def answers_of(client, chat) -> dict:
    with client.app.state.db.session() as s:
        conversation = conversation_of(client, chat, s)
        return {a.key: a.value for a in s.scalars(select(Answer).where(
            Answer.conversation_id == conversation.id))}


def results(client) -> int:
    with client.app.state.db.session() as s:
        return s.scalar(select(func.count()).select_from(EligibilityResult))


def test_every_fact_is_read_back_and_only_oui_computes(client, chat):
    start(chat, "3")  # « J'élève seul(e) mes enfants »: alone with children, never asked
    for text in SINGLE_MOTHER:
        chat.say(text)
    assert chat.last == messages.text("recap", facts=(
        "31 ans, 67100, seul(e), enfants de 3 et 7 ans, logement social 420 €, "
        "pas de handicap, salaire 950 €, chômage 0 €"))
    assert chat.replies[-1]["choices"] == messages.CHOICES["yes_no"]
    assert state_of(client, chat) == "recap" and results(client) == 0
    chat.say("oui")
    assert "probablement droit" in chat.text and results(client) == 1


def test_the_recap_fits_two_sms_parts_for_a_family():
    facts = ("42 ans, 67000, en couple, enfants de 21, 9 et 4 ans, logement social 650 €, "
             "pas de handicap, salaire 1 500 €, conjoint(e) 1 200 €, chômage 0 €")
    text = messages.text("recap", facts=facts) + "\n1. Oui\n2. Non"
    assert len(split_parts(to_gsm7(text))) <= 2


def test_a_correction_in_words_changes_the_fact_and_reads_back_again(client, chat):
    start(chat, "3")
    for text in SINGLE_MOTHER:
        chat.say(text)
    chat.say("non le loyer c'est 450")
    assert chat.replies[0]["text"] == messages.text("corrected", facts="loyer 450 €")
    assert "logement social 450 €" in chat.last and state_of(client, chat) == "recap"
    assert answers_of(client, chat)["rent"] == 450 and results(client) == 0
    chat.say("oui c'est bon")
    assert results(client) == 1


def test_non_asks_which_fact_and_its_number_asks_it_again(client, chat):
    start(chat, "3")
    for text in SINGLE_MOTHER:
        chat.say(text)
    chat.say("non")
    assert chat.last == messages.text("recap_which")
    choices = chat.replies[-1]["choices"]
    assert choices[:4] == ["31 ans", "code postal 67100", "seul(e) avec enfant(s)",
                           "enfants de 3 et 7 ans"]
    chat.say(str(choices.index("enfants de 3 et 7 ans") + 1))
    assert chat.last == messages.text("ask_children_ages")
    chat.say("3, 7 et 12")
    assert "enfants de 3, 7 et 12 ans" in chat.last and state_of(client, chat) == "recap"
    assert results(client) == 0


def test_a_couple_after_all_asks_what_a_couple_needs_then_reads_back(client, chat):
    start(chat)
    for text in ["40 ans 67200", "seul", "locataire 600", "non", "1200", "0"]:
        chat.say(text)
    assert state_of(client, chat) == "recap"
    chat.say("en fait on est en couple")
    assert chat.last == messages.text("ask_partner_income")  # what a couple's check needs
    chat.say("900")
    assert "en couple" in chat.last and "conjoint(e) 900 €" in chat.last
    assert state_of(client, chat) == "recap"


def test_something_else_at_the_recap_reads_it_back_again_never_a_menu(client, chat):
    start(chat, "3")
    for text in SINGLE_MOTHER:
        chat.say(text)
    chat.say("hein ?")
    assert chat.last == messages.text("recap", facts=(
        "31 ans, 67100, seul(e), enfants de 3 et 7 ans, logement social 420 €, "
        "pas de handicap, salaire 950 €, chômage 0 €"))
    assert results(client) == 0


def test_retour_at_the_recap_asks_the_last_question_again(client, chat):
    start(chat, "3")
    for text in SINGLE_MOTHER:
        chat.say(text)
    chat.say("RETOUR")
    assert chat.last == messages.text("ask_unemployment")


def test_the_right_answer_itself_after_non_corrects_its_fact(client, chat):
    start(chat, "3")
    for text in ["31, 67100", "3 et 7", "locataire 420", "non", "950", "rien"]:
        chat.say(text)
    assert "locataire 420 €" in chat.last
    chat.say("non")
    chat.say("HLM")  # « Écrivez son numéro, ou la bonne réponse »
    assert chat.replies[0]["text"] == messages.text("corrected", facts="logement social")
    assert "logement social 420 €" in chat.last and state_of(client, chat) == "recap"
