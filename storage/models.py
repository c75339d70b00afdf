"""Tables of the application: people, their addresses, conversations and what they told us.

Personal data (addresses in clear, answers, transcripts, results) hangs off `Person` with
ON DELETE CASCADE, so erasing a person is one DELETE. The anonymous funnel counts live in
`FunnelEvent`, which has no link to a person and survives erasure.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.types import Base, utcnow


class Person(Base):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    addresses: Mapped[list[ChannelAddress]] = relationship(
        back_populates="person", cascade="all, delete-orphan", passive_deletes=True
    )
    consents: Mapped[list[Consent]] = relationship(
        back_populates="person", cascade="all, delete-orphan", passive_deletes=True
    )
    conversations: Mapped[list[Conversation]] = relationship(
        back_populates="person", cascade="all, delete-orphan", passive_deletes=True
    )


class ChannelAddress(Base):
    """How to reach a person on one channel.

    `key` is an HMAC of (channel, address) so a conversation can be found before consent
    without storing the address in clear; `address` is filled only once consent is given.
    """

    __tablename__ = "channel_address"
    __table_args__ = (UniqueConstraint("key", name="uq_channel_address_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(200))
    # A keyed hash of the phone number, normalised, whatever the channel (SMS, WhatsApp):
    # one person writing on both is counted once among first contacts. Never the number.
    contact_key: Mapped[str | None] = mapped_column(String(64), index=True)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)

    person: Mapped[Person] = relationship(back_populates="addresses")


class Consent(Base):
    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(20))
    given_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    person: Mapped[Person] = relationship(back_populates="consents")


class Conversation(Base):
    """One dialogue with a person on one channel; its state is all the core needs to resume."""

    __tablename__ = "conversation"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(40))
    moment: Mapped[str | None] = mapped_column(String(20))
    # The questions asked so far, newest last: what « retour » walks back through.
    history: Mapped[list[Any]] = mapped_column(default=list)
    misunderstood: Mapped[int] = mapped_column(Integer, default=0)
    # What the current state needs to read the next answer (e.g. the slots just offered).
    context: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    consented: Mapped[bool] = mapped_column(Boolean, default=False)
    # The territory serving this person (routed by the number texted, else the postcode);
    # NULL: outside every territory (national rights and contacts, no appointment) or not
    # known yet.
    territory_id: Mapped[str | None] = mapped_column(String(40), index=True)
    # The optional question on sex: None (not yet), "due" (a result was given), "asked",
    # "done" (answered or skipped). Never the answer itself: that goes to the counts only.
    sex_question: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The language the bot writes in (a folder of locales/; bot/language.py), French first.
    language: Mapped[str] = mapped_column(String(8), default="fr", server_default="fr")

    person: Mapped[Person] = relationship(back_populates="conversations")
    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Message.id",
    )
    answers: Mapped[list[Answer]] = relationship(
        back_populates="conversation", cascade="all, delete-orphan", passive_deletes=True
    )
    results: Mapped[list[EligibilityResult]] = relationship(
        back_populates="conversation",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="EligibilityResult.id",
    )


class Message(Base):
    """A message in or out; kept only for consenting people (the referent's transcript)."""

    __tablename__ = "message"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[str] = mapped_column(String(3))  # "in" or "out"
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


class Answer(Base):
    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("conversation_id", "key", name="uq_answer_conversation_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(40))
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="answers")


class EligibilityResult(Base):
    __tablename__ = "eligibility_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[str] = mapped_column(String(7))
    engine: Mapped[dict[str, Any]] = mapped_column()
    benefits: Mapped[list[Any]] = mapped_column()
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="results")


class FunnelEvent(Base):
    """An anonymous step of the take-up funnel: no person, no address, the week only."""

    __tablename__ = "funnel_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    week: Mapped[str] = mapped_column(String(8), index=True)  # ISO week, e.g. "2026-W48"
    channel: Mapped[str] = mapped_column(String(20))
    moment: Mapped[str | None] = mapped_column(String(20))
    benefit: Mapped[str | None] = mapped_column(String(80))
    amount_year: Mapped[int | None] = mapped_column(Integer)
    # Days from the person's first message to this step (an appointment honoured, a claim
    # filed, a right opened), counted when it happens: durations survive erasure this way.
    days: Mapped[int | None] = mapped_column(Integer)
    # -1 withdraws an earlier event (a referent's correction); NULL counts as +1.
    delta: Mapped[int | None] = mapped_column(SmallInteger)
    # The conversation's territory when the step happened; NULL: outside every territory.
    territory_id: Mapped[str | None] = mapped_column(String(40), index=True)
    # The conversation's language at this step: take-up split by language (anonymous too).
    language: Mapped[str] = mapped_column(String(8), default="fr", server_default="fr")
    # The sex a person chose to give after the result (issue 16 item 5), only on the copies
    # of the steps they had reached, written when they answered: counted apart from the
    # rest (handoff/indicators.py), never kept on the person.
    sex: Mapped[str | None] = mapped_column(String(10))


class OutboxMessage(Base):
    """One message to send (one SMS part, one Telegram message), kept until it has gone out.

    Rows are claimed by dispatchers (bot/worker.py), retried with backoff, and refused when
    the address opted out. No link to `Person`: the confirmation of an erasure still goes out.
    The body and the recipient are blanked once sent, so only the delivery record remains.
    """

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    address_key: Mapped[str] = mapped_column(String(64), index=True)  # ChannelAddress.key
    recipient: Mapped[str | None] = mapped_column(String(200))
    # The number it goes out from: the territory's own, so that the person's answer comes
    # back to it (NULL: the deployment's TWILIO_SMS_FROM or messaging service).
    sender: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    choices: Mapped[list[Any]] = mapped_column(default=list)
    # The opt-out confirmation: the one message sent to an address that opted out.
    always_send: Mapped[bool] = mapped_column(Boolean, default=False)
    # A campaign message: sent only in the campaigns' allowed hours, retries included.
    in_hours: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # pending, sending, sent, delivered, undelivered, failed, refused
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    provider_id: Mapped[str | None] = mapped_column(String(80), index=True)
    last_error: Mapped[str | None] = mapped_column(String(300))
    # The provider's error code from its delivery report (Twilio 30003: unreachable phone).
    error_code: Mapped[str | None] = mapped_column(String(10))
    # A message the person did not just ask for (bot/delivery.py KINDS: reminder,
    # referent_reply, invitation, followup): on WhatsApp outside the 24-hour window it goes
    # as the approved template of its kind and language, with `variables`; NULL: a reply.
    kind: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(8))
    variables: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PersonPhone(Base):
    """A phone number a web resident gave for SMS reminders, confirmed by a code sent to it.

    Until `verified_at`, only the code's hash and the counts of codes sent and of wrong
    answers; erased with the person (one cascading DELETE)."""

    __tablename__ = "person_phone"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"),
                                           unique=True)
    phone: Mapped[str] = mapped_column(String(200))
    code_hash: Mapped[str | None] = mapped_column(String(128))
    code_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    codes_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    wrong_codes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The number's SMS address key (ChannelAddress.key of channel "sms"): messages to it are
    # refused after a STOP from that number, and erased with the person.
    address_key: Mapped[str | None] = mapped_column(String(64))


class ProcessedInbound(Base):
    """Ids of inbound messages already handled (Twilio MessageSid, Telegram update), no content."""

    __tablename__ = "processed_inbound"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class InboundMessage(Base):
    """A message received from a person, stored before its turn runs and kept only until then.

    The webhook answers once the row is committed, so a turn that fails is retried later
    (with backoff, in order per address) instead of being lost. The text and the sender in
    clear are personal data: the row is deleted in the turn's own transaction; one given up
    after too many attempts keeps only its address key and error, its text and sender blanked.
    """

    __tablename__ = "inbound_message"
    __table_args__ = (UniqueConstraint("inbound_id", name="uq_inbound_message_inbound_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_id: Mapped[str] = mapped_column(String(100))  # ProcessedInbound.id once handled
    channel: Mapped[str] = mapped_column(String(20))
    address_key: Mapped[str] = mapped_column(String(64), index=True)  # ChannelAddress.key
    sender: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # pending (to process), failed (given up)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(300))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
