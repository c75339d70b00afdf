"""DETAILS costs little, and what a booking answers itself is answered (issue 26).

Improvised residents got every right's card at once on DETAILS (30 SMS parts for one, 49 in
Arabic), their questions after a booking (« bunlar nerede? », « what should I bring? »,
« Strasbourg çok uzak ») and their « merci » forwarded to the referent, and « Merci. C'est quoi
le soutien familial ? » taken for a goodbye.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bench.sms_parts import segments
from bot import language, messages
from bot.dialogue.results import largest_first
from bot.render import to_gsm7
from rules.catalogue import load_catalogue
from storage.handoff import Appointment
from storage.models import EligibilityResult, Message
from tests.helpers.app import Chat

CATALOGUE = {b.id: b for b in load_catalogue()}
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
# A single parent of two with a small salary: several rights, so DETAILS asks which.
PARENT = ["bonjour", "oui", "3", "35", "67100", "4 et 9", "1", "600", "2", "900", "0", "oui"]


@pytest.fixture
def app(app_factory):
    with TestClient(app_factory(clock=lambda: NOW)) as client:
        yield client


@pytest.fixture
def chat(app):
    return Chat(app, "details-user")


def eligible(client) -> list[dict]:
    """The rights of the latest result, without the help offered beside them (kind: help)."""
    with client.app.state.db.session() as s:
        row = s.scalars(select(EligibilityResult).order_by(EligibilityResult.id.desc())).first()
        return [b for b in row.benefits if b.get("eligible")
                and getattr(CATALOGUE[b["id"]], "kind", None) != "help"]


def card_of(client, benefit_id: str) -> str:
    """The first line of a right's card: its label, as the catalogue says it."""
    from bot import rights

    return rights.text(CATALOGUE[benefit_id], "label")


def test_details_alone_lists_the_rights_and_a_number_then_gives_that_one(chat, app):
    for text in PARENT:
        chat.say(text)
    found = eligible(app)
    assert len(found) >= 2
    listed = chat.say("DETAILS")
    assert listed[-1]["text"] == messages.text("details_which")
    names = listed[-1]["choices"]
    assert len(names) == len(found)
    assert not any("À apporter" in r["text"] for r in listed)  # no card yet
    chosen = chat.say("2")
    cards = [r["text"] for r in chosen if "À apporter" in r["text"]]
    second = largest_first(found)[1]["id"]
    assert len(cards) == 1 and cards[0].startswith(card_of(app, second))
    # « 2 » was the right's number, not « start again »: the result is still there.
    assert chosen[-1]["choices"] == messages.CHOICES["after_result"]
    assert len(eligible(app)) == len(found)
    # The list is read once: « 2 » now is the result's menu again (start again).
    chat.say("2")
    assert chat.replies[-1]["choices"] != names


def test_details_with_a_number_or_a_right_gives_that_right_alone(chat, app):
    for text in PARENT:
        chat.say(text)
    ids = {b["id"] for b in eligible(app)}
    first = chat.say("details 1")
    assert len([r for r in first if "À apporter" in r["text"]]) == 1
    assert "prime_activite" in ids
    named = chat.say("DETAILS prime d'activité")
    cards = [r["text"] for r in named if "À apporter" in r["text"]]
    assert len(cards) == 1 and cards[0].startswith(card_of(app, "prime_activite"))


def test_comment_faire_naming_no_right_is_read_as_usual(chat, app):
    for text in PARENT:
        chat.say(text)
    replies = chat.say("comment faire pour payer mon loyer")
    assert not any(r["text"] == messages.text("details_which") for r in replies)


def test_on_sms_one_right_costs_at_most_three_parts_and_no_link_where_a_place_exists(phone):
    for text in PARENT:
        phone.say(text)
    listed = phone.say("DETAILS")
    assert to_gsm7(messages.text("details_which")) in "\n".join(listed)
    assert sum(segments(body) for body in listed) <= 3
    for number in ("1", "DETAILS 2"):
        card = "\n".join(phone.say(number))
        assert "À apporter" in card or "A apporter" in card
        assert "http" not in card
        # The card is the answer: no « DETAILS : comment les demander » under it.
        assert to_gsm7(messages.text("details_hint")) not in card
        # The card and the result's menu; the question on sex, asked once after a result
        # whatever the person writes, is not the card's cost.
        card = card.replace(to_gsm7(messages.text("ask_sex")), "").strip()
        assert segments(card) <= 3, card


def test_thanks_with_a_question_is_answered_not_taken_for_goodbye(chat, app):
    for text in PARENT:
        chat.say(text)
    answer = chat.say("Merci. C'est quoi le soutien familial ?")
    assert answer[0]["text"] != messages.text("after_thanks")
    assert card_of(app, "asf") in answer[0]["text"]
    assert chat.say("merci beaucoup")[0]["text"] == messages.text("after_thanks")
    help_asked = chat.say("Je vous remercie. Mais je ne vois rien pour mon mari, quelqu'un peut "
                          "venir nous aider à la maison ?")
    assert messages.text("after_thanks") not in [r["text"] for r in help_asked]


# ------------------------------------------------------------------ after a booking
def booked(chat) -> None:
    """The parent's check, then a person and the first slot."""
    for text in PARENT:
        chat.say(text)
    chat.say("1")
    chat.say("1")


def the_appointment(app) -> Appointment:
    with app.app.state.db.session() as s:
        return s.scalars(select(Appointment)).one()


def inbound(app) -> list[str]:
    with app.app.state.db.session() as s:
        return [m.text for m in s.scalars(select(Message).where(Message.direction == "in"))]


def forwarded(app) -> str:
    appointment = the_appointment(app)
    name = app.app.state.territory.referents[appointment.referent_id].first_name
    return messages.text("forwarded", referent=name)


def test_merci_after_a_booking_gets_a_word_and_reaches_nobody(chat, app):
    booked(chat)
    answer = chat.say("merci")
    assert answer[0] == {"text": messages.text("booked_thanks"), "choices": []}
    assert forwarded(app) not in [r["text"] for r in answer]


def test_where_and_what_to_bring_are_answered_from_the_booking(chat, app):
    booked(chat)
    place = app.app.state.territory.places[the_appointment(app).place_id]
    where = chat.say("c'est où exactement ?")
    assert place.address in where[0]["text"]
    assert where[0]["text"] != forwarded(app)
    bring = chat.say("je dois apporter quoi ?")
    assert bring[0]["text"].startswith("À apporter")
    far = chat.say("c'est trop loin pour moi")
    assert far[0]["text"] == messages.text("booked_far", contact=app.app.state.territory.contact) \
        or far[0]["text"].startswith("Trop loin")
    # Anything else is still the referent's to answer.
    assert chat.say("est-ce que je peux venir avec ma fille ?")[0]["text"] == forwarded(app)


def test_in_english_and_turkish_the_booking_answers_in_the_language(app):
    english = Chat(app, "booked-en")
    booked(english)
    english.say("ENGLISH")
    with language.use("en"):
        bring = english.say("Should I also bring my son's MDPH decision letter?")
        assert bring[0]["text"].startswith(messages.text("booked_documents", documents="")[:5])
        assert english.say("thank you")[0]["text"] == messages.text("booked_thanks")
    turkish = Chat(app, "booked-tr")
    booked(turkish)
    turkish.say("TÜRKÇE")
    with language.use("tr"):
        assert turkish.say("Strasbourg çok uzak")[0]["text"].startswith(
            messages.text("booked_far", contact="")[:8])
        place = app.app.state.territory.places[the_appointment_of(app, 1).place_id]
        assert place.address in turkish.say("bunlar nerede?")[0]["text"]


def the_appointment_of(app, index: int) -> Appointment:
    with app.app.state.db.session() as s:
        return list(s.scalars(select(Appointment).order_by(Appointment.id)))[index]
