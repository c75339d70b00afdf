"""Languages in the conversation, through the chat API on a real database and real rules:
LANGUE at any step, a first message in another language, answers read in each language."""

from __future__ import annotations

from sqlalchemy import select

from bot import language, messages
from storage.models import Conversation, FunnelEvent


def _in(code: str, key: str, **values) -> str:
    with language.use(code):
        return messages.text(key, **values)


def _conversation(db) -> Conversation:
    with db.session() as session:
        row = session.scalars(select(Conversation).order_by(Conversation.id.desc())).first()
        session.expunge(row)
        return row


def test_langue_at_a_question_shows_the_list_then_asks_it_again_in_the_chosen_language(
        chat, sqlite_db):
    chat.say("bonjour")
    chat.say("oui")
    chat.say("1")
    assert chat.last.startswith("Quel est votre âge")
    replies = chat.say("LANGUE")
    assert replies[-1]["choices"] == ["Français", "العربية", "English", "Türkçe"]
    chat.say("4")  # Türkçe
    assert chat.replies[0]["text"] == _in("tr", "language_chosen")
    assert chat.last == _in("tr", "ask_age_postcode")
    assert _conversation(sqlite_db).language == "tr"
    chat.say("otuz dört, 67100")  # Turkish number words are read
    assert chat.last == _in("tr", "ask_household")
    assert chat.replies[-1]["choices"][0] == "Yalnız, çocuksuz"


def test_every_spelling_of_the_language_command_works_before_anything_else(app_factory):
    from fastapi.testclient import TestClient

    from tests.helpers.app import Chat, new_user_id

    client = TestClient(app_factory())
    for word in ["LANGUE", "Language", "DİL", "DIL", "dil", "اللغة"]:
        chat = Chat(client, new_user_id())
        chat.say(word)
        assert chat.replies[-1]["choices"] == ["Français", "العربية", "English", "Türkçe"], word
        chat.say("2")
        assert chat.replies[-1]["text"] == _in("ar", "privacy", months=12)
        assert chat.replies[-1]["choices"] == ["نعم", "لا"]


def test_a_first_message_in_english_switches_with_a_way_back_to_french(chat, sqlite_db):
    chat.say("Hello, I am a single mum with two kids and I need help")
    first = chat.replies[0]["text"]
    assert first == messages.text("back_to_french")  # in French, for a French speaker
    assert chat.replies[1]["text"] == _in("en", "greeting")
    assert chat.last == _in("en", "privacy", months=12)
    assert _conversation(sqlite_db).language == "en"
    with sqlite_db.session() as session:
        kinds = {(e.kind, e.language) for e in session.scalars(select(FunnelEvent))}
    assert ("first_contact", "en") in kinds
    chat.say("FRANCAIS")
    assert chat.replies[0]["text"] == messages.text("language_chosen")
    assert chat.last == messages.text("privacy", months=12)  # the pending question, in French


def test_short_or_french_first_messages_stay_in_french(chat, sqlite_db):
    chat.say("slt")
    assert chat.last == messages.text("privacy", months=12)
    assert _conversation(sqlite_db).language == "fr"


def test_a_languages_name_answers_the_list_of_languages(chat, sqlite_db):
    chat.say("DIL")
    chat.say("Türkçe")  # a name, not the number of the list
    assert chat.last == _in("tr", "privacy", months=12)
    assert _conversation(sqlite_db).state == "consent"
    chat.say("evet")
    assert chat.last == _in("tr", "ask_moment_first")


def test_english_please_after_a_french_greeting_switches_without_alarm(chat, sqlite_db):
    chat.say("Bonjour")
    replies = chat.say("english please")  # the French model takes it for a call for help
    assert all(r["text"] != messages.text("urgent") for r in replies)
    assert _conversation(sqlite_db).language == "en"
    chat.say("yes")
    assert chat.last == _in("en", "ask_moment_first")


def test_a_correction_in_the_residents_language_changes_the_previous_answer(chat, sqlite_db):
    chat.say("Hello, I would like to check my rights but my French is not good")
    for text in ["yes", "5", "41, 67100", "1", "1", "950"]:
        chat.say(text)
    assert chat.last == _in("en", "ask_disability")
    chat.say("sorry, my mistake, the rent is 590")
    corrected = _in("en", "corrected", facts=_in("en", "fact_rent", value="590"))
    assert chat.replies[0]["text"] == corrected
    assert chat.last == _in("en", "ask_disability")


def test_arabic_script_and_arabic_indic_digits_are_read(chat, sqlite_db):
    chat.say("السلام عليكم، أريد أن أعرف حقوقي")
    assert _conversation(sqlite_db).language == "ar"
    assert chat.last == _in("ar", "privacy", months=12)
    chat.say("نعم")
    assert chat.last == _in("ar", "ask_moment_first")
    chat.say("١")
    assert chat.last == _in("ar", "ask_age_postcode")
    chat.say("عمري ٢٢ سنة، ٦٧١٠٠")
    assert chat.last == _in("ar", "ask_household")


def test_urgent_words_in_each_language_give_the_same_emergency_numbers(app_factory):
    from fastapi.testclient import TestClient

    from tests.helpers.app import Chat, new_user_id

    client = TestClient(app_factory())
    for code, sentence in [("en", "Please help, my husband hits me and I am scared of him"),
                           ("tr", "Kocam beni dövüyor, çocuklarla sokakta kaldık"),
                           ("ar", "زوجي يضربني وأنا خائفة")]:
        chat = Chat(client, new_user_id())
        chat.say(sentence)
        urgent = _in(code, "urgent")
        assert urgent in [r["text"] for r in chat.replies], (code, chat.replies)
        for number in ("17", "112", "3919", "119", "115", "3114"):
            assert number in urgent
