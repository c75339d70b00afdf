"""What every flow of the dialogue works with during one message: the `Turn`.

The core builds a Turn per incoming message; flows (check, results, handoff_flow, commands)
read it, change the conversation through it, and return the replies. A flow that wants
another state to handle the same message returns `Goto(state)` instead of calling it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.dialogue.types import Reply
from handoff.territory import Territory
from storage.models import Answer, Conversation, EligibilityResult, FunnelEvent

# NLU intents that act at any step; the threshold keeps a plain answer from erasing anyone.
ANY_STEP_INTENTS = {"urgent_help", "delete_my_data", "request_human", "opt_out",
                    "cancel_appointment", "reschedule_appointment"}
ANY_STEP_CONFIDENCE = 0.8
MOMENT_INTENTS = {
    "life_event_adult": "adult",
    "life_event_child": "child",
    "life_event_single_parent": "single_parent",
    "life_event_senior": "senior",
}


class Eligibility(Protocol):
    def evaluate(self, profile: dict) -> dict: ...

    def benefit(self, benefit_id: str) -> Any: ...


@dataclass(frozen=True)
class Goto:
    """A flow's answer meaning « let the handler of `state` take this message »."""

    state: str


Outcome = list[Reply] | Goto


@dataclass
class Services:
    """What the flows need from outside the conversation, set once at start."""

    eligibility: Eligibility
    territory: Territory
    contact: str
    retention_months: int
    clock: Callable[[], datetime]
    secret_key: bytes
    public_base_url: str = ""

    def appointment_token(self, appointment_id: int) -> str:
        """Lets the person's own links (the .ics file) open without a login."""
        return hmac.new(self.secret_key, f"appointment:{appointment_id}".encode(),
                        hashlib.sha256).hexdigest()[:32]


def week_of(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def record_event(session: Session, clock: Callable[[], datetime], kind: str, channel: str,
                 moment: str | None, *, benefit: str | None = None,
                 amount_year: int | None = None, language: str | None = None) -> None:
    """One anonymous funnel count: no person, only the week, channel, moment and language."""
    event = FunnelEvent(kind=kind, week=week_of(clock()), channel=channel, moment=moment,
                        benefit=benefit, amount_year=amount_year, language=language or "fr")
    session.add(event)
    # Kept for the turn: a first message's language is known only after it is counted.
    session.info.setdefault("funnel_events", []).append(event)


@dataclass
class Turn:
    session: Session
    conversation: Conversation
    text: str
    interpretation: Any
    answers: dict[str, Any]
    channel: str
    services: Services
    # Set when the last answer is in: the profile to compute once the transaction is over.
    pending_check: dict | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.services.clock

    @property
    def state(self) -> str:
        return self.conversation.state

    def event(self, kind: str, *, moment: str | None = None, benefit: str | None = None,
              amount_year: int | None = None) -> None:
        record_event(self.session, self.clock, kind, self.channel,
                     moment or self.conversation.moment, benefit=benefit,
                     amount_year=amount_year, language=self.conversation.language)

    # ------------------------------------------------------------- what the NLU heard
    def strong_intent(self) -> str | None:
        """An any-step intent (urgent, erase, person…) the NLU is sure enough of."""
        interpretation = self.interpretation
        if interpretation is None or interpretation.intent not in ANY_STEP_INTENTS:
            return None
        if interpretation.source == "rasa" and interpretation.confidence < ANY_STEP_CONFIDENCE:
            return None
        return interpretation.intent

    def moment_intent(self) -> str | None:
        if self.interpretation is None or self.interpretation.intent is None:
            return None
        return MOMENT_INTENTS.get(self.interpretation.intent)

    def entities(self) -> dict[str, list]:
        return getattr(self.interpretation, "entities", None) or {}

    # ------------------------------------------------------------- answers
    def set_answer(self, key: str, value: Any) -> None:
        if not self.conversation.consented:
            return  # nothing personal is stored before consent
        row = self.session.scalars(select(Answer).where(
            Answer.conversation_id == self.conversation.id, Answer.key == key)).first()
        if row is None:
            self.session.add(Answer(conversation_id=self.conversation.id, key=key, value=value,
                                    updated_at=self.clock()))
        else:
            row.value = value
            row.updated_at = self.clock()
        self.answers[key] = value

    def forget_answer(self, key: str) -> None:
        self.session.execute(delete(Answer).where(
            Answer.conversation_id == self.conversation.id, Answer.key == key))
        self.answers.pop(key, None)

    def clear_answers(self) -> None:
        self.session.execute(delete(Answer).where(
            Answer.conversation_id == self.conversation.id))
        self.answers.clear()
        self.conversation.history = []
        self.conversation.moment = None
        self.conversation.misunderstood = 0

    # ------------------------------------------------------------- results
    def latest_result(self) -> EligibilityResult | None:
        return self.session.scalars(
            select(EligibilityResult).where(
                EligibilityResult.conversation_id == self.conversation.id)
            .order_by(EligibilityResult.id.desc())).first()

    def eligible_ids(self) -> list[str]:
        """Ids of the rights found by the latest check of this conversation."""
        latest = self.latest_result()
        if latest is None:
            return []
        return [b["id"] for b in latest.benefits if b.get("eligible")]


def load_answers(session: Session, conversation: Conversation) -> dict[str, Any]:
    rows = session.scalars(select(Answer).where(Answer.conversation_id == conversation.id))
    return {row.key: row.value for row in rows}
