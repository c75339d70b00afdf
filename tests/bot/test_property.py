"""Arbitrary text at every state: never a crash, never a lost answer."""

from __future__ import annotations

import itertools

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot import messages, parsing
from storage.models import Answer, ChannelAddress, Conversation
from tests.helpers.app import make_settings
from tests.helpers.dialogue import ROUTE, SENIOR_ROUTE

_users = itertools.count()

# Each state, and the messages that lead to it from a new conversation.
PATHS = {
    "new": [],
    "consent": ["bonjour"],
    "declined": ["bonjour", "non"],
    "moment": ["bonjour", "oui"],
    **{f"ask:{key}": ["bonjour", "oui", "5", *list(ROUTE.values())[:i]]
       for i, key in enumerate(ROUTE)},
    "ask:pension": ["bonjour", "oui", "4", "70", "67100", "1", "1", "450"],
    "result": ["bonjour", "oui", "4", *SENIOR_ROUTE.values()],
    "slot": ["bonjour", "oui", "conseiller"],
    "booked": ["bonjour", "oui", "conseiller", "1"],
}
# The answers each path has stored when it reaches its state: what the message must not lose.
ANSWERED = {
    **{f"ask:{key}": set(list(ROUTE)[:i]) for i, key in enumerate(ROUTE)},
    "ask:pension": {"age", "postcode", "household", "housing", "rent"},
    "result": set(SENIOR_ROUTE),
}

# Text people type, weighted towards what the parsers see: digits, words, commands, emoji.
texts = st.one_of(
    st.text(max_size=200),
    st.text(alphabet="0123456789 ,.€e", max_size=12),
    st.sampled_from(["oui", "non", "menu", "retour", "1", "2", "9", "huit cents", "🙂", "\x00",
                     "NULL", "' OR 1=1 --", "<script>", "\u202e", "1e309", "-1", "0x10"]),
)


def _conversation_of(app, user: str) -> int | None:
    """The newest conversation of this user alone, found through their web address."""
    key = app.state.core.address_key("web", user)
    with app.state.db.session() as s:
        return s.scalar(
            select(Conversation.id)
            .join(ChannelAddress, ChannelAddress.person_id == Conversation.person_id)
            .where(ChannelAddress.key == key)
            .order_by(Conversation.id.desc()).limit(1))


def _answers(db, user_conversation_id):
    with db.session() as s:
        return {a.key: a.value for a in s.scalars(
            select(Answer).where(Answer.conversation_id == user_conversation_id))}


@pytest.fixture(scope="module")
def module_client(tmp_path_factory, eligibility):
    from bot.web.app import create_app
    from storage.db import Database

    db = Database(f"sqlite:///{tmp_path_factory.mktemp('prop') / 'p.sqlite3'}")
    with TestClient(create_app(make_settings(str(db.engine.url)), db=db,
                               eligibility=eligibility)) as client:
        yield client


@pytest.mark.parametrize("state", list(PATHS))
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=texts)
def test_any_text_at_any_state(module_client, state, text):
    stripped = text.strip()
    assume(stripped and len(text) <= 1000)
    # Erasing and restarting are the two ways answers are meant to go.
    assume(parsing.command_in(text) not in ("erase", "restart"))
    if state == "result":  # its choice 2 is « Recommencer »
        assume(parsing.parse_choice(text, messages.CHOICES["after_result"]) != 1)
    user = f"p{next(_users)}"
    db = module_client.app.state.db
    for message in PATHS[state]:
        assert module_client.post("/api/chat", json={"user_id": user, "text": message}).status_code == 200
    conversation_id = _conversation_of(module_client.app, user)
    assert (conversation_id is None) == (not PATHS[state]), state
    before = _answers(db, conversation_id) if conversation_id else {}
    assert ANSWERED.get(state, set()) <= before.keys(), (state, before)

    response = module_client.post("/api/chat", json={"user_id": user, "text": text})

    assert response.status_code == 200, response.text
    replies = response.json()["replies"]
    assert replies and all(r["text"].strip() for r in replies)
    if conversation_id is None:
        return
    after = _answers(db, conversation_id)
    if not after and before and any("effacées" in r["text"] for r in replies):
        return  # the NLU heard « delete my data » in a sentence: erased on purpose
    for key in before:
        assert key in after, f"answer {key} lost after {text!r} at {state}"
