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

from bot import messages
from bot.dialogue.types import Reply
from handoff.territory import Territories, Territory
from storage.db import insert_at_commit
from storage.handoff import Handoff
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
    territories: Territories
    contact: str
    retention_months: int
    clock: Callable[[], datetime]
    secret_key: bytes
    public_base_url: str = ""
    # A web booking needs a phone number confirmed by a code, and hand-offs from unconfirmed
    # web identities have an hourly budget (bot/dialogue/phone.py).
    web_booking_proof: bool = False

    @property
    def territory(self) -> Territory:
        """The first territory (the only one of a TERRITORY_FILE deployment)."""
        return self.territories.first

    def appointment_token(self, appointment_id: int) -> str:
        """Lets the person's own links (the .ics file) open without a login."""
        return hmac.new(self.secret_key, f"appointment:{appointment_id}".encode(),
                        hashlib.sha256).hexdigest()[:32]


def week_of(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def record_event(session: Session, clock: Callable[[], datetime], kind: str, channel: str,
                 moment: str | None, *, benefit: str | None = None,
                 amount_year: int | None = None, territory_id: str | None = None,
                 language: str | None = None) -> None:
    """One anonymous funnel count: no person, only the week, channel, moment, territory and
    language."""
    # Written at commit with the turn's other counts (storage/db.py); until then a first
    # message's count takes its language once known (languages.py).
    insert_at_commit(session, FunnelEvent, {
        "kind": kind, "week": week_of(clock()), "channel": channel, "moment": moment,
        "benefit": benefit, "amount_year": amount_year, "territory_id": territory_id,
        "language": language or "fr"})


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
    # The number (or Telegram bot) the person wrote to: a territory's own routes to it.
    number: str | None = None

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
                     amount_year=amount_year, territory_id=self.conversation.territory_id,
                     language=self.conversation.language)

    # ------------------------------------------------------------- the territory
    @property
    def territory(self) -> Territory | None:
        """The territory serving this person; None: outside every territory (national
        rights and contacts, no appointment) or not known yet."""
        return self.services.territories.get(self.conversation.territory_id)

    @property
    def contact(self) -> str:
        """Who to call: the territory's contact (REFERENT_CONTACT in a deployment of one
        territory, as before territories), else the national ones."""
        territory = self.territory
        if territory is None:
            return messages.text("national_contact")
        if not self.services.territories.several:
            return self.services.contact
        return territory.contact or self.services.contact

    def route(self) -> None:
        """Sets the conversation's territory: the owner of the number written to, else the
        one serving the postcode answered (the catch-all if none), else none (national).

        Without a postcode the territory already chosen stays. A resident who moves takes
        an open hand-off along only when nothing is booked: a booked appointment keeps its
        territory (and its referent) until it is cancelled; an open hand-off moving outside
        every territory is closed, since no referent there would see it.
        """
        territories = self.services.territories
        territory = territories.owner_of(self.number)
        if territory is None:
            postcode = self.answers.get("postcode")
            if postcode is None and self.conversation.territory_id is not None:
                return
            territory = territories.route(postcode=postcode)
        new_id = territory.id if territory is not None else None
        if new_id == self.conversation.territory_id:
            return
        self.conversation.territory_id = new_id
        handoff = self.session.scalars(select(Handoff).where(
            Handoff.conversation_id == self.conversation.id, Handoff.status == "open")).first()
        if handoff is None or handoff.booked is not None:
            return
        if territory is None:
            handoff.status = "closed"
            handoff.held_by_referent = False
            handoff.closed_at = self.clock()
            return
        handoff.territory_id = new_id
        handoff.referent_id = None  # the old territory's referent is not the new one's
        if handoff.reason_id not in territory.reasons:
            handoff.reason_id = next(iter(territory.reasons))

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
        rows = _answer_rows(self.session, self.conversation)
        if rows is not None:
            row = rows.get(key)
        else:
            row = self.session.scalars(select(Answer).where(
                Answer.conversation_id == self.conversation.id, Answer.key == key)).first()
        if row is None:
            row = Answer(conversation_id=self.conversation.id, key=key, value=value,
                         updated_at=self.clock())
            self.session.add(row)
            if rows is not None:
                rows[key] = row
        else:
            row.value = value
            row.updated_at = self.clock()
        self.answers[key] = value
        if key == "postcode":
            self.route()  # a new postcode may be another territory's

    def forget_answer(self, key: str) -> None:
        self.session.execute(delete(Answer).where(
            Answer.conversation_id == self.conversation.id, Answer.key == key))
        self.answers.pop(key, None)
        rows = _answer_rows(self.session, self.conversation)
        if rows is not None:
            rows.pop(key, None)

    def clear_answers(self) -> None:
        self.session.execute(delete(Answer).where(
            Answer.conversation_id == self.conversation.id))
        self.answers.clear()
        rows = _answer_rows(self.session, self.conversation)
        if rows is not None:
            rows.clear()
        self.conversation.history = []
        self.conversation.moment = None
        self.conversation.misunderstood = 0

    # ------------------------------------------------------------- results
    def store_result(self, computed: dict) -> EligibilityResult:
        """Saves a check's result: the conversation's latest from now on."""
        row = EligibilityResult(
            conversation_id=self.conversation.id, period=computed["period"],
            engine=computed["engine"], benefits=computed["benefits"], computed_at=self.clock())
        self.session.add(row)
        self.notes["latest_result"] = row
        return row

    def latest_result(self) -> EligibilityResult | None:
        if "latest_result" in self.notes:  # stored by this turn: no need to read it back
            return self.notes["latest_result"]
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
    rows = {row.key: row for row in session.scalars(
        select(Answer).where(Answer.conversation_id == conversation.id))}
    # Kept for the transaction: a turn that changes an answer updates its row without
    # reading it again (Turn.set_answer).
    session.info.setdefault("answer_rows", {})[conversation.id] = rows
    return {key: row.value for key, row in rows.items()}


def _answer_rows(session: Session, conversation: Conversation) -> dict[str, Answer] | None:
    """The conversation's answer rows as load_answers read them in this transaction, kept
    up to date by the Turn; None if it did not."""
    return session.info.get("answer_rows", {}).get(conversation.id)
