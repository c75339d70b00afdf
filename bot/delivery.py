"""Reaching a person after the conversation: WhatsApp's 24-hour window, the SMS fallback,
and what a referent is told when a message did not arrive.

WhatsApp takes a free-form message only within 24 hours of the person's last message;
after that only an approved template (Twilio's Content API: a content SID and its
variables) goes through, anything else is refused (error 63016). Messages the person did not
just ask for carry a kind (KINDS); outside the window each goes as its kind's template in
the person's language. A kind with no template configured goes by SMS to the person's
number when they have one we may write to by SMS (an SMS conversation of theirs, or a
number they confirmed with a code), else it is marked undeliverable and the hand-off is
flagged for the referent.

A referent's reply cannot go in a template (its words are free): the template says « a
referent answered you, reply to read it », and the reply waits (`held`) until the person
writes, which opens the window again.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.outbox import FINAL_STATUSES, Claimed
from common.settings import TEMPLATE_KINDS
from handoff import indicators
from storage.db import Database
from storage.handoff import Handoff
from storage.models import ChannelAddress, Conversation, OutboxMessage, Person, PersonPhone

KINDS = TEMPLATE_KINDS
# WhatsApp's window is 24 hours; a few minutes less covers clocks and the time to send.
WINDOW = timedelta(hours=24) - timedelta(minutes=5)
# Statuses of a message that did not reach the person (Twilio's and ours).
NOT_DELIVERED = ("undelivered", "failed", "undeliverable")
# Messages whose failure a referent must see: the person may not know about the appointment
# or the answer.
FLAGGED_KINDS = ("reminder", "referent_reply")


def _person_of(session: Session, address_key: str) -> Person | None:
    """Whose address this is: one of their channels, or the number they confirmed on the web."""
    person = session.scalars(
        select(Person).join(ChannelAddress).where(ChannelAddress.key == address_key)
    ).first()
    if person is None:
        person = session.scalars(
            select(Person).join(PersonPhone).where(PersonPhone.address_key == address_key)
        ).first()
    return person


def window_open(session: Session, address_key: str, now: datetime) -> bool:
    """Whether the person wrote on this address within WhatsApp's 24 hours."""
    person = _person_of(session, address_key)
    if person is None:
        return False
    last = person.last_message_at
    if last.tzinfo is None:  # SQLite keeps no offset
        last = last.replace(tzinfo=now.tzinfo)
    return now - last < WINDOW


def sms_number(session: Session, person_id: int) -> str | None:
    """A number this person lets us write to by SMS: their SMS conversation's, or one they
    confirmed with a code; None if they have neither or stopped SMS."""
    address = session.scalars(
        select(ChannelAddress).where(
            ChannelAddress.person_id == person_id,
            ChannelAddress.channel == "sms",
            ChannelAddress.address.is_not(None),
        )
    ).first()
    if address is not None:
        return None if address.opted_out else address.address
    phone = session.scalars(
        select(PersonPhone).where(PersonPhone.person_id == person_id, PersonPhone.verified_at.is_not(None))
    ).first()
    return phone.phone if phone is not None else None


def prepare_whatsapp(
    db: Database, message: Claimed, templates: dict[tuple[str, str], str], *, now: datetime
) -> Claimed | None:
    """The message as it may go on WhatsApp now: itself within the window, its template
    outside it; None when it cannot go on WhatsApp (sent by SMS instead, or undeliverable),
    its row already finished.

    The SMS keeps the WhatsApp address key: erased with the person, in order with their
    other messages; whether the number stopped SMS is checked here (`sms_number`)."""
    if message.channel != "whatsapp" or message.kind is None:
        return message
    with db.session() as session:
        if window_open(session, message.address_key, now):
            return message
        sid = templates.get((message.kind, message.language or "fr"))
        if sid is not None:
            return dataclasses.replace(message, content_sid=sid)
        row = session.get(OutboxMessage, message.id)
        person = _person_of(session, message.address_key)
        number = sms_number(session, person.id) if person is not None else None
        if row is None:
            return None
        if number is not None:
            session.add(
                OutboxMessage(
                    channel="sms",
                    recipient=number,
                    address_key=row.address_key,
                    body=row.body,
                    choices=[],
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                    kind=row.kind,
                    language=row.language,
                )
            )
            _close(row, "rerouted", now, "hors de la fenêtre WhatsApp, envoyé par SMS")
            return None
        _close(
            row,
            "undeliverable",
            now,
            f"hors de la fenêtre WhatsApp et pas de modèle « {row.kind} » ({row.language})",
        )
        flag_handoff(session, row, now)
        count_failure(session, row, now)
        return None


def _close(row: OutboxMessage, status: str, now: datetime, reason: str) -> None:
    row.status = status
    row.lease_until = None
    row.body = ""
    row.recipient = None
    row.variables = None
    row.last_error = reason
    row.sent_at = now if status == "rerouted" else None


def hold(db: Database, message_id: int, *, provider_id: str | None, now: datetime) -> None:
    """The template announcing a referent's reply went out: the reply itself waits, body
    and number kept, until the person writes."""
    with db.session() as session:
        row = session.get(OutboxMessage, message_id)
        if row is not None:
            row.status, row.lease_until, row.provider_id = "held", None, provider_id
            row.sent_at = now


def release_held(session: Session, address_key: str, *, now: datetime) -> int:
    """The person wrote: the replies held for them go out now, before this turn's answer."""
    return session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.address_key == address_key, OutboxMessage.status == "held")
        .values(status="pending", next_attempt_at=now, provider_id=None)
        .execution_options(synchronize_session=False)
    ).rowcount


def count_failure(session: Session, row: OutboxMessage, now: datetime) -> None:
    """The failure in the indicators, by channel (anonymous: no person, the week only)."""
    person = _person_of(session, row.address_key)
    if person is None:
        return
    conversation = session.scalars(
        select(Conversation)
        .where(Conversation.person_id == person.id)
        .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
    ).first()
    if conversation is not None:
        indicators.record_delivery_failure(session, conversation, channel=row.channel, day=now.date())


def note_failure(db: Database, message_id: int, *, now: datetime) -> None:
    """A message given up for good by the dispatcher (the provider refused it)."""
    with db.session() as session:
        row = session.get(OutboxMessage, message_id)
        if row is not None:
            count_failure(session, row, now)
            flag_handoff(session, row, now)


def flag_handoff(session: Session, row: OutboxMessage, now: datetime) -> bool:
    """A reminder or a referent's reply that did not reach the person: their latest
    hand-off goes back to the top of the queue, « message non distribué »."""
    if row.kind not in FLAGGED_KINDS:
        return False
    person = _person_of(session, row.address_key)
    if person is None:
        return False
    handoff = session.scalars(
        select(Handoff)
        .join(Conversation, Handoff.conversation_id == Conversation.id)
        .where(Conversation.person_id == person.id)
        .order_by(Handoff.status.desc(), Handoff.id.desc())
    ).first()
    if handoff is None:
        return False
    handoff.delivery_failed_at = now
    return True


# Twilio's delivery error codes, in words a referent can act on (the others show their code).
ERROR_WORDS = {
    "30003": "téléphone injoignable (éteint, hors réseau ou saturé)",
    "30004": "message bloqué par la personne ou son opérateur",
    "30005": "numéro inconnu ou qui n'existe plus",
    "30006": "numéro fixe, ou opérateur qui ne reçoit pas de SMS",
    "30007": "message filtré par l'opérateur comme indésirable",
    "30008": "erreur de l'opérateur, sans précision",
    "21211": "numéro invalide",
    "21610": "la personne a répondu STOP à ce numéro",
    "21614": "ce numéro n'est pas un mobile",
    "63003": "numéro sans compte WhatsApp",
    "63016": "hors de la fenêtre WhatsApp de 24 h, sans modèle approuvé",
    "63024": "numéro sans compte WhatsApp ou injoignable",
}
STATUS_WORDS = {
    "pending": "en attente d'envoi",
    "sending": "en cours d'envoi",
    "sent": "envoyé",
    "delivered": "distribué",
    "undelivered": "non distribué",
    "failed": "non distribué",
    "undeliverable": "non distribué",
    "refused": "non envoyé (la personne a dit STOP)",
    "rerouted": "envoyé par SMS à la place",
    "held": "en attente d'une réponse de la personne",
}
KIND_WORDS = {
    "reminder": "Rappel de rendez-vous",
    "referent_reply": "Votre réponse",
    "invitation": "Invitation",
    "followup": "Relance « avez-vous fait la demande ? »",
    None: "Réponse du bot",
}


def record_report(
    session: Session, *, provider_id: str, status: str, error_code: str | None, now: datetime
) -> bool:
    """A delivery report (Twilio's signed status callback) on the message it is about; a
    reminder or a referent's reply that did not arrive flags its hand-off."""
    final = FINAL_STATUSES.get(status)
    if final is None:
        return False
    row = session.scalars(select(OutboxMessage).where(OutboxMessage.provider_id == provider_id)).first()
    if row is None:
        return False
    if error_code and error_code.strip().isdigit():
        row.error_code = error_code.strip()[:10]
    if row.status == "held":
        # The template announcing a held reply: the reply waits unless the template failed.
        if final in ("undelivered", "failed"):
            _close(row, final, now, "le modèle WhatsApp n'a pas été distribué")
            flag_handoff(session, row, now)
            count_failure(session, row, now)
        return True
    if row.status in ("delivered", *NOT_DELIVERED) and final == "sent":
        return True  # reports can arrive out of order
    already = row.status in NOT_DELIVERED
    row.status = final
    if final in ("undelivered", "failed") and not already:
        flag_handoff(session, row, now)
        count_failure(session, row, now)
    return True


def reason_in_words(status: str, error_code: str | None, last_error: str | None) -> str:
    """Why a message did not arrive, as the hand-off page says it."""
    if error_code:
        return ERROR_WORDS.get(error_code, f"erreur {error_code} de l'opérateur")
    if status in NOT_DELIVERED or status == "rerouted":
        return last_error or ""
    return ""


def messages_to_person(session: Session, person_id: int, *, limit: int = 20) -> list[OutboxMessage]:
    """The latest messages to this person that a referent may want to check: those the
    person did not just ask for, and any that did not arrive."""
    keys = list(session.scalars(select(ChannelAddress.key).where(ChannelAddress.person_id == person_id)))
    keys += session.scalars(
        select(PersonPhone.address_key).where(
            PersonPhone.person_id == person_id, PersonPhone.address_key.is_not(None)
        )
    )
    if not keys:
        return []
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.address_key.in_(keys),
                (OutboxMessage.kind.is_not(None)) | OutboxMessage.status.in_(NOT_DELIVERED),
            )
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        )
    )
