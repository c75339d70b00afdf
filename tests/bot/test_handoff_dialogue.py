"""Hand-off scenarios, from the first message to the confirmed appointment, at a fixed time.

The clock is Tuesday 1 December 2026, 9:00 in Strasbourg; the demo territory's slots follow.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot import messages
from handoff import booking
from handoff.slots import first_slot
from storage.handoff import Appointment, Handoff
from storage.models import Message
from tests.helpers.app import Chat

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
SINGLE_800 = ["30", "67100", "1", "1", "500", "2", "800", "0"]


@pytest.fixture
def app(app_factory):
    with TestClient(app_factory(clock=lambda: NOW)) as client:
        yield client


@pytest.fixture
def chat(app):
    return Chat(app, "handoff-user")


def handoffs(app) -> list[Handoff]:
    with app.app.state.db.session() as s:
        return list(s.scalars(select(Handoff)))


def appointments(app) -> list[Appointment]:
    with app.app.state.db.session() as s:
        return list(s.scalars(select(Appointment).order_by(Appointment.id)))


def consented(chat, moment="5"):
    chat.say("bonjour")
    chat.say("oui")
    chat.say(moment)


def assert_slot_offer(chat, key="slot_offer"):
    offer = chat.replies[-1]
    assert offer["text"] == messages.text(key)
    assert offer["choices"][-1] == messages.CHOICES["slot_none"][0]
    slots = [c for c in offer["choices"] if c not in (messages.CHOICES["slot_none"][0],
                                                       messages.CHOICES["slot_more"][0])]
    assert 1 <= len(slots) <= 3
    for label in slots:  # « mer. 2 déc. 9h, France Services Neudorf »
        assert label.split()[0] in messages.SHORT_DAYS.values(), label
    return slots


def test_asking_for_a_person_books_a_slot_and_confirms_everything(chat, app):
    consented(chat)
    chat.say("je veux parler à quelqu'un")
    slots = assert_slot_offer(chat)
    # Three half-days, not three slots of one morning.
    assert len({tuple(label.split(",")[0].split()[:3]) + (int(label.split()[3].split("h")[0]) < 12,)
                for label in slots}) == len(slots)
    chat.say("2")
    confirmation = chat.replies[-1]
    text = confirmation["text"]
    (appointment,) = appointments(app)
    territory = app.app.state.territory
    place = territory.places[appointment.place_id]
    referent = territory.referents[appointment.referent_id]
    assert place.address in text and referent.first_name in text
    assert slots[1].split(",")[0].split()[1] in text  # the day of the month chosen
    assert "À apporter" in text
    assert confirmation["choices"] == messages.CHOICES["booked"]
    kinds = {a["kind"]: a["url"] for a in confirmation["attachments"]}
    ics = app.get(kinds["calendar"])
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in ics.text and place.name in ics.text
    assert app.get(kinds["calendar"].split("?")[0] + "?token=forged").status_code == 404
    assert kinds["map"].startswith("https://")
    (handoff,) = handoffs(app)
    assert handoff.trigger == "asked" and handoff.status == "open" and not handoff.urgent
    assert handoff.referent_id == appointment.referent_id


def test_a_right_that_needs_help_to_claim_hands_off_with_its_documents(chat, app, eligibility):
    consented(chat, "2")  # expecting a child, alone, no income: RSA majoré
    for answer in ["23", "67100", "1", "4", "2", "0", "0", "oui"]:
        chat.say(answer)
    assert chat.last.startswith("RSA")  # the largest right that needs help comes first
    assert chat.last.endswith(messages.text("accompanied_claim", names="").strip())
    (handoff,) = handoffs(app)  # open at once: referents see it in their queue
    assert handoff.trigger == "accompanied_claim" and handoff.reason_id == "rsa"
    chat.say("1")
    assert_slot_offer(chat)
    chat.say("1")
    rsa_documents = eligibility.benefit("rsa").documents
    assert rsa_documents[0] in chat.last
    (appointment,) = appointments(app)
    assert appointment.reason_id == "rsa" and appointment.ends_at - appointment.starts_at == \
        app.app.state.territory.reasons["rsa"].duration


def test_two_misunderstandings_offer_a_person_who_is_one_word_away(chat, app):
    consented(chat)
    chat.say("hein ?")
    chat.say("je comprends rien")
    assert messages.text("not_understood_again") in [r["text"] for r in chat.replies]
    assert handoffs(app) == []  # the question stays open: nothing is booked by mistake
    chat.say("CONSEILLER")
    assert_slot_offer(chat)
    chat.say("1")
    assert chat.replies[-1]["choices"] == messages.CHOICES["booked"]
    assert handoffs(app)[0].trigger == "asked"


def test_urgent_message_gets_numbers_first_then_the_first_free_slot(chat, app):
    consented(chat)
    chat.say("mon mari me frappe")
    assert chat.replies[0]["text"] == messages.text("urgent")
    assert "3919" in chat.replies[0]["text"] and "115" in chat.replies[0]["text"]
    assert_slot_offer(chat, "slot_offer_urgent")
    (handoff,) = handoffs(app)
    assert handoff.urgent and handoff.reason_id == "urgence"
    chat.say("1")
    (appointment,) = appointments(app)
    with app.app.state.db.session() as s:
        first = first_slot(s, app.app.state.territory, "urgence", NOW)
    # Booked: so it is no longer free, and it was the first one when offered.
    assert first is None or first.start >= appointment.starts_at
    assert appointment.starts_at.date() == NOW.date()  # the same day


def test_urgent_before_consent_still_gets_numbers_and_a_contact(chat, app):
    chat.say("mon mari me frappe")
    assert chat.replies[0]["text"] == messages.text("urgent")
    assert "CCAS Neudorf" in chat.text
    assert handoffs(app) == []


def test_annuler_cancels_as_excused_and_offers_new_slots(chat, app):
    consented(chat)
    chat.say("conseiller")
    chat.say("1")
    chat.say("ANNULER")
    assert messages.text("booking_cancelled") in [r["text"] for r in chat.replies]
    assert_slot_offer(chat)
    (appointment,) = appointments(app)
    assert appointment.status == "excused"


def test_changer_moves_the_appointment(chat, app):
    consented(chat)
    chat.say("conseiller")
    chat.say("1")
    chat.say("déplacer")
    assert_slot_offer(chat)
    chat.say("3")
    first, second = appointments(app)
    assert first.status == "cancelled" or first.status == "excused"
    assert second.status == "booked" and second.starts_at > first.starts_at


def test_autres_dates_offers_later_slots(chat, app):
    consented(chat)
    chat.say("conseiller")
    before = assert_slot_offer(chat)
    chat.say("autres dates")
    after = assert_slot_offer(chat)
    assert set(before).isdisjoint(after)


def test_other_messages_reach_the_referent_and_are_not_answered_in_their_place(chat, app):
    consented(chat)
    chat.say("conseiller")
    chat.say("1")
    chat.say("est-ce que je peux venir avec ma fille ?")
    (appointment,) = appointments(app)
    name = app.app.state.territory.referents[appointment.referent_id].first_name
    assert chat.replies == [{"text": messages.text("forwarded", referent=name), "choices": []}]
    with app.app.state.db.session() as s:
        texts = [m.text for m in s.scalars(select(Message).where(Message.direction == "in"))]
    assert "est-ce que je peux venir avec ma fille ?" in texts


def test_while_a_referent_holds_the_conversation_the_bot_is_silent(chat, app):
    consented(chat)
    chat.say("conseiller")
    (handoff,) = handoffs(app)
    with app.app.state.db.session() as s:
        booking.take_over(s, handoff_id=handoff.id, referent_id="amina")
    for text in ["bonjour", "1", "menu", "recommencer", "conseiller"]:
        assert chat.say(text) == []
    with app.app.state.db.session() as s:
        booking.give_back(s, handoff_id=handoff.id)
    assert chat.say("menu")[-1]["choices"] == messages.CHOICES["moment"]
    with app.app.state.db.session() as s:
        booking.take_over(s, handoff_id=handoff.id, referent_id="amina")
    assert chat.say("SUPPRIMER")[-1]["text"] == messages.text("erased")
    assert handoffs(app) == []


def test_two_people_choosing_the_same_slot(app):
    first, second = Chat(app, "first"), Chat(app, "second")
    for person in (first, second):
        consented(person)
        person.say("conseiller")
    assert first.replies[-1]["choices"][0] == second.replies[-1]["choices"][0]
    first.say("1")
    second.say("1")
    assert second.replies[0]["text"] == messages.text("slot_taken")
    assert_slot_offer(second)
    assert first.replies[0]["choices"] == messages.CHOICES["booked"]
    assert len(appointments(app)) == 1


def test_the_reminder_fits_one_sms_part():
    from handoff.territory import load_territory

    territory = load_territory()
    longest_place = max(territory.places.values(), key=lambda p: len(p.name) + len(p.address))
    text = messages.text("reminder", time="16h30", place=longest_place.name,
                         address=longest_place.address)
    assert len(text) <= 160


def test_stop_works_even_while_a_referent_holds_the_conversation(chat, app):
    from storage.models import ChannelAddress

    consented(chat)
    chat.say("conseiller")
    (handoff,) = handoffs(app)
    with app.app.state.db.session() as s:
        booking.take_over(s, handoff_id=handoff.id, referent_id="amina")
    chat.say("STOP")
    assert chat.last == messages.text("opted_out")
    with app.app.state.db.session() as s:
        assert s.scalars(select(ChannelAddress)).one().opted_out


def test_an_opt_out_outlives_erasure_without_keeping_the_address(chat, app):
    from storage.models import ChannelAddress, Person

    consented(chat)
    chat.say("STOP")
    chat.say("SUPPRIMER")
    with app.app.state.db.session() as s:
        (address,) = s.scalars(select(ChannelAddress))
        assert address.opted_out and address.address is None
        assert address.key == app.app.state.core.address_key("web", chat.user_id)
        (person,) = s.scalars(select(Person))
        assert person.conversations == []


def test_telegram_shows_the_calendar_and_map_links_under_the_confirmation(app_factory):
    from bot.render import render

    with TestClient(app_factory(clock=lambda: NOW,
                                public_base_url="https://passerelle.example.fr")) as client:
        chat = Chat(client, "tg-links")
        consented(chat)
        chat.say("conseiller")
        chat.say("1")
        confirmation = chat.replies[-1]
    from bot.dialogue.types import Reply

    (outbound,) = render("telegram", [Reply(confirmation["text"], confirmation["choices"],
                                            attachments=confirmation["attachments"])])
    assert "https://passerelle.example.fr/api/appointments/" in outbound.body
    assert "Plan : https://" in outbound.body


def test_a_second_urgent_message_keeps_the_urgent_appointment_booked(chat, app):
    consented(chat)
    chat.say("mon mari me frappe")
    chat.say("1")
    chat.say("mon mari me frappe encore")
    assert chat.replies[0]["text"] == messages.text("urgent")
    assert chat.replies[-1]["choices"] == messages.CHOICES["booked"]
    (appointment,) = appointments(app)
    assert appointment.status == "booked"


def test_an_urgent_message_makes_an_open_hand_off_urgent_and_counts_it_once(chat, app):
    from storage.models import FunnelEvent

    consented(chat)
    chat.say("conseiller")
    assert_slot_offer(chat)
    (handoff,) = handoffs(app)
    assert not handoff.urgent
    chat.say("mon mari me frappe")
    assert chat.replies[0]["text"] == messages.text("urgent")
    # It became urgent here: the earlier urgent slots are offered, as to anyone urgent.
    assert_slot_offer(chat, "slot_offer_urgent")
    (handoff,) = handoffs(app)
    assert handoff.urgent and handoff.reason_id == "urgence"
    chat.say("mon mari me frappe encore")  # already urgent: not counted again
    with app.app.state.db.session() as s:
        kinds = list(s.scalars(select(FunnelEvent.kind)))
    assert kinds.count("handoff") == 1 and kinds.count("handoff_urgent") == 1


def test_an_urgent_message_after_an_ordinary_booking_offers_the_earlier_urgent_slots(chat, app):
    consented(chat)
    chat.say("conseiller")
    chat.say("1")
    assert chat.replies[-1]["choices"] == messages.CHOICES["booked"]
    chat.say("mon mari me frappe")
    assert chat.replies[0]["text"] == messages.text("urgent")
    assert_slot_offer(chat, "slot_offer_urgent")
    chat.say("1")
    assert chat.replies[-1]["choices"] == messages.CHOICES["booked"]
    booked = [a for a in appointments(app) if a.status == "booked"]
    assert len(booked) == 1 and booked[0].reason_id == "urgence"
