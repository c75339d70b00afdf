"""Nothing irreversible on a guess (issue 32): erasing, STOP and cancelling act at once on
their own word typed alone; read from other words they are asked first, and only a yes does
them. Through the chat API on a real database, the keyword reader standing in for Rasa (as
when it is down); the real models: tests/bot/test_irreversible_models.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot import messages
from storage.handoff import Appointment
from storage.models import Answer, ChannelAddress, Person
from tests.helpers.app import Chat, new_user_id
from tests.helpers.dialogue import drive_to

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def count(client, model, *where) -> int:
    with client.app.state.db.session() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_an_erasure_in_other_words_asks_first_and_no_keeps_everything(chat, client):
    drive_to(chat, "rent")
    kept = count(client, Answer)
    chat.say("effacez toutes mes données svp")
    assert chat.last == messages.text("confirm_erase")
    assert chat.replies[-1]["choices"] == messages.CHOICES["yes_no"]
    assert count(client, Answer) == kept
    chat.say("non")
    assert chat.replies[0]["text"] == messages.text("kept")
    assert chat.last == messages.text("ask_rent")  # the question is asked again
    assert count(client, Answer) == kept and count(client, Person) == 1
    chat.say("efface toutes mes donnees")
    chat.say("oui")
    assert chat.last == messages.text("erased")
    assert count(client, Person) == 0 and count(client, Answer) == 0


def test_the_digit_of_oui_confirms_too(chat, client):
    drive_to(chat, "rent")
    chat.say("supprimez mon dossier")
    chat.say("1")
    assert chat.last == messages.text("erased")
    assert count(client, Person) == 0


def test_anything_else_after_the_question_drops_it(chat, client):
    drive_to(chat, "rent")
    chat.say("je veux supprimer mes infos")
    assert chat.last == messages.text("confirm_erase")
    chat.say("500")  # the rent, after all
    assert chat.last == messages.text("ask_disability")
    chat.say("oui")  # now the answer to the disability question, not to the erasure
    assert count(client, Person) == 1
    assert chat.last != messages.text("erased")


@pytest.mark.parametrize("word", ["SUPPRIMER", "supprimer", "Effacer.", "SUPRIMER", "suprimer",
                                  "efacer", "supprimmer"])
def test_the_command_word_alone_erases_at_once_typos_read(chat, client, word):
    drive_to(chat, "rent")
    chat.say(word)
    assert chat.last == messages.text("erased")
    assert count(client, Person) == 0


@pytest.mark.parametrize("word", ["DETAILS", "details", "stp", "sup", "supplément", "effort",
                                  "ANNULE MON RDV"])
def test_near_words_do_nothing_irreversible(chat, client, word):
    drive_to(chat, "rent")
    chat.say(word)
    assert chat.last != messages.text("erased")
    assert count(client, Person) == 1
    assert count(client, ChannelAddress, ChannelAddress.opted_out.is_(True)) == 0


def test_stop_alone_stops_at_once_a_sentence_asks_first(client):
    chat = Chat(client, new_user_id())
    drive_to(chat, "rent")
    chat.say("je ne veux plus recevoir de messages")
    assert chat.last == messages.text("confirm_stop")
    assert count(client, ChannelAddress, ChannelAddress.opted_out.is_(True)) == 0
    chat.say("oui")
    assert chat.last == messages.text("opted_out")
    assert count(client, ChannelAddress, ChannelAddress.opted_out.is_(True)) == 1
    other = Chat(client, new_user_id())
    drive_to(other, "rent")
    other.say("STOP")
    assert other.last == messages.text("opted_out")
    assert count(client, ChannelAddress, ChannelAddress.opted_out.is_(True)) == 2


@pytest.fixture
def booked(app_factory):
    with TestClient(app_factory(clock=lambda: NOW)) as client:
        chat = Chat(client, new_user_id())
        chat.say("bonjour")
        chat.say("oui")
        chat.say("conseiller")
        chat.say("1")
        assert count(client, Appointment, Appointment.status == "booked") == 1
        yield client, chat


def test_a_cancellation_in_words_asks_first(booked):
    client, chat = booked
    chat.say("je peux pas venir, faut annuler le rdv")
    assert chat.last == messages.text("confirm_cancel")
    assert count(client, Appointment, Appointment.status == "booked") == 1
    chat.say("non")
    assert chat.replies[0]["text"] == messages.text("kept")
    assert count(client, Appointment, Appointment.status == "booked") == 1
    chat.say("je viendrai pas, annulez")
    chat.say("oui")
    assert messages.text("booking_cancelled") in [r["text"] for r in chat.replies]
    assert count(client, Appointment, Appointment.status == "booked") == 0


@pytest.mark.parametrize("word", ["ANNULER", "annuler", "anuler", "1"])
def test_annuler_alone_or_its_menu_digit_cancels_at_once(booked, word):
    client, chat = booked
    chat.say(word)
    assert messages.text("booking_cancelled") in [r["text"] for r in chat.replies]
    assert count(client, Appointment, Appointment.status == "booked") == 0


def test_the_erased_message_says_what_was_erased_and_how_to_start_again():
    text = messages.text("erased")
    for word in ("réponses", "résultats", "messages", "rendez-vous", "bonjour"):
        assert word in text
