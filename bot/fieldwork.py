"""A field check's own conversation: started fresh on the console's field page, handed to
the resident's phone only when the resident is shown to be there.

An ambassador types a number; nothing proves that the person holding that phone stands
beside them. So a check never attaches to a conversation that exists: it starts under a
sender of its own (``terrain:<check id>``, formatted as SMS), a new person with nothing
earlier to show, whose commands (SUPPRIMER, STOP, ANNULER) reach only what the check
created. Its address keeps the keyed hash of the number (`contact_key`), never the number.

The check becomes the resident's SMS conversation (their next SMS goes on in it, the result
and a booked slot reach their phone) when:
- the phone answers yes to the one-time SMS within `CONSENT_WINDOW`: whoever holds the
  phone agreed, so the check's conversation joins that number's person (a number that wrote
  before keeps its earlier conversations, which the check never shows);
- or the ambassador read the notice aloud, and only for a number that never wrote to the
  service: the ambassador's word creates a conversation, it never takes one over. For a
  number that did, the one-time SMS is the only way (`adopt_read_aloud` says no).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot import messages, outbox
from bot.dialogue.core import DialogueCore
from bot.dialogue.types import IncomingMessage, Reply
from bot.parsing import parse_yes_no
from handoff.contacts import contact_key
from storage.ambassadors import FieldCheck
from storage.models import ChannelAddress, Conversation, EligibilityResult, Person

# The one-time SMS is answered while the ambassador and the resident are together.
CONSENT_WINDOW = timedelta(hours=1)
# After this (or « Terminer »), the page shows and sends nothing more: the resident may go
# on by SMS, and what they say then is theirs, not the ambassador's to read.
OPEN_FOR = timedelta(hours=4)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value  # SQLite: naive UTC


def own_sender(check: FieldCheck) -> str:
    """The check's sender, never a phone number; its start makes it unique even if an id
    were ever given again."""
    return f"terrain:{check.id}:{int(_aware(check.started_at).timestamp())}"


def is_open(check: FieldCheck, now: datetime) -> bool:
    return check.finished_at is None and now - _aware(check.started_at) < OPEN_FOR


def begin(core: DialogueCore, check_id: int, phone: str) -> int:
    """The check's first turn, in a conversation of its own; returns its id."""
    with core.db.session() as session:
        sender = own_sender(session.get(FieldCheck, check_id))
    core.handle(IncomingMessage(channel="sms", sender=sender, text="bonjour"))
    with core.db.session() as session:
        address = session.scalars(select(ChannelAddress).where(
            ChannelAddress.key == core.address_key("sms", sender))).one()
        # The number's hash only: the phone's yes finds the check by it (`claim_consent`).
        address.contact_key = contact_key(core.services.secret_key, "sms", phone)
        conversation_id = session.scalars(select(Conversation.id).where(
            Conversation.person_id == address.person_id)).one()
        session.get(FieldCheck, check_id).conversation_id = conversation_id
    return conversation_id


def _adopt(session: Session, core: DialogueCore, check: FieldCheck, phone: str) -> bool:
    """Makes the check's conversation the number's SMS conversation. False if it already is
    someone's (adopted before, or erased)."""
    own = session.scalars(select(ChannelAddress).where(
        ChannelAddress.key == core.address_key("sms", own_sender(check)))).first()
    conversation = session.get(Conversation, check.conversation_id or 0)
    if own is None or conversation is None or conversation.person_id != own.person_id:
        return False
    target = session.scalars(select(ChannelAddress).where(
        ChannelAddress.key == core.address_key("sms", phone))).first()
    if target is None:
        own.key = core.address_key("sms", phone)
        return True
    conversation.person_id = target.person_id
    session.flush()
    session.expire(conversation)
    # The check's own person held nothing else: its address goes with it.
    session.execute(delete(Person).where(Person.id == own.person_id)
                    .execution_options(synchronize_session=False))
    session.expire_all()
    return True


def adopt_read_aloud(core: DialogueCore, check_id: int, phone: str) -> bool:
    """The notice read aloud: the check becomes the number's conversation, if the number
    never wrote to the service. False otherwise (the one-time SMS is then needed)."""
    with core.db.session() as session:
        known = session.scalars(select(ChannelAddress.id).where(
            ChannelAddress.key == core.address_key("sms", phone))).first()
        if known is not None:
            return False
        return _adopt(session, core, session.get(FieldCheck, check_id), phone)


def claim_consent(core: DialogueCore, message: IncomingMessage) -> bool:
    """An SMS yes from a number an ambassador started a check with, within the hour: the
    check's conversation becomes this number's, so this very message, handled next by the
    dialogue, is its consent. True when a check was adopted."""
    if message.channel != "sms" or parse_yes_no(message.text) is not True:
        return False
    hashed = contact_key(core.services.secret_key, "sms", message.sender)
    if hashed is None:
        return False
    since = core.clock() - CONSENT_WINDOW
    with core.db.session() as session:
        rows = session.execute(
            select(FieldCheck, ChannelAddress)
            .join(Conversation, Conversation.id == FieldCheck.conversation_id)
            .join(ChannelAddress, ChannelAddress.person_id == Conversation.person_id)
            .where(ChannelAddress.contact_key == hashed, FieldCheck.consent_method.is_(None),
                   FieldCheck.finished_at.is_(None), FieldCheck.started_at >= since)
            .order_by(FieldCheck.id.desc())).all()
        for check, address in rows:
            if address.key == core.address_key("sms", own_sender(check)):
                return _adopt(session, core, check, message.sender)
    return False


def sender_of(session: Session, core: DialogueCore, check: FieldCheck) -> str | None:
    """Whom the check's turns are typed as: the resident's number once their conversation
    is the check's (adopted, consented, and still their latest SMS conversation); else None,
    and nothing is typed."""
    conversation = session.get(Conversation, check.conversation_id or 0)
    if conversation is None or not conversation.consented:
        return None
    for address in conversation.person.addresses:
        if address.channel != "sms" or not address.address:
            continue
        if address.key != core.address_key("sms", address.address):
            continue  # the check's own sender: never adopted
        latest = session.scalars(select(Conversation.id).where(
            Conversation.person_id == conversation.person_id, Conversation.channel == "sms")
            .order_by(Conversation.id.desc()).limit(1)).first()
        return address.address if latest == conversation.id else None
    return None


def _latest_result(session: Session, conversation_id: int) -> int:
    return session.scalar(select(EligibilityResult.id).where(
        EligibilityResult.conversation_id == conversation_id)
        .order_by(EligibilityResult.id.desc()).limit(1)) or 0


def on_behalf(core: DialogueCore, check_id: int, text: str, *,
              phone: str | None = None) -> list[Reply] | None:
    """One turn of the check's conversation, typed by the ambassador; None when the check
    is not the resident's consented conversation (nothing is typed). `phone`: the number
    given in the same request, for the consent read aloud (not kept in clear before).

    The replies stay on the page, except what the resident must keep: a new result (with a
    line saying where it comes from) and the confirmation of a booked slot, queued to
    their phone in the turn's own transaction.
    """
    with core.db.session() as session:
        check = session.get(FieldCheck, check_id)
        sender = phone or sender_of(session, core, check)
        conversation = session.get(Conversation, check.conversation_id or 0)
        if sender is None or conversation is None:
            return None
        conversation_id, state = conversation.id, conversation.state
        latest = _latest_result(session, conversation_id)
    key = core.address_key("sms", sender)

    def then(session: Session, replies: list[Reply]) -> None:
        now = session.get(Conversation, conversation_id)
        if now is None:
            return
        forwarded: list[Reply] = []
        if _latest_result(session, now.id) > latest:
            forwarded = [Reply(messages.text("field_result"))] + replies
        elif now.state == "booked" and state != "booked":
            forwarded = replies
        if forwarded:
            outbox.enqueue(session, channel="sms", recipient=sender, address_key=key,
                           replies=forwarded)

    return core.handle(IncomingMessage(channel="sms", sender=sender, text=text), then=then)
