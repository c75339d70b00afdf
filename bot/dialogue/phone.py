"""A web resident's mobile number, confirmed by a 6-digit code sent to it by SMS.

On the web chat an identity costs nothing: one address made 100 urgent hand-offs and booked
100 slots in seconds (issue 27 item 2). A booking from the web therefore needs a number the
person proved they hold; it is also where the day-before reminder goes (issue 28 item 2),
since a web resident gets nothing unless they reopen the page. The number is kept with the
person (`PersonPhone`) and erased with them; only a keyed hash of the code is stored.

Limits that make the proof cost an attacker: three wrong codes and the identity cannot book
from the chat; at most CODES_PER_PERSON codes per identity and CODES_PER_NUMBER per number
a day, whatever the identities asking (nobody can text a stranger's phone over and over).
A hand-off from an unconfirmed web identity counts against its territory's hourly budget;
past it, the hand-off waits for a referent's look (`Handoff.awaiting_review`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select

from bot import messages, parsing
from bot.dialogue.turn import Turn
from bot.dialogue.types import Reply
from storage.handoff import Handoff
from storage.models import Conversation, OutboxMessage, PersonPhone

MAX_WRONG = 3
CODES_PER_PERSON = 3
CODES_PER_NUMBER = 3  # per 24 hours
CODE_LIFETIME = timedelta(minutes=15)
# French mobiles, mainland (06, 07) and overseas (Réunion/Mayotte, Guadeloupe, Guyane,
# Martinique).
_MOBILE = re.compile(r"\+33[67]\d{8}|\+262(?:69|63)\d{7}|\+59[046]69\d{7}")


def _aware(moment: datetime | None, now: datetime) -> datetime | None:
    return moment.replace(tzinfo=now.tzinfo) if moment is not None and moment.tzinfo is None else moment


def mobile_number(text: str) -> str | None:
    """« 06 12 34 56 78 », « +33 6 12 34 56 78 », « 0033612345678 » -> +33612345678."""
    number = re.sub(r"[\s.\-()/]", "", text.strip())
    if number.startswith("00"):
        number = "+" + number[2:]
    if re.fullmatch(r"0[67]\d{8}", number):
        number = "+33" + number[1:]
    return number if _MOBILE.fullmatch(number) else None


def shown(number: str) -> str:
    """+33612345678 -> 06 12 34 56 78 (as the person would write it)."""
    if number.startswith("+33"):
        local = "0" + number[3:]
        return " ".join(local[i : i + 2] for i in range(0, len(local), 2))
    return number


def confirmed_phone(turn: Turn) -> PersonPhone | None:
    return turn.session.scalars(
        select(PersonPhone).where(
            PersonPhone.person_id == turn.conversation.person_id, PersonPhone.verified_at.is_not(None)
        )
    ).first()


def needed(turn: Turn) -> bool:
    """Whether this conversation must confirm a number before booking (web, none yet)."""
    return turn.services.web_booking_proof and turn.channel == "web" and confirmed_phone(turn) is None


def _record(turn: Turn) -> PersonPhone | None:
    return turn.session.scalars(
        select(PersonPhone).where(PersonPhone.person_id == turn.conversation.person_id)
    ).first()


def ask(turn: Turn, handoff: Handoff, slot: dict) -> list[Reply]:
    """Before booking `slot` from the web: the number, unless this identity failed already."""
    record = _record(turn)
    if record is not None and record.wrong_codes >= MAX_WRONG:
        return _refused(turn)
    context = dict(turn.conversation.context or {})
    context.update({"chosen": slot, "handoff_id": handoff.id})
    turn.conversation.context = context
    turn.conversation.state = "phone:number"
    return [Reply(messages.text("phone_ask"))]


def answer(turn: Turn) -> tuple[list[Reply], dict | None]:
    """The number or the code typed; the replies, and the chosen slot once confirmed."""
    if parsing.parse_yes_no(turn.text) is False:
        turn.conversation.state = "result"
        turn.conversation.context = {}
        return [Reply(messages.text("phone_declined", contact=turn.contact))], None
    if turn.conversation.state == "phone:code":
        return _check_code(turn)
    return _take_number(turn), None


def _take_number(turn: Turn) -> list[Reply]:
    number = mobile_number(turn.text)
    if number is None:
        return [Reply(messages.text("phone_invalid"))]
    now = turn.clock()
    record = _record(turn)
    recent = turn.session.scalar(
        select(func.count(PersonPhone.id)).where(
            PersonPhone.phone == number, PersonPhone.code_sent_at > now - timedelta(days=1)
        )
    )
    if (record is not None and record.codes_sent >= CODES_PER_PERSON) or (recent or 0) >= CODES_PER_NUMBER:
        turn.conversation.state = "result"
        turn.conversation.context = {}
        return [Reply(messages.text("phone_too_many_codes", contact=turn.contact))]
    if record is None:
        record = PersonPhone(person_id=turn.conversation.person_id, phone=number, codes_sent=0, wrong_codes=0)
        turn.session.add(record)
    code = f"{secrets.randbelow(10**6):06d}"
    record.phone, record.verified_at = number, None
    record.address_key = sms_key(turn, number)
    record.code_hash = _hash(turn, code)
    record.code_sent_at = now
    record.codes_sent = (record.codes_sent or 0) + 1
    _send_code(turn, number, code, now)
    turn.conversation.state = "phone:code"
    return [Reply(messages.text("phone_code_sent", number=shown(number)))]


def _send_code(turn: Turn, number: str, code: str, now: datetime) -> None:
    """The code goes by SMS through the outbox, in this turn's transaction. The dialogue knows
    no channel: the row is written here, one short SMS to the number's own SMS address (a
    number that sent STOP gets nothing, as everywhere)."""
    turn.session.add(
        OutboxMessage(
            channel="sms",
            recipient=number,
            address_key=sms_key(turn, number),
            sender=None,
            body=messages.text("phone_code_sms", code=code),
            choices=[],
            always_send=False,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            in_hours=False,
        )
    )


def sms_key(turn: Turn, number: str) -> str:
    """The number's SMS address key, as the core computes it (a STOP from it is found)."""
    return hmac.new(turn.services.secret_key, f"sms:{number}".encode(), hashlib.sha256).hexdigest()


def _hash(turn: Turn, code: str) -> str:
    person = turn.conversation.person_id
    return hmac.new(
        turn.services.secret_key, f"phone-code:{person}:{code}".encode(), hashlib.sha256
    ).hexdigest()


def _check_code(turn: Turn) -> tuple[list[Reply], dict | None]:
    record = _record(turn)
    now = turn.clock()
    typed = re.sub(r"\D", "", turn.text)
    if record is None or record.code_hash is None:
        turn.conversation.state = "phone:number"
        return [Reply(messages.text("phone_ask"))], None
    sent_at = _aware(record.code_sent_at, now)
    fresh = sent_at is not None and now - sent_at <= CODE_LIFETIME
    if fresh and len(typed) == 6 and hmac.compare_digest(_hash(turn, typed), record.code_hash):
        record.verified_at, record.code_hash = now, None
        chosen = (turn.conversation.context or {}).get("chosen")
        return [Reply(messages.text("phone_confirmed"))], chosen
    record.wrong_codes = (record.wrong_codes or 0) + 1
    if record.wrong_codes >= MAX_WRONG:
        record.code_hash = None
        return _refused(turn), None
    return [Reply(messages.text("phone_code_wrong", left=MAX_WRONG - record.wrong_codes))], None


def _refused(turn: Turn) -> list[Reply]:
    turn.conversation.state = "result"
    turn.conversation.context = {}
    return [Reply(messages.text("phone_code_refused", contact=turn.contact))]


def review_if_over_budget(turn: Turn, handoff: Handoff, *, new: bool) -> None:
    """A new hand-off past the budget waits for a referent's look: not urgent, so it
    pushes no one down the queue, and it stays so until the number is confirmed (a second
    urgent message from the same identity does not lift it)."""
    if new and over_budget(turn, handoff):
        handoff.awaiting_review = True
    if handoff.awaiting_review:
        handoff.urgent = False


def over_budget(turn: Turn, handoff: Handoff) -> bool:
    """Whether this new hand-off from an unconfirmed web identity is past its territory's
    hourly budget of such hand-offs."""
    territory = turn.territory
    if not needed(turn) or territory is None:
        return False
    confirmed = exists().where(
        PersonPhone.person_id == Conversation.person_id, PersonPhone.verified_at.is_not(None)
    )
    count = turn.session.scalar(
        select(func.count(Handoff.id))
        .join(Conversation, Handoff.conversation_id == Conversation.id)
        .where(
            Conversation.channel == "web",
            ~confirmed,
            Handoff.territory_id == handoff.territory_id,
            Handoff.id != handoff.id,
            Handoff.awaiting_review.is_(False),
            # On the clock that wrote the hand-off's own time.
            Handoff.created_at > handoff.created_at - timedelta(hours=1),
        )
    )
    return (count or 0) >= territory.unverified_handoffs_per_hour
