"""Each language read by its own Rasa model (issue 17), through the chat API, with real
Rasa servers: French's behind a recording relay, to see which messages reach it.

A message of a non-French conversation is never sent to the French model; a language with
a model has its free text understood by it; a language without one (not configured, or its
server down) works on digits and its words as before.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot import language, messages
from bot.dialogue import questions
from storage.models import Conversation
from tests.helpers.app import Chat, new_user_id


class Relay:
    """An HTTP relay in front of a real Rasa server that keeps the texts it was asked."""

    def __init__(self, target: str):
        self.target = target.rstrip("/")
        self.texts: list[bytes] = []
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self, body: bytes | None) -> None:
                req = urllib.request.Request(relay.target + self.path, data=body,
                                             method=self.command,
                                             headers={"Content-Type": "application/json"})
                try:
                    with urllib.request.urlopen(req, timeout=10) as resp:
                        status, payload = resp.status, resp.read()
                except urllib.error.HTTPError as error:
                    status, payload = error.code, error.read()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.startswith("/model/parse"):
                    relay.texts.append(body)
                self._forward(body)

            def do_GET(self) -> None:  # noqa: N802
                self._forward(None)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def french(nlu_url):
    relay = Relay(nlu_url)
    yield relay
    relay.close()


def _app(app_factory, french, nlu_token, nlu_urls: str = ""):
    return TestClient(app_factory(nlu_url=french.url, nlu_urls=nlu_urls, nlu_token=nlu_token,
                                  nlu_timeout=5.0))


def _conversation(db) -> Conversation:
    with db.session() as session:
        row = session.scalars(select(Conversation).order_by(Conversation.id.desc())).first()
        session.expunge(row)
        return row


def _in(code: str, key: str, **values) -> str:
    with language.use(code):
        return messages.text(key, **values)


# Free text the English words (locales/en/words.yml) do not read as a moment of life.
ALONE_WITH_KIDS = "my wife left and the kids stay with me"


def test_english_free_text_is_understood_by_the_english_model_never_the_french(
        app_factory, french, nlu_servers, nlu_token, sqlite_db):
    with language.use("en"):
        assert questions.parse_moment(ALONE_WITH_KIDS) is None  # the words alone would re-ask
    with _app(app_factory, french, nlu_token, f"en={nlu_servers.url('en')}") as client:
        chat = Chat(client, new_user_id())
        chat.say("Hello, I would like to know which benefits I can get")
        assert _conversation(sqlite_db).language == "en"
        chat.say("yes")
        assert chat.last == _in("en", "ask_moment_first")
        chat.say(ALONE_WITH_KIDS)
        assert _conversation(sqlite_db).moment == "single_parent"
        assert french.texts == []  # not one English message went to the French model
        # The relay does see French: a French conversation is read by French's model.
        Chat(client, new_user_id()).say("jsuis enceinte et seule")
        assert len(french.texts) == 1


def _digits_and_words_only(client, sqlite_db) -> None:
    chat = Chat(client, new_user_id())
    chat.say("Hello, I would like to know which benefits I can get")
    assert _conversation(sqlite_db).language == "en"
    chat.say("yes")
    chat.say(ALONE_WITH_KIDS)
    # No model to read it: the words' reading (« wife », « kids ») is put to the person
    # (« I noted: ... Is that right? »), never taken silently, and no moment is guessed.
    assert _conversation(sqlite_db).state == "confirm"
    assert _conversation(sqlite_db).moment != "single_parent"
    chat.say("no")
    assert chat.last == _in("en", "ask_age_postcode")
    chat.say("67, 67100")  # digits
    assert chat.last != _in("en", "ask_age_postcode")
    other = Chat(client, new_user_id())
    other.say("Hello, I would like to know which benefits I can get")
    other.say("yes")
    other.say("i am retired")  # the language's words
    assert other.last == _in("en", "ask_age_postcode")


def test_a_language_without_a_model_works_on_digits_and_words(
        app_factory, french, nlu_token, sqlite_db):
    with _app(app_factory, french, nlu_token) as client:
        _digits_and_words_only(client, sqlite_db)
    assert french.texts == []


def test_a_language_whose_server_is_down_works_on_digits_and_words(
        app_factory, french, nlu_token, sqlite_db):
    with _app(app_factory, french, nlu_token, "en=http://127.0.0.1:9") as client:
        _digits_and_words_only(client, sqlite_db)
        assert client.get("/healthz").json()["nlu"] == "up"  # French's, as before
    assert french.texts == []


@pytest.mark.parametrize("code, text, words, value", [
    ("en", "i earn twelve hundred a month", "twelve hundred", 1200),
    ("tr", "ayda bin iki yüz kazanıyorum", "bin iki yüz", 1200),
    ("ar", "عمري ٣٤ سنة", "٣٤", 34),
])
def test_numbers_tagged_by_a_model_are_read_in_its_language(code, text, words, value):
    """What a language's model tags as a number is read with that language's number words
    (and Arabic-Indic digits), not French's."""
    from bot.web.app import number_reader
    from nlu.client import normalise_entities

    start = text.index(words)
    tagged = [{"entity": "amount", "value": words, "start": start, "end": start + len(words)}]
    assert normalise_entities(tagged, text, number_reader(code)) == {"amount": [value]}
    if code != "ar":  # digits are digits; number words are the language's own
        assert normalise_entities(tagged, text).get("amount") != [value]  # French's reading


def test_nlu_urls_name_each_languages_server(monkeypatch):
    from common.settings import Settings, SettingsError

    monkeypatch.setenv("NLU_URLS", "en=http://127.0.0.1:5007/, TR=http://127.0.0.1:5008")
    assert Settings.from_env().nlu_language_urls == {"en": "http://127.0.0.1:5007",
                                                     "tr": "http://127.0.0.1:5008"}
    monkeypatch.setenv("NLU_URLS", "en:5007")
    with pytest.raises(SettingsError, match="NLU_URLS"):
        Settings.from_env()
