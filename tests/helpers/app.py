"""The application as the tests talk to it: settings for a test database, and a person on
the web chat (`chat.say("bonjour")` returns the replies, `chat.last` the last reply's text)."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field

from fastapi.testclient import TestClient

from common.settings import Settings
from handoff.territory import DEFAULT_FILE

_ids = itertools.count()
# Strong enough for PASSERELLE_ENV=production (common/settings.py), public all the same.
TEST_SECRET = "test-secret-of-the-suite-0123456789-abcdefghij"


def new_user_id() -> str:
    return f"user-{next(_ids)}"


def make_settings(database_url: str, **overrides) -> Settings:
    # Each app gets Redis keys of its own (a fresh deployment), and a test speaks for many
    # people from one address: the limit on new web conversations is lifted unless a test
    # sets it (tests/bot/web/test_limits.py). The deployment is the Strasbourg demo file
    # alone (its postcodes 67000, 67100, 67200; REFERENT_CONTACT its contact) unless a test
    # names another: `make run`'s default, both demo territories, is `territory_file=""`
    # (tests/bot/test_territories.py).
    values = dict(database_url=database_url, secret_key=TEST_SECRET, warm_up_rules=False,
                  territory_file=str(DEFAULT_FILE),
                  nlu_url="http://127.0.0.1:9", nlu_timeout=0.3,
                  referent_contact="CCAS Neudorf, 03 88 11 22 33",
                  rate_limit_prefix=f"test-{uuid.uuid4().hex}",
                  web_new_conversations_per_10_min=10**6,
                  # Tests book through the web chat as scripts do; the proof a deployment
                  # asks for is tested on its own (tests/bot/web/test_phone_proof.py).
                  web_booking_proof=False)
    values.update(overrides)
    return Settings(**values)


@dataclass
class Chat:
    client: TestClient
    user_id: str
    transcript: list[tuple[str, list[dict]]] = field(default_factory=list)

    def say(self, text: str) -> list[dict]:
        response = self.client.post("/api/chat", json={"user_id": self.user_id, "text": text})
        assert response.status_code == 200, response.text
        replies = response.json()["replies"]
        self.transcript.append((text, replies))
        return replies

    @property
    def replies(self) -> list[dict]:
        return self.transcript[-1][1]

    @property
    def last(self) -> str:
        return self.replies[-1]["text"]

    @property
    def text(self) -> str:
        """Everything the bot said in answer to the last message, choices included."""
        parts = []
        for reply in self.replies:
            parts.append(reply["text"])
            parts.extend(reply["choices"])
        return "\n".join(parts)

    def other(self) -> Chat:
        return Chat(self.client, new_user_id())
