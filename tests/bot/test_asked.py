"""The resident's own questions answered where they are asked (issue 25's panels, issue 26):
« c'est quoi la CSS ? », « wats MDPH? », « c'est la mairie ? », « how do I claim it? » got the
next question, « Répondez 1 ou 2 » or the same card again. Each gets its answer, then what was
being asked, which a digit still answers. Through the chat API on a real database and rules."""

from __future__ import annotations

import pytest

from bot import answers, language, messages, rights
from rules.catalogue import load_catalogue
from tests.helpers.dialogue import drive_to


def _in(code: str, key: str, **values) -> str:
    with language.use(code):
        return messages.text(key, **values)


@pytest.mark.parametrize("code, text, found", [
    ("fr", "c koi la css stp jai pas compris", ("what", "css")),
    ("fr", "est ce que c'est vraiment la mairie ?", ("who", None)),
    ("fr", "c'est une arnaque ?", ("who", None)),
    ("en", "wats MDPH?", ("what", "mdph")),
    ("en", "how do i get the activity bonus thing?", ("how", "prime_activite")),
    ("en", "how do I claim it?", ("how", None)),
    ("tr", "CAF nedir?", ("what", "caf")),
    ("tr", "kira yardımı nasıl alırım?", ("how", "aide_logement")),
    ("ar", "kifach ndir la demande dyal contrat engagement jeune?", ("how",
                                                                     "contrat_engagement_jeune")),
    ("ar", "شكون نتوما؟", ("who", None)),
    ("fr", "la CSS ?", ("about", "css")),
    # Answers, not questions: a housing answer naming HLM, a « oui ».
    ("fr", "hlm 420", None),
    ("fr", "oui", None),
    ("en", "I live in social housing", None),
])
def test_a_question_is_told_from_an_answer(code, text, found):
    with language.use(code):
        assert answers.question_in(text) == found


def test_what_a_word_means_then_the_question_again(chat):
    drive_to(chat, "disability")
    chat.say("c'est quoi la MDPH ?")
    assert chat.replies[0]["text"] == messages.text("term_mdph")
    assert chat.last == messages.text("ask_disability")
    chat.say("2")  # the question is still open
    assert chat.last == messages.text("ask_salary_partner_income")


def test_is_this_the_town_hall_at_the_consent(chat):
    chat.say("bonjour")
    chat.say("est ce que c'est vraiment la mairie ?")
    assert chat.replies[0]["text"].startswith(messages.text("about_service", contact="")[:40])
    assert chat.last.startswith(messages.text("privacy", months=12)[:20])
    chat.say("oui")
    assert chat.last == messages.text("ask_moment_first")


def test_a_right_is_explained_in_its_catalogue_words_in_the_person_s_language(chat):
    chat.say("LANGUE")
    chat.say("3")
    chat.say("yes")
    chat.say("what is the CSS?")
    css = next(b for b in load_catalogue() if b.id == "css")
    with language.use("en"):
        label = rights.text(css, "label")
    assert label != css.label and chat.replies[0]["text"].startswith(label)
    assert chat.last == _in("en", "ask_moment")


def test_how_to_claim_after_the_result_gives_the_largest_right_only(chat):
    chat.say("bonjour")
    chat.say("oui")
    chat.say("3")
    for text in ["31, 67100", "3 et 7", "hlm 420", "non", "950", "0", "oui"]:
        chat.say(text)
    assert "probablement droit" in chat.text
    replies = chat.say("comment je fais pour la demander ?")
    cards = [r for r in replies if "http" in r["text"]]  # each right's card has its link
    assert len(cards) == 1 and cards[0]["text"].startswith("Allocation de soutien familial")
    assert chat.last == messages.text("offer_human")
