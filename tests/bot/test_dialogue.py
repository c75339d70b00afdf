"""Re-asks, navigation, consent and erasure, through the chat API on a real database."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot import messages
from bot.dialogue.questions import QUESTIONS
from storage.handoff import Appointment
from storage.models import (
    Answer,
    ChannelAddress,
    Consent,
    Conversation,
    FunnelEvent,
    Message,
    Person,
)
from tests.helpers.dialogue import ROUTE, SENIOR_ROUTE, drive_to, prompt_key, route_to


def count(db, model) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def route_of(key: str) -> dict:
    return route_to(key)


# ------------------------------------------------------------------ re-asks
@pytest.mark.parametrize("question", [q.key for q in QUESTIONS])
def test_every_question_re_asks_with_an_example_then_accepts_a_good_answer(chat, question):
    drive_to(chat, question)
    chat.say("euh bof")
    reask = messages.text(f"reask_{prompt_key(question, route_of(question))}")
    assert chat.last == reask
    assert "par exemple" in reask or "Répondez" in reask
    chat.say(route_of(question)[question])
    assert chat.last != reask


def test_two_misunderstandings_in_a_row_offer_a_person_and_keep_the_question(chat, client):
    drive_to(chat, "household")
    chat.say("blabla")
    assert chat.last == messages.text("reask_household")
    chat.say("toujours pas")
    assert messages.text("not_understood_again") in chat.text
    assert "CONSEILLER" in messages.text("not_understood_again")
    assert chat.replies[-1]["choices"] == messages.CHOICES["household"]
    chat.say("1")  # still the household question: no appointment is booked by a digit
    assert chat.last == messages.text("ask_housing_rent")
    assert count(client.app.state.db, Appointment) == 0


def test_the_misunderstanding_streak_ends_with_a_good_answer(chat):
    drive_to(chat, "age")
    chat.say("blabla")
    chat.say("30")
    chat.say("zzz")
    assert chat.last == messages.text("reask_postcode")


def test_consent_and_moment_re_ask(chat):
    chat.say("salut")
    chat.say("peut-être")
    assert chat.last == messages.text("consent_reask")
    chat.say("1")
    chat.say("9")
    assert chat.last == messages.text("moment_reask")
    assert chat.replies[-1]["choices"] == messages.CHOICES["moment"]
    chat.say("je deviens senior")
    assert chat.last == messages.text("ask_age_postcode")


@pytest.mark.parametrize("question, bad", [
    ("age", "200"), ("age", "-3"), ("age", "12"), ("age", "30 ou 40"),
    ("postcode", "6710"), ("postcode", "abcde"), ("postcode", "00000"),
    ("rent", "-50"), ("salary", "beaucoup"), ("children_ages", "3 et 40"),
])
def test_out_of_range_answers_are_re_asked(chat, question, bad):
    drive_to(chat, question)
    chat.say(bad)
    assert chat.last == messages.text(f"reask_{prompt_key(question, ROUTE)}")


# ------------------------------------------------------------------ navigation
def test_retour_goes_back_one_question_and_keeps_the_rest(chat, client):
    drive_to(chat, "household")
    chat.say("retour")
    assert chat.last == messages.text("ask_postcode")
    chat.say("67000")
    assert chat.last == messages.text("ask_household")
    with client.app.state.db.session() as s:
        answers = {a.key: a.value for a in s.scalars(select(Answer))}
    assert answers == {"age": 30, "postcode": "67000"}


def test_retour_at_the_first_question_says_so(chat):
    drive_to(chat, "age")
    chat.say("retour")
    assert messages.text("no_previous") in chat.text
    assert chat.last == messages.text("ask_moment")


def test_menu_shows_the_moments_and_recommencer_forgets_the_answers(chat, client):
    drive_to(chat, "housing")
    chat.say("menu")
    assert chat.replies[-1]["choices"] == messages.CHOICES["moment"]
    chat.say("recommencer")
    assert messages.text("restarted") in chat.text
    assert count(client.app.state.db, Answer) == 0
    chat.say("5")
    assert chat.last == messages.text("ask_age_postcode")


def test_changing_an_answer_with_retour_asks_the_questions_it_now_needs(chat):
    drive_to(chat, "rent")
    chat.say("retour")
    assert chat.last == messages.text("ask_housing_rent")
    chat.say("3")  # owner: no rent to ask
    assert chat.last == messages.text("ask_disability")


def test_conseiller_at_any_step_offers_slots_and_the_check_resumes_if_declined(chat):
    drive_to(chat, "rent")
    chat.say("CONSEILLER")
    assert chat.last == messages.text("slot_offer")
    chat.say(str(len(chat.replies[-1]["choices"])))  # the last choice: no appointment
    assert "CCAS Neudorf, 03 88 11 22 33" in chat.text
    assert chat.last == messages.text("ask_rent")
    chat.say("500")
    assert chat.last == messages.text("ask_disability")


def test_conseiller_before_consent_gives_the_contact(chat):
    chat.say("bonjour")
    chat.say("conseiller")
    assert "CCAS Neudorf, 03 88 11 22 33" in chat.text
    assert chat.replies[-1]["choices"] == messages.CHOICES["consent"]


def test_after_the_result_one_talks_to_a_person_or_starts_again(chat):
    chat.say("bonjour")
    chat.say("oui")
    chat.say("5")
    for answer in ["30", "67100", "1", "1", "500", "2", "800", "0", "oui"]:
        chat.say(answer)
    assert chat.replies[-1]["choices"] == messages.CHOICES["after_result"]
    chat.say("1")
    assert chat.last == messages.text("slot_offer")
    chat.say("pas de rendez-vous")
    assert "CCAS Neudorf" in chat.text
    chat.say("2")
    assert chat.last == messages.text("ask_moment")


# ------------------------------------------------------------------ consent and erasure
def test_nothing_personal_is_stored_before_consent(chat, client):
    db = client.app.state.db
    chat.say("bonjour, j'ai 30 ans et je gagne 800 euros")
    assert count(db, Message) == 0 and count(db, Answer) == 0 and count(db, Consent) == 0
    with db.session() as s:
        address = s.scalars(select(ChannelAddress)).one()
        assert address.address is None and chat.user_id not in address.key
    chat.say("oui")
    assert count(db, Consent) == 1
    assert count(db, Message) > 0
    with db.session() as s:
        assert s.scalars(select(ChannelAddress)).one().address == chat.user_id


def test_declining_keeps_nothing_and_still_gives_a_contact(chat, client):
    db = client.app.state.db
    chat.say("bonjour")
    chat.say("non")
    assert "CCAS Neudorf, 03 88 11 22 33" in chat.text
    chat.say("c'est quoi le rsa ?")
    assert chat.last == messages.text("declined_again")
    assert count(db, Message) == 0 and count(db, Answer) == 0 and count(db, Consent) == 0
    chat.say("oui")  # changing one's mind
    assert chat.replies[-1]["choices"] == messages.CHOICES["moment"]
    assert count(db, Consent) == 1


@pytest.mark.parametrize("when", ["consent", "age", "rent", "result"])
def test_supprimer_at_any_step_erases_everything(chat, client, when):
    db = client.app.state.db
    other = chat.other()
    drive_to(other, "rent")
    if when == "consent":
        chat.say("bonjour")
    elif when == "result":
        chat.say("bonjour"), chat.say("oui"), chat.say("4")
        for answer in SENIOR_ROUTE.values():
            chat.say(answer)
    else:
        drive_to(chat, when)
    chat.say("SUPPRIMER")
    assert chat.last == messages.text("erased")
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 1  # only the other one
        conversation = s.scalars(select(Conversation)).one()
        assert {a.key for a in conversation.answers} == {"age", "postcode", "household",
                                                         "children_ages", "housing"}
        # Anonymous counts stay: they hold no one.
        assert s.scalar(select(func.count()).select_from(FunnelEvent)) > 0
    chat.say("bonjour")
    assert chat.replies[-1]["choices"] == messages.CHOICES["consent"]


# ------------------------------------------------------------------ SMS-sized prompts
def test_greeting_and_consent_fit_one_sms():
    body = (messages.text("greeting") + "\n" + messages.text("privacy", months=12)
            + "".join(f"\n{i}. {c}" for i, c in enumerate(messages.CHOICES["consent"], 1)))
    assert len(body) <= 160, len(body)
    moment = messages.text("ask_moment_first") + "".join(
        f"\n{i}. {c}" for i, c in enumerate(messages.CHOICES["moment"], 1))
    assert len(moment) <= 160, len(moment)


def test_every_prompt_fits_one_sms_with_its_choices():
    for key, text in messages.TEXTS.items():
        if key.startswith(("ask_", "reask_")) or key in ("privacy", "urgent", "consent_reask"):
            choices = messages.CHOICES.get(key.removeprefix("ask_"), [])
            if key == "privacy":
                choices = messages.CHOICES["consent"]
            body = text.format(months=12) + "".join(f"\n{i}. {c}" for i, c in enumerate(choices, 1))
            assert len(body) <= 160, (key, len(body))
