"""The conversation's language is kept between turns (bot/dialogue/core.py, LanguageCache): a
message is no longer preceded by a database session to learn which model reads it. When
another process's turn changed the language meanwhile, the message is still read by the
right model, and the reply is in the new language."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import event

from bot import language, messages
from nlu.fallback import fallback_parse
from tests.helpers.app import Chat, new_user_id


class RecordingInterpreter:
    """The keyword fallback as every language's model, noting which language read what."""

    def __init__(self):
        self.read: list[tuple[str, str]] = []

    def parse(self, text: str):
        self.read.append(("fr", text))
        return fallback_parse(text)

    def parse_in(self, text: str, code: str):
        self.read.append((code, text))
        return None  # no model: digits and the language's words

    def is_up(self) -> bool:
        return True


def _in(code: str, key: str, **values) -> str:
    with language.use(code):
        return messages.text(key, **values)


def _language_lookups(db) -> list[str]:
    seen: list[str] = []

    @event.listens_for(db.engine, "before_cursor_execute")
    def record(_conn, _cursor, statement, *_args):
        if "conversation.state, conversation.language" in statement:
            seen.append(statement)

    return seen


def test_a_known_conversation_s_language_is_not_looked_up_again(app_factory, sqlite_db):
    lookups = _language_lookups(sqlite_db)
    with TestClient(app_factory(interpreter=RecordingInterpreter())) as client:
        chat = Chat(client, new_user_id())
        chat.say("bonjour")
        assert len(lookups) == 1  # a first message: looked up (nothing to remember yet)
        chat.say("oui")
        chat.say("je vis seule")
        assert len(lookups) == 1


def test_a_language_changed_by_another_process_is_read_in_the_new_language(
        app_factory, sqlite_db):
    # Two apps on one database: two processes of one deployment.
    first, second = RecordingInterpreter(), RecordingInterpreter()
    with TestClient(app_factory(interpreter=first)) as a, \
            TestClient(app_factory(interpreter=second)) as b:
        user = new_user_id()
        Chat(a, user).say("bonjour")
        Chat(a, user).say("oui")  # process a now remembers French
        switched = Chat(b, user)
        switched.say("LANGUE")
        switched.say("english")
        chat = Chat(a, user)
        chat.say("I live alone")
        # Read first as French (a's memory), then again as English once the turn saw it,
        # and answered in English: the English words read « alone », put to the person.
        assert first.read[-2:] == [("fr", "I live alone"), ("en", "I live alone")]
        assert chat.last.startswith(_in("en", "confirm_noted", facts="").split(":")[0])
        chat.say("yes")
        assert chat.last == _in("en", "ask_age_postcode")
        chat.say("34, 67100")
        assert first.read[-1] == ("en", "34, 67100")  # remembered: read once, in English
        assert ("fr", "34, 67100") not in first.read
