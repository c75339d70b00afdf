"""A referent's reply, sent through the person's own channel by the persistent outbox.

The reply is also written to the transcript as an outgoing message, marked as the
referent's, so the next referent reads who said what.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import ChannelAddress, Conversation, Message, utcnow
from storage.records import ReferentMessage


class NotReachable(Exception):
    """The person cannot be written to (no address kept, or they opted out)."""


def person_address(session: Session, conversation: Conversation) -> ChannelAddress | None:
    return session.scalars(
        select(ChannelAddress).where(ChannelAddress.person_id == conversation.person_id,
                                     ChannelAddress.channel == conversation.channel)
        .order_by(ChannelAddress.id.desc())).first()


def send_to_person(session: Session, conversation: Conversation, text: str, *,
                   referent_id: str, sender: str | None = None) -> Message:
    """Queue `text` for the person on their channel and record it in the transcript;
    `sender`: the territory's own SMS number, if it has one."""
    address = person_address(session, conversation)
    if address is None or address.opted_out or not address.address:
        raise NotReachable("opted out" if address is not None else "no address")
    _enqueue(session, address, text, sender if address.channel == "sms" else None,
             conversation.language)
    message = Message(conversation_id=conversation.id, direction="out", text=text,
                      created_at=utcnow())
    session.add(message)
    session.flush()
    session.add(ReferentMessage(message_id=message.id, referent_id=referent_id))
    return message


def _enqueue(session: Session, address: ChannelAddress, text: str, sender: str | None,
             language: str) -> None:
    from bot import outbox
    from bot.dialogue.types import Reply

    try:
        outbox.enqueue_for_address(session, address, [Reply(text)], sender=sender,
                                   kind="referent_reply", language=language)
    except ValueError as error:  # the address is not kept in clear (no consent)
        raise NotReachable(str(error)) from error
