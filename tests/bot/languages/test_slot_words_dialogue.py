"""Residents who chose their slot in words, through the chat API on a real database: what
they wrote when they improvised (« mercredi 13h30 a neudorf c bien pr moi », « The first one,
Wednesday at 9:00 », « salı 14:45 olur », « الأربعاء فالصباح ») books that slot; words that
fit two slots book nothing and the menu is asked again.

The clock is Tuesday 1 December 2026, 9:00 in Strasbourg: the demo territory offers
Wednesday 9:00 and 13:30 at France Services Neudorf, Thursday 8:30 at the CCAS."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot import language, messages
from handoff.territory import DEFAULT_FILE
from storage.handoff import Appointment
from tests.helpers.app import Chat

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
STRASBOURG = ZoneInfo("Europe/Paris")
# First message, consent, and the word for a person, per language; then « other » as the
# moment and age and postcode, so that the conversation has its territory.
OPENING = {
    "fr": ("bonjour", "oui", "CONSEILLER"),
    "en": ("Hello, I would like to know which benefits I can get please", "yes", "ADVISOR"),
    "tr": ("Merhaba, haklarımı öğrenmek istiyorum lütfen", "evet", "DANIŞMAN"),
    "ar": ("السلام عليكم، أريد أن أعرف حقوقي", "نعم", "مستشار"),
}


def to_the_slots(chat: Chat, code: str) -> list[str]:
    """Walks a resident to the slot menu in language CODE; the slots offered."""
    hello, yes, person = OPENING[code]
    for text in (hello, yes, "5", "30 67100", person):
        chat.say(text)
    with language.use(code):
        assert chat.last == messages.text("slot_offer")
        return chat.replies[-1]["choices"][:3]


def booked(client: TestClient) -> list[datetime]:
    """The appointments' local starts."""
    with client.app.state.db.session() as s:
        starts = s.scalars(select(Appointment.starts_at).order_by(Appointment.id))
        return [(t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(STRASBOURG).replace(
            tzinfo=None) for t in starts]


def assert_booked(chat: Chat, code: str, when: datetime) -> None:
    with language.use(code):
        assert chat.replies[-1]["choices"] == messages.CHOICES["booked"], chat.text
    assert booked(chat.client) == [when]


@pytest.fixture
def client(app_factory):
    with TestClient(app_factory(clock=lambda: NOW)) as client:
        yield client


@pytest.mark.parametrize(("code", "text", "when"), [
    ("fr", "mercredi 13h30 a neudorf c bien pr moi", datetime(2026, 12, 2, 13, 30)),
    ("en", "The first one, Wednesday at 9:00", datetime(2026, 12, 2, 9, 0)),
    ("ar", "الأربعاء فالصباح", datetime(2026, 12, 2, 9, 0)),
    ("ar", "lkhmis", datetime(2026, 12, 3, 8, 30)),  # Darija in Latin letters: Thursday
    ("ar", "اللول", datetime(2026, 12, 2, 9, 0)),
    ("tr", "ikincisi", datetime(2026, 12, 2, 13, 30)),
    ("en", "the second", datetime(2026, 12, 2, 13, 30)),
    ("fr", "le 2ème", datetime(2026, 12, 2, 13, 30)),
    ("fr", "jeudi", datetime(2026, 12, 3, 8, 30)),
    ("fr", "l'après-midi", datetime(2026, 12, 2, 13, 30)),
])
def test_a_slot_chosen_in_words_is_booked(client, code, text, when):
    chat = Chat(client, f"words-{code}-{text}")
    slots = to_the_slots(chat, code)
    assert len(slots) == 3
    chat.say(text)
    assert_booked(chat, code, when)


def test_sali_14_45_books_the_tuesday_slot(app_factory, tmp_path):
    # The demo's France Services opens at 14:45 on Tuesdays here, and the clock is Monday
    # 7 December 14:45: Tuesday 14:45 is the first slot after the day's notice.
    data = yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))
    (place,) = [p for p in data["places"] if p["name"] == "France Services Neudorf"]
    place["opening_hours"]["tuesday"] = ["09:00-12:00", "14:45-17:00"]
    path = tmp_path / "territory.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    now = datetime(2026, 12, 7, 13, 45, tzinfo=UTC)
    with TestClient(app_factory(clock=lambda: now, territory_file=str(path))) as client:
        chat = Chat(client, "words-tr-tuesday")
        slots = to_the_slots(chat, "tr")
        assert slots[0].startswith("Sal 8 Ara 14:45"), slots
        chat.say("salı 14:45 olur")
        assert_booked(chat, "tr", datetime(2026, 12, 8, 14, 45))


def test_words_that_fit_two_slots_ask_again_and_book_nothing(client):
    chat = Chat(client, "words-ambiguous")
    slots = to_the_slots(chat, "fr")
    chat.say("mercredi")  # Wednesday 9:00 and 13:30: a guess would be one of two
    assert chat.replies[-1]["text"] == messages.text("slot_reask")
    assert chat.replies[-1]["choices"][:3] == slots
    assert booked(client) == []
    chat.say("pas jeudi")  # a slot it does not want is not one it names
    assert booked(client) == []
    chat.say("mercredi après-midi")
    assert_booked(chat, "fr", datetime(2026, 12, 2, 13, 30))


def test_arabic_words_that_fit_two_slots_ask_again(client):
    chat = Chat(client, "words-ambiguous-ar")
    to_the_slots(chat, "ar")
    chat.say("الأربعاء")
    with language.use("ar"):
        assert messages.text("slot_reask") in [r["text"] for r in chat.replies]
    assert booked(client) == []
    chat.say("larb3a f l3chiya")
    assert_booked(chat, "ar", datetime(2026, 12, 2, 13, 30))
