"""What the third improvised panel (7 December 2026, evening) stumbled on, scripted.

Transcripts: tests/conversations/transcripts/2026-12-07-evening/. A widower who owns his house
asked three times whether the State would take it (the ASPA's recovery on the estate); a
single mother whether the CAF would make her pay back and whether she must go to court
against her ex; « c gratuit ? », « Êtes-vous la mairie ? »; a Darija speaker with no
children was asked their ages three times (« وحدي ماعنديش مرا ولا ولاد »).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot import language, messages
from storage.models import Answer
from tests.helpers.app import Chat

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
# Marcel: 78, alone, owner in Mulhouse, a pension of 870 €.
WIDOWER = ["Bonjour, je voudrais savoir si j'ai droit à quelque chose", "oui", "4", "78 ans 68200",
           "1", "3", "870", "0", "oui"]
# Sandrine, by digits: 34, single mother of 9 and 4, social housing 640 €, 1 180 € of pay.
MOTHER = ["slt jai le droit a quoi moi", "1", "3", "34 67100", "9 et 4", "2 640", "2", "1180", "0",
          "1"]


@pytest.fixture
def app(app_factory):
    with TestClient(app_factory(clock=lambda: NOW)) as client:
        yield client


def walk(chat: Chat, texts: list[str]) -> None:
    for text in texts:
        chat.say(text)


def test_will_the_state_take_my_house_is_answered_at_the_result(app):
    chat = Chat(app, "widower")
    walk(chat, WIDOWER)
    assert "ASPA" in chat.replies[0]["text"]  # the result
    answer = chat.say("Est-il vrai que l'État reprendra ma maison après ma mort si je touche "
                      "cette aide ?")
    assert answer[0]["text"] == messages.text("worry_estate")
    assert answer[-1]["choices"] == messages.CHOICES["after_result"]  # the result's menu again


def test_paying_back_and_court_are_answered_and_cost_nothing_asked(app):
    chat = Chat(app, "mother")
    walk(chat, MOTHER)
    payback = chat.say("et si je touche et aprés la caf me demande de rembourser ?")
    assert payback[0]["text"] == messages.text("worry_payback")
    court = chat.say("faut que je porte plainte ou que j'aille au tribunal contre mon ex pr "
                     "avoir sa ?")
    assert court[0]["text"] == messages.text("worry_court")
    free = chat.say("c gratuit votre truc ?")
    assert free[0]["text"].startswith(messages.text("about_service", contact="")[:20])


def test_a_question_the_service_cannot_answer_offers_a_person(app):
    chat = Chat(app, "asks")
    walk(chat, MOTHER)
    replies = chat.say("je peux pas prendre de conge, vous ouvrez le samedi ?")
    assert replies[-1]["text"] == messages.text("question_for_person")
    assert replies[-1]["choices"] == messages.CHOICES["after_result"]


def test_who_are_you_said_with_the_consent_is_answered(app):
    chat = Chat(app, "who")
    chat.say("Bonjour, je voudrais savoir si j'ai droit à quelque chose")
    replies = chat.say("Oui, je suis d'accord. Mais êtes-vous la mairie ou bien la caisse de "
                       "retraite ?")
    assert any(r["text"].startswith(messages.text("about_service", contact="")[:20])
               for r in replies)


def test_booked_where_and_what_to_bring_in_one_message_and_long_thanks(app):
    chat = Chat(app, "booked-both")
    walk(chat, MOTHER)
    chat.say("1")
    chat.say("Autres dates, s'il vous plaît.")
    assert chat.replies[-1]["text"] == messages.text("slot_offer")  # later slots, not a re-ask
    chat.say("1")
    both = [r["text"] for r in chat.say("c ou le centre ? faut ramener quoi ?")]
    assert any(text.startswith(messages.text("booked_where", day="", time="", place="",
                                             address="")[:10]) for text in both)
    assert any(text.startswith("À apporter") for text in both)
    thanks = chat.say("Je vous remercie beaucoup pour votre aide. Cordialement, Mme Muller")
    assert thanks[0]["text"] == messages.text("booked_thanks")


@pytest.mark.parametrize("household", ["وحدي ماعنديش مرا ولا ولاد", "ماعنديش ولاد"])
def test_darija_alone_without_children_is_not_asked_their_ages(app, household):
    chat = Chat(app, f"ar-alone-{len(household)}")
    for text in ["سلام واش هنا كيعاونو الناس ف CAF", "اه موافق", "1", "19 و 67200"]:
        chat.say(text)
    replies = chat.say(household)
    with language.use("ar"):
        assert replies[-1]["text"] != messages.text("ask_children_ages")
    with app.app.state.db.session() as s:
        stored = {a.key: a.value for a in s.scalars(select(Answer))}
    assert stored.get("household") == "single"


def test_a_darija_no_children_at_the_ages_question_corrects_the_household(app):
    chat = Chat(app, "ar-ages")
    for text in ["سلام", "3arbiya", "نعم", "1", "19 و 67200", "2"]:  # « alone with children »
        chat.say(text)
    chat.say("ماعندي حتى ولد")
    with app.app.state.db.session() as s:
        stored = {a.key: a.value for a in s.scalars(select(Answer))}
    assert stored.get("household") == "single"
    assert "children_ages" not in stored


# ------------------------------------------------------------------ English and Turkish
def stored(app) -> dict:
    with app.app.state.db.session() as s:
        return {a.key: a.value for a in s.scalars(select(Answer))}


def test_a_rent_share_is_not_unemployment_and_a_student_is_one(app):
    chat = Chat(app, "en1")
    for text in ["hiya, am i entitled to anything? i'm an irish student in strasbourg", "yes grand",
                 "21, 67000 (krutenau)", "well i share a flat with 2 other students but i'm "
                 "single, no kids", "renting, private. my share is 410 a month and my name's on "
                 "the lease. does it matter that it's a colloc?"]:
        chat.say(text)
    answers = stored(app)
    assert "unemployment" not in answers
    assert answers.get("student") is True and answers.get("rent") == 410


def test_no_salary_and_unemployment_from_france_travail_and_the_partners_pay(app):
    chat = Chat(app, "en2")
    for text in ["Hello, I'm 5 months pregnant, my partner works. What help exists for us?", "Yes",
                 "Yes, that is right.", "I'm 29, we live in Hautepierre, 67200.",
                 "Tenant, private. We rent a flat for 760 euros a month.", "No.",
                 "I don't have a salary at the moment, my contract ended in the summer. I get "
                 "about 960 a month unemployment from France Travail. Daniel, my partner, earns "
                 "about 1,850 net."]:
        chat.say(text)
    answers = stored(app)
    assert answers.get("salary") == 0 and answers.get("unemployment") == 960
    assert answers.get("partner_income") == 1850


def test_the_right_answer_at_which_fact_names_its_fact(app):
    chat = Chat(app, "en2-fix")
    for text in ["Hello, I would like to know my rights", "yes", "5", "29 67200", "3", "1 760",
                 "2", "960 and 1850", "960"]:
        chat.say(text)
    chat.say("2")  # something is wrong: which?
    with language.use("en"):
        assert chat.replies[-1]["text"] == messages.text("recap_which")
    chat.say("Salary 0")
    answers = stored(app)
    assert answers.get("salary") == 0 and answers.get("unemployment") == 960


def test_a_question_naming_a_pregnancy_after_the_result_does_not_start_again(app):
    chat = Chat(app, "en2-question")
    for text in ["Hello, I would like to know my rights", "yes", "2", "29 67200", "3", "1 760",
                 "2", "0 and 1850", "960", "1"]:
        chat.say(text)
    before = stored(app)
    replies = chat.say("Do I need to declare my pregnancy somewhere first, before asking the CAF?")
    with language.use("en"):
        assert replies[-1]["text"] == messages.text("question_for_person")
    assert stored(app) == before  # nothing started again


def test_no_appointment_for_now_in_words_declines_the_slots(app):
    chat = Chat(app, "tr-none")
    for text in ["Merhaba, haklarımı öğrenmek istiyorum", "evet", "5", "61 67100", "3", "1 690",
                 "2", "1230 ve 0", "0", "1", "1"]:
        chat.say(text)
    with language.use("tr"):
        assert chat.replies[-1]["text"] == messages.text("slot_offer")
        replies = chat.say("Randevu istemiyorum şimdilik")
        assert replies[0]["text"].startswith(messages.text("slot_declined", contact="")[:10])


# ------------------------------------------------------------------ the fourth panel (23:00)
def test_a_baby_of_8_months_is_0_and_a_rent_said_unsure_is_that_rent(app):
    chat = Chat(app, "en3")
    for text in ["Hello, I would like to know my rights", "yes", "5", "26 67100", "4",
                 "just one, Samuel is 8 months old", "1",
                 "620 a month, not sure if the charges are included"]:
        chat.say(text)
    answers = stored(app)
    assert answers.get("children_ages") == [0]
    assert answers.get("rent") == 620


@pytest.mark.parametrize("first, says", [
    ("السلام عليكم، ولدي عندو taux 50% من MDPH، واش عندنا الحق ف AEEH ولا لا؟",
     "ماشي انا، الولد ديالي ياسين هو اللي عندو الاعاقة، عندو 11 عام"),
    ("Merhaba, eşim için yardım istiyorum. MDPH %80 engellilik oranı verdi.",
     "Evet doğru efendim, ama engel benim değil, eşim Hasan'ın. Ben sağlıklıyım, benim engelim yok."),
])
def test_a_disability_noted_from_the_first_message_said_to_be_someone_elses(app, first, says):
    chat = Chat(app, f"whose-{len(first)}")
    chat.say(first)
    chat.say("1")  # consent: the disability noted from the first message is read back
    chat.say(says)
    answers = stored(app)
    assert answers.get("disability") is False
    assert answers.get("child_disability") is True or answers.get("partner_disability") is True


def test_the_school_level_in_the_words_of_the_example(app):
    from bot import answers as reading

    with language.use("ar"):
        assert reading.school_levels("إعدادي") == ["college"]
    with language.use("tr"):
        assert reading.school_levels("ortaokul") == ["college"]
        # « ikametgah belgesi » is a proof of address, not a residence permit.
        assert reading.worry_in("ikametgah belgesi yok, ne getireyim?") is None


@pytest.mark.parametrize("code, first, salary", [
    ("fr", "bonjour", "1050 et le pere verse 150 de pension alimentaire"),
    ("en", "Hello, I would like to know my rights", "I earn 1050, and my ex pays 150 child support"),
    ("tr", "Merhaba, haklarımı öğrenmek istiyorum", "maaşım 1050, nafaka 150"),
])
def test_alimony_said_at_the_income_question_is_the_alimony(app, code, first, salary):
    """A separated mother's 150 € of alimony was stored as unemployment, then as a pension,
    and her ASF came out full (fourth panel, fr3)."""
    chat = Chat(app, f"alimony-{code}")
    for text in [first, "1", "3", "40 68100", "14 9 et 5", "1 680", "2", salary]:
        chat.say(text)
    with language.use(code):
        assert messages.text("fact_alimony_received", value="150") in chat.replies[0]["text"]
    chat.say("1")  # yes to « J'ai noté : pension alimentaire 150 € »
    answers = stored(app)
    assert answers.get("salary") == 1050 and answers.get("alimony_received") == 150
    assert "unemployment" not in answers and "pension" not in answers


def test_the_darija_word_for_rent_names_the_rent_at_which_fact(app):
    chat = Chat(app, "ar-kra")
    for text in ["السلام عليكم، أريد أن أعرف حقوقي", "نعم", "5", "44 68200", "4", "11 و 6",
                 "2 450", "لا", "1450 و 0", "0", "2"]:
        chat.say(text)
    with language.use("ar"):
        assert chat.replies[-1]["text"] == messages.text("recap_which")
    chat.say("الكرا 540")
    assert stored(app).get("rent") == 540
