"""Opt-out: STOP (ARRET, ARRÊT…, alone, or confirmed after a model read an opt-out:
bot/dialogue/irreversible.py) stops every message to the address but its confirmation;
START brings them back, with a confirmation too.

Works before consent: only the flag is kept, on the HMAC-keyed address row, never the number.
The outbox reads the flag before sending anything (bot/outbox.py), so reminders, referents'
replies and campaigns respect it too.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import language, messages, parsing
from bot.dialogue.types import Reply
from storage.models import ChannelAddress


def _is_start(text: str) -> bool:
    words = parsing.normalize(text).strip(" .!?")
    return any(words in language.words("start", code)
               for code in (language.current(), language.SOURCE))


def respond(turn: Any, *, stop: bool) -> list[Reply] | None:
    """The opt-out (`stop`: its word typed alone, or confirmed) or the opt-in (START alone)
    this message asks for, or None if it asks neither."""
    wants_out = stop
    wants_in = not stop and _is_start(turn.text)
    if not wants_out and not wants_in:
        return None
    address = _address(turn.session, turn.conversation.person_id, turn.channel)
    if address is None:
        return None
    if wants_out:
        if address.opted_out:
            return [Reply(messages.text("opted_out_already"))]  # refused by the outbox
        address.opted_out = True
        return [Reply(messages.text("opted_out"), always_send=True)]
    if not address.opted_out:
        return None  # « start » from someone subscribed: an ordinary message
    address.opted_out = False
    return [Reply(messages.text("opted_in"))]


def is_opted_out(session: Session, key: str) -> bool:
    return bool(session.scalars(select(ChannelAddress.opted_out).where(
        ChannelAddress.key == key)).first())


def _address(session: Session, person_id: int, channel: str) -> ChannelAddress | None:
    return session.scalars(select(ChannelAddress).where(
        ChannelAddress.person_id == person_id, ChannelAddress.channel == channel)).first()
