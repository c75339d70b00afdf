"""Answers in words, facts in passing, corrections, « je sais pas », danger words: whole
conversations through POST /api/chat on a real database and the real rules engine.

The transcripts quoted in the understanding issue are replayed here as they were typed.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot import messages
from storage.handoff import Appointment
from storage.models import Answer, Conversation, EligibilityResult
from tests.helpers.dialogue import conversation_of

URGENT = messages.text("urgent")


def answers_of(client, chat) -> dict:
    with client.app.state.db.session() as s:
        conversation = conversation_of(client, chat, s)
        rows = s.scalars(select(Answer).where(Answer.conversation_id == conversation.id))
        return {row.key: row.value for row in rows}


def state_of(client, chat) -> str:
    with client.app.state.db.session() as s:
        return conversation_of(client, chat, s).state


def start(chat, moment: str = "5") -> None:
    chat.say("bonjour")
    chat.say("oui")
    chat.say(moment)


def bookings(client) -> int:
    with client.app.state.db.session() as s:
        return s.scalar(select(func.count()).select_from(Appointment))


# ------------------------------------------------------------------ words for every menu
@pytest.mark.parametrize("words, household", [
    ("je vis seule", "single"), ("seule", "single"), ("tout seul", "single"),
    ("seule depuis que mon mari est mort", "single"), ("on est pacsés", "couple"),
    ("on est mariés avec 2 enfants", "couple_with_children"),
    ("mariés avec 2 enfants", "couple_with_children"),
])
def test_household_in_words_is_understood_at_once(client, chat, words, household):
    start(chat)
    chat.say("30 ans 67100")
    assert chat.last == messages.text("ask_household")
    chat.say(words)
    assert answers_of(client, chat)["household"] == household
    assert messages.text("reask_household") not in chat.text


@pytest.mark.parametrize("words, housing", [
    ("je loue un studio", "tenant"), ("hlm", "social_tenant"), ("logement social", "social_tenant"),
    ("chez mes parents", "hosted"), ("chez ma mère gratuitement", "hosted"), ("proprio", "owner"),
    ("à la rue", "homeless"),
])
def test_housing_in_words_is_understood(client, chat, words, housing, monkeypatch):
    start(chat)
    for text in ["30", "67100", "1"]:
        chat.say(text)
    assert chat.last == messages.text("ask_housing_rent")
    chat.say(words)
    assert answers_of(client, chat)["housing"] == housing


def test_the_issue_transcript_je_vis_seule_finishes_the_check_without_a_booking(client, chat):
    """« Vous vivez : » answered « je vis seule »: before, two re-asks then a slot menu."""
    start(chat)
    for text in ["30", "67100"]:
        chat.say(text)
    chat.say("je vis seule")
    assert chat.last == messages.text("ask_housing_rent")
    for text in ["chez ma mère gratuitement", "nan", "je touche rien", "0", "oui"]:
        chat.say(text)
    assert "probablement droit" in chat.text or "aide probable" in chat.text
    assert bookings(client) == 0
    assert answers_of(client, chat) | {} == {
        "age": 30, "postcode": "67100", "household": "single", "housing": "hosted",
        "disability": False, "salary": 0.0, "unemployment": 0.0}


def test_yes_no_and_nothing_in_words(client, chat):
    start(chat)
    for text in ["30", "67100", "1", "4"]:
        chat.say(text)
    chat.say("pas de handicap")
    chat.say("je touche rien")
    chat.say("nada")
    assert answers_of(client, chat)["disability"] is False
    assert answers_of(client, chat)["salary"] == 0
    assert answers_of(client, chat)["unemployment"] == 0


def test_numbers_in_words_for_age_and_amounts(client, chat):
    start(chat)
    chat.say("vingt-trois ans, 67100")
    for text in ["1", "4", "non"]:
        chat.say(text)
    chat.say("mille deux cents")
    assert answers_of(client, chat)["age"] == 23
    assert answers_of(client, chat)["salary"] == 1200


# ------------------------------------------------------------------ no silent misfill
def test_children_ages_never_fill_the_salary(client, chat):
    """« 4 et 9 » were ages: the salary of 1 500 € is still asked and used."""
    start(chat)
    for text in ["34", "67100", "on est mariés avec 2 enfants"]:
        chat.say(text)
    chat.say("4 et 9")
    assert answers_of(client, chat)["children_ages"] == [4, 9]
    assert "salary" not in answers_of(client, chat)
    for text in ["1", "600", "non"]:
        chat.say(text)
    assert chat.last == messages.text("ask_salary_partner_income")
    chat.say("1500 et 0")
    chat.say("0")
    assert chat.last.startswith("Je vérifie : 34 ans, 67100, en couple, enfants de 4 et 9 ans")
    chat.say("oui")
    assert answers_of(client, chat)["salary"] == 1500
    with client.app.state.db.session() as s:
        result = s.scalars(select(EligibilityResult)).all()[-1]
    rsa = next(b for b in result.benefits if b["id"] == "rsa")
    # Before: salary taken as 4 (or 9), « RSA : environ 1 018 €/mois » for a family earning
    # 1 500 €. With the real salary, the RSA is far lower (or none).
    assert not rsa["eligible"] or rsa["amount"] < 700


def test_a_fact_given_in_passing_is_confirmed_before_it_counts(client, chat):
    start(chat)
    for text in ["30", "67100", "1"]:
        chat.say(text)
    chat.say("je loue, et je gagne 1500 par mois")
    assert answers_of(client, chat)["housing"] == "tenant"
    assert "salary" not in answers_of(client, chat)
    assert chat.last == messages.text("confirm_noted", facts="salaire 1 500 €")
    chat.say("oui")
    assert answers_of(client, chat)["salary"] == 1500
    assert chat.last == messages.text("ask_rent")


def test_a_fact_given_in_passing_and_denied_is_dropped(client, chat):
    start(chat)
    for text in ["30", "67100", "1"]:
        chat.say(text)
    chat.say("je loue, et je gagne 1500 par mois")
    chat.say("non")
    assert "salary" not in answers_of(client, chat)
    assert messages.text("confirm_dropped") in chat.text


def test_the_first_message_that_says_it_all_is_used_after_consent(client, chat):
    chat.say("Bonjour, je m'appelle Fatima, j'ai 34 ans, je suis seule avec deux enfants de "
             "5 et 8 ans, je vis en HLM, loyer 480 euros, je travaille à mi-temps pour 750 euros")
    assert answers_of_nobody(client) == 0  # nothing is an answer before consent
    chat.say("oui")
    assert chat.last.startswith("J'ai noté : 34 ans, seul(e) avec enfant(s), enfants de 5 et 8 ans")
    chat.say("oui")
    assert answers_of(client, chat) | {} == {
        "age": 34, "household": "single_with_children", "children_ages": [5, 8],
        "housing": "social_tenant", "rent": 480.0, "salary": 750.0}
    asked = []
    for text in ["67100", "non", "0"]:
        asked.append(chat.last)
        chat.say(text)
    assert asked == [messages.text("ask_postcode"), messages.text("ask_disability"),
                     messages.text("ask_unemployment")]
    chat.say("oui")  # to the facts read back
    assert "probablement droit" in chat.text


def answers_of_nobody(client) -> int:
    with client.app.state.db.session() as s:
        return s.scalar(select(func.count()).select_from(Answer))


def test_the_first_message_is_erased_when_consent_is_declined(client, chat):
    chat.say("j'ai 34 ans et je gagne 750 euros")
    chat.say("non")
    with client.app.state.db.session() as s:
        contexts = s.scalars(select(Conversation.context)).all()
    assert all("750" not in str(context) for context in contexts)
    assert answers_of_nobody(client) == 0


def test_the_first_message_is_not_used_after_an_hour(app_factory):
    from fastapi.testclient import TestClient

    from tests.helpers.app import Chat

    now = [__import__("datetime").datetime(2026, 11, 30, 9, tzinfo=__import__(
        "datetime").timezone.utc)]
    with TestClient(app_factory(clock=lambda: now[0])) as client:
        chat = Chat(client, "late-user")
        chat.say("j'ai 34 ans et je gagne 750 euros")
        now[0] += timedelta(hours=2)
        chat.say("oui")
        assert chat.last == messages.text("ask_moment_first")
        assert answers_of(client, chat) == {}


# ------------------------------------------------------------------ corrections
def test_non_j_ai_25_ans_corrects_the_age_and_goes_on(client, chat):
    start(chat)
    chat.say("23 ans 67100")
    chat.say("non j'ai 25 ans")
    assert answers_of(client, chat)["age"] == 25
    assert messages.text("corrected", facts="25 ans") in chat.text
    assert chat.last == messages.text("ask_household")


def test_en_fait_on_est_en_couple_asks_what_a_couple_needs(client, chat):
    start(chat)
    for text in ["30", "67100", "seule", "1", "500", "non"]:
        chat.say(text)
    chat.say("en fait on est en couple")
    assert answers_of(client, chat)["household"] == "couple"
    assert chat.last == messages.text("ask_salary_partner_income")


def test_je_me_suis_trompe_goes_back_one_question(client, chat):
    start(chat)
    for text in ["30", "67100", "1"]:
        chat.say(text)
    chat.say("je me suis trompée")
    assert chat.last == messages.text("ask_household")


# ------------------------------------------------------------------ je ne sais pas
def test_je_sais_pas_for_an_amount_offers_ranges(client, chat):
    start(chat)
    for text in ["30", "67100", "1", "1"]:
        chat.say(text)
    assert chat.last == messages.text("ask_rent")
    chat.say("je sais pas")
    assert chat.replies[-1]["choices"] == messages.CHOICES["range_rent"]
    chat.say("2")
    assert answers_of(client, chat)["rent"] == 500
    assert chat.last == messages.text("ask_disability")


# ------------------------------------------------------------------ not understood
def test_not_understood_twice_offers_a_person_and_a_digit_still_answers(client, chat):
    start(chat)
    for text in ["30", "67100"]:
        chat.say(text)
    chat.say("bof")
    chat.say("truc")
    assert messages.text("not_understood_again") in chat.text
    assert chat.replies[-1]["choices"] == messages.CHOICES["household"]
    chat.say("1")  # the first household option, never a slot
    assert answers_of(client, chat)["household"] == "single"
    assert bookings(client) == 0


def test_after_a_hand_off_reprendre_finishes_the_check(client, chat):
    start(chat)
    for text in ["30", "67100"]:
        chat.say(text)
    chat.say("CONSEILLER")
    assert state_of(client, chat) == "slot"
    chat.say("REPRENDRE")
    assert chat.last == messages.text("ask_household")
    for text in ["1", "4", "non", "0", "0", "oui"]:
        chat.say(text)
    assert "probablement droit" in chat.text or "aide probable" in chat.text


# ------------------------------------------------------------------ danger, in words
@pytest.mark.parametrize("text", [
    "on va être expulsés demain", "on m'a mis dehors avec les enfants",
    "il a levé la main sur moi", "mon copain me tape", "il me bat",
    "les huissiers viennent demain", "on dort dans la voiture depuis une semaine",
    "plus de chauffage et les enfants ont froid", "le frigo est vide, rien pour les petits",
])
def test_danger_in_words_gets_the_emergency_numbers_first(chat, text):
    chat.say(text)
    assert chat.replies[0]["text"] == URGENT


@pytest.mark.parametrize("text", [
    "il fait froid", "ça me tue ces papiers", "je suis mort de rire",
    "j'ai expulsé mon ancien locataire", "bonjour je voudrais savoir mes droits",
])
def test_ordinary_sentences_do_not_trigger_the_emergency_numbers(chat, text):
    chat.say(text)
    assert URGENT not in chat.text


def test_danger_in_the_middle_of_the_check(client, chat):
    start(chat)
    chat.say("30 ans 67100")
    chat.say("on m'a mis dehors avec les enfants")
    assert chat.replies[0]["text"] == URGENT


# ------------------------------------------------------------------ « droit à rien »
def test_de_toute_facon_je_n_ai_droit_a_rien_gets_encouragement_and_the_check(chat):
    chat.say("de toute façon j'ai droit à rien")
    assert chat.replies[0]["text"] == messages.text("encourage")
    assert chat.replies[-1]["choices"] == messages.CHOICES["consent"]


def test_housing_and_rent_in_one_answer_save_a_message(client, chat):
    start(chat)
    for text in ["30 ans 67100", "1"]:
        chat.say(text)
    assert chat.last == messages.text("ask_housing_rent")
    chat.say("hlm, 520 de loyer")
    assert answers_of(client, chat)["housing"] == "social_tenant"
    assert answers_of(client, chat)["rent"] == 520
    assert chat.last == messages.text("ask_disability")


# ------------------------------------------------------------------ nothing said is lost
def test_facts_for_a_later_question_are_noted_and_this_one_asked_again(client, chat):
    start(chat, "5")  # age and postcode come first
    chat.say("je gagne 1200 par mois")
    assert chat.last == messages.text("confirm_noted", facts="salaire 1 200 €")
    chat.say("oui")
    assert chat.last == messages.text("ask_age_postcode")  # the question still open
    chat.say("34 ans, 67100")
    stored = answers_of(client, chat)
    assert stored["salary"] == 1200 and stored["age"] == 34
    assert stored["postcode"] == "67100"


def test_going_on_instead_of_confirming_keeps_what_was_noted_and_the_new_answer(client, chat):
    """« 34 ans 67100 » to « J'ai noté : enfants de 4 et 9 ans. C'est bien ça ? »: the person
    read it, did not object and answered what comes next."""
    chat.say("bonjour")
    chat.say("ouais")
    chat.say("je vis seule avec mes 2 enfants de 4 et 9 ans")
    assert chat.last == messages.text("confirm_noted", facts="enfants de 4 et 9 ans")
    chat.say("34 ans 67100")
    stored = answers_of(client, chat)
    assert stored["children_ages"] == [4, 9]
    assert stored["age"] == 34 and stored["postcode"] == "67100"
    assert chat.last == messages.text("ask_housing_rent")
    chat.say("blabla")  # not an answer: asked again
    assert chat.last == messages.text("reask_housing_rent")


def test_merci_after_the_result_is_not_a_yes_to_a_person(client, chat):
    from storage.handoff import Handoff

    start(chat, "5")
    for text in ["40 ans 67200", "seul", "proprietaire", "non", "2000", "0", "0", "oui"]:
        chat.say(text)
    assert state_of(client, chat) == "result"
    chat.say("ok merci")
    assert chat.replies[0]["text"] == messages.text("after_thanks")
    with client.app.state.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Handoff)) == 0
    chat.say("oui merci")  # a yes with thanks is still a yes
    assert state_of(client, chat) != "result"


# ------------------------------------------------------------------ facts at the moment menu
def rights_of(client, chat) -> dict:
    """The rights of the chat's last result: id -> (eligible, amount)."""
    with client.app.state.db.session() as s:
        conversation = conversation_of(client, chat, s)
        result = s.scalars(select(EligibilityResult).where(
            EligibilityResult.conversation_id == conversation.id)).all()[-1]
        return {b["id"]: (b["eligible"], b.get("amount")) for b in result.benefits}


def test_je_vis_seule_at_the_menu_gets_the_same_result_as_the_digits(client, chat):
    """The transcript found by hand: « je vis seule » to « Qu'est-ce qui vous amène ? » was
    not understood, and every fact sent after it was asked again (17 SMS, no result)."""
    chat.say("g droit a koi")
    chat.say("ouais")
    chat.say("je vis seule")
    assert chat.last == messages.text("confirm_noted", facts="seul(e)")
    for text in ["34 ans 67100", "on est en hlm 420", "non", "je gagne 900", "rien", "oui"]:
        chat.say(text)
    assert state_of(client, chat) == "result"
    digits = chat.other()
    for text in ["bonjour", "oui", "5", "34", "67100", "1", "2", "420", "2", "900", "0", "oui"]:
        digits.say(text)
    assert state_of(client, digits) == "result"
    assert answers_of(client, chat) == answers_of(client, digits)
    assert rights_of(client, chat) == rights_of(client, digits)
    assert any(eligible for eligible, _ in rights_of(client, chat).values())
    assert bookings(client) == 0


@pytest.mark.parametrize("text, noted, moment", [
    ("34 ans 67100", {"age": 34, "postcode": "67100"}, "other"),
    ("je gagne 1200 par mois", {"salary": 1200}, "other"),
    ("on est en couple", {"household": "couple"}, "other"),
    ("je suis seule avec mes 2 enfants de 4 et 9 ans",
     {"children_ages": [4, 9]}, "single_parent"),
])
def test_facts_at_the_menu_choose_the_check_and_are_confirmed(client, chat, text, noted,
                                                               moment):
    chat.say("bonjour")
    chat.say("oui")
    chat.say(text)
    assert state_of(client, chat) == "confirm"
    chat.say("oui")
    stored = answers_of(client, chat)
    assert {k: stored[k] for k in noted} == noted
    with client.app.state.db.session() as s:
        assert conversation_of(client, chat, s).moment == moment


@pytest.mark.parametrize("text", ["j'ai perdu mon travail", "je suis au chomage depuis mars",
                                  "on vient de déménager"])
def test_a_turn_of_life_the_menu_does_not_name_starts_the_general_check(client, chat, text):
    chat.say("bonjour")
    chat.say("oui")
    chat.say(text)
    assert chat.last == messages.text("ask_age_postcode")


def test_a_word_that_is_neither_a_moment_nor_a_fact_is_still_asked_again(client, chat):
    chat.say("bonjour")
    chat.say("oui")
    chat.say("oui")
    assert state_of(client, chat) == "moment"


def test_children_ages_in_passing_once_the_person_said_they_have_children(client, chat):
    """« ils ont 2, 6 et 11 ans » to the age question, after « seul avec mes 3 enfants »:
    before, not understood twice and the ages asked again later."""
    chat.say("bjr")
    chat.say("oui")
    chat.say("jsuis seul avec mes 3 enfants")
    assert chat.last == messages.text("ask_age_postcode")
    chat.say("ils ont 2, 6 et 11 ans")
    assert chat.last == messages.text("confirm_noted", facts="enfants de 2, 6 et 11 ans")
    chat.say("41 ans 67100")  # going on: the ages stand, this answers the age question
    assert answers_of(client, chat) == {"age": 41, "postcode": "67100",
                                        "household": "single_with_children",
                                        "children_ages": [2, 6, 11]}


def test_ages_without_children_said_are_not_taken(client, chat):
    start(chat)
    chat.say("ils ont 2 et 6 ans")
    assert "children_ages" not in answers_of(client, chat)
    assert state_of(client, chat) != "confirm"


def test_hlm_and_its_rent_in_passing_are_both_noted(client, chat):
    start(chat, "3")
    chat.say("hlm 520")
    assert chat.last == messages.text("confirm_noted",
                                      facts="logement social, loyer 520 €")
    chat.say("oui")
    assert answers_of(client, chat) == {"housing": "social_tenant", "rent": 520.0,
                                        "household": "single_with_children"}


def test_hlm_then_an_income_is_not_a_rent(client, chat):
    start(chat)
    chat.say("je suis en hlm, je touche 900")
    chat.say("oui")
    stored = answers_of(client, chat)
    assert stored.get("rent") != 900


def test_the_noted_number_typed_again_confirms_it(client, chat):
    start(chat)
    chat.say("je gagne rien")
    assert chat.last == messages.text("confirm_noted", facts="salaire 0 €")
    chat.say("0")
    assert answers_of(client, chat)["salary"] == 0
    assert chat.last == messages.text("ask_age_postcode")


def test_on_est_proprietaires_in_the_plural_is_understood(client, chat):
    start(chat, "4")
    for text in ["70 ans 67100", "je vis avec mon mari"]:
        chat.say(text)
    chat.say("on est proprietaires")
    assert answers_of(client, chat)["housing"] == "owner"


def test_a_couple_s_two_incomes_in_one_sentence(client, chat):
    """« ma retraite c 850 et lui 1100 » asked the partner's income: his is 1 100, hers 850."""
    start(chat, "4")
    for text in ["70 ans 67100", "je vis avec mon mari", "proprietaire"]:
        chat.say(text)
    assert chat.last == messages.text("ask_partner_income")
    chat.say("ma retraite c 850 et lui 1100")
    assert answers_of(client, chat)["partner_income"] == 1100
    assert chat.last == messages.text("confirm_noted", facts="retraite 850 €")


def test_oups_non_650_after_the_result_corrects_the_last_answer(client, chat):
    start(chat, "1")
    for text in ["22 ans 67100", "seul", "locataire 550", "non", "0"]:
        chat.say(text)
    chat.say("je touche 600 de chomage")
    chat.say("oui")
    assert state_of(client, chat) == "result"
    chat.say("oups non 650")
    assert chat.replies[0]["text"] == messages.text("corrected", facts="chômage 650 €")
    assert answers_of(client, chat)["unemployment"] == 650
    assert state_of(client, chat) == "recap"  # the facts read back again before computing
    assert "chômage 650 €" in chat.last
    chat.say("oui")
    assert state_of(client, chat) == "result"
    with client.app.state.db.session() as s:
        assert s.scalar(select(func.count()).select_from(EligibilityResult)) == 2
    chat.say("non")  # a plain « non » at the result is not a correction
    assert answers_of(client, chat)["unemployment"] == 650


def test_en_fait_j_ai_25_ans_after_the_result_corrects_the_age(client, chat):
    start(chat)
    for text in ["23 ans 67100", "seul", "hébergé", "non", "0", "0", "oui"]:
        chat.say(text)
    assert state_of(client, chat) == "result"
    chat.say("en fait j'ai 25 ans")
    assert answers_of(client, chat)["age"] == 25
    chat.say("oui")
    assert state_of(client, chat) == "result"


def test_a_la_rue_answering_the_housing_question_gets_the_shelter_number_not_the_list(client,
                                                                                      chat):
    from storage.handoff import Handoff

    start(chat)
    for text in ["30 ans 67100", "seul"]:
        chat.say(text)
    chat.say("à la rue")
    assert chat.replies[0]["text"] == messages.text("urgent_shelter")
    assert URGENT not in chat.text
    assert answers_of(client, chat)["housing"] == "homeless"
    with client.app.state.db.session() as s:  # a referent is still alerted
        assert s.scalars(select(Handoff.trigger)).all() == ["urgent"]


def test_a_longer_answer_with_danger_gets_every_number(client, chat):
    start(chat)
    for text in ["30 ans 67100", "seul"]:
        chat.say(text)
    chat.say("à la rue depuis hier et mon ex me menace de me frapper")
    assert chat.replies[0]["text"] == URGENT


def test_a_divorced_mother_raising_her_daughter_alone_is_not_noted_as_single(client, chat):
    """The moment (single parent) says more than « divorcée » (alone): the partial reading
    is not put to her, and her daughter's age is asked."""
    chat.say("bonjour je suis divorcée et j'élève ma fille seule")
    chat.say("oui")
    assert messages.text("confirm_noted", facts="seul(e)") != chat.last
    if state_of(client, chat) == "confirm":  # « seul(e) avec enfant(s) »: the same, confirmed
        chat.say("oui")
    assert chat.last == messages.text("ask_age_postcode")
    chat.say("29 ans 67100")
    assert answers_of(client, chat).get("household") == "single_with_children"
    assert chat.last == messages.text("ask_children_ages")


def test_a_postcode_corrected_at_the_rent_question_is_not_taken_as_the_rent(client, chat):
    """Found through `make run`: « oups non 67000 » asked the rent corrected the postcode
    and also stored 67 000 € of rent, and the rent was never asked again."""
    start(chat)
    for text in ["34 ans 67100", "seule"]:
        chat.say(text)
    chat.say("on est en hlm")
    assert chat.last == messages.text("ask_rent")
    chat.say("oups non 67000")
    assert answers_of(client, chat)["postcode"] == "67000"
    assert "rent" not in answers_of(client, chat)
    assert chat.last == messages.text("ask_rent")
    chat.say("550")
    assert answers_of(client, chat)["rent"] == 550


def test_oups_non_950_at_the_next_question_corrects_the_answer_just_given(client, chat):
    """Found through `make run`: it was taken as 950 € of unemployment benefit."""
    start(chat)
    for text in ["34 ans 67100", "seule", "hlm 420", "non"]:
        chat.say(text)
    chat.say("je gagne 900")
    assert chat.last == messages.text("ask_unemployment")
    chat.say("oups non 950")
    assert chat.replies[0]["text"] == messages.text("corrected", facts="salaire 950 €")
    assert answers_of(client, chat)["salary"] == 950
    assert "unemployment" not in answers_of(client, chat)
    assert chat.last == messages.text("ask_unemployment")
    chat.say("0")
    assert "salaire 950 €, chômage 0 €" in chat.last  # read back before computing
    chat.say("oui")
    assert state_of(client, chat) == "result"
