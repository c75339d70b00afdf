"""The dialogue core: one incoming message in, the replies out, the state in the database.

It knows no channel. Each turn loads the conversation keyed by (channel, sender), runs the
handler of its state, and saves the new state, so any worker can take the next turn.

States (what each waits for -> its handler):
    new       anything: the first message                 -> _welcome
    consent   oui / non to keeping the answers            -> _consent
    declined  oui to change one's mind                    -> _declined
    moment    a moment of life, 1 to 5                    -> _moment
    ask:KEY   the answer to question KEY (questions.py)   -> _answer
    computing a check interrupted before its result       -> _begin_check (again)
    result    1 talk to a person, 2 start again           -> _after_result
    slot      a slot number, other dates, none            -> HandoffFlow.choose
    booked    ANNULER, CHANGER, or words for the referent -> HandoffFlow.after_booking

Any time: SUPPRIMER erases everything, CONSEILLER hands off to a person with a booked slot,
MENU, RETOUR (one question back), RECOMMENCER; an urgent situation gets the emergency
numbers first. While a referent holds the conversation, the bot stays silent.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot import messages, parsing
from bot.dialogue import optout, questions
from bot.dialogue.handoff_flow import HandoffFlow
from bot.dialogue.profile import build_profile
from bot.dialogue.types import IncomingMessage, Reply
from handoff.territory import Territory, load_territory
from storage.db import Database
from storage.models import (
    Answer,
    ChannelAddress,
    Consent,
    Conversation,
    EligibilityResult,
    FunnelEvent,
    Message,
    Person,
)

log = logging.getLogger(__name__)

CONSENT_VERSION = "2026-11"
# NLU intents that act at any step; the threshold keeps a plain answer from erasing anyone.
ANY_STEP_INTENTS = {"urgent_help", "delete_my_data", "request_human", "opt_out",
                    "cancel_appointment", "reschedule_appointment"}
ANY_STEP_CONFIDENCE = 0.8


class Interpreter(Protocol):
    def parse(self, text: str) -> Any: ...


class Eligibility(Protocol):
    def evaluate(self, profile: dict) -> dict: ...

    def benefit(self, benefit_id: str) -> Any: ...


@dataclass
class Turn:
    """What a handler works with during one message."""

    session: Session
    conversation: Conversation
    text: str
    interpretation: Any
    answers: dict[str, Any]
    channel: str
    # Set when the last answer is in: the profile to compute once the transaction is over.
    pending_check: dict | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def _largest_first(benefits: list[dict]) -> list[dict]:
    """The largest sums first: what a person reads before deciding to claim."""
    return sorted(benefits, key=lambda b: -(b.get("amount") or 0) * (
        12 if b.get("per") == "month" else 1))


def _week(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


class DialogueCore:
    def __init__(self, db: Database, eligibility: Eligibility, interpreter: Interpreter | None,
                 *, secret_key: str, referent_contact: str, retention_months: int = 12,
                 territory: Territory | None = None, clock: Callable[[], datetime] = _now,
                 public_base_url: str = ""):
        self.db = db
        self.eligibility = eligibility
        self.interpreter = interpreter
        self.secret_key = secret_key.encode()
        self.contact = referent_contact
        self.retention_months = retention_months
        self.clock = clock
        self.public_base_url = public_base_url.rstrip("/")
        self.handoff = HandoffFlow(self, territory or load_territory())
        self.handlers: dict[str, Callable[[Turn], list[Reply]]] = {
            "new": self._welcome,
            "consent": self._consent,
            "declined": self._declined,
            "moment": self._moment,
            "ask": self._answer,
            "result": self._after_result,
            # A check whose computation never finished (the process stopped): run it again.
            "computing": self._begin_check,
            "slot": self.handoff.choose,
            "booked": self.handoff.after_booking,
        }

    # ----------------------------------------------------------------- entry point
    def handle(self, message: IncomingMessage, *,
               then: Callable[[Session, list[Reply]], None] | None = None) -> list[Reply]:
        """Runs one turn of the conversation and returns what to send back.

        `then` runs inside the turn's transaction with the replies: channels queue them in
        the outbox there, so a turn and what it sends are saved together or not at all.
        """
        interpretation = self._interpret(message.text)
        with self.db.session() as session:
            conversation, address = self._conversation(session, message)
            turn = Turn(session, conversation, message.text, interpretation,
                        self._answers(session, conversation), message.channel)
            misunderstood_before = conversation.misunderstood or 0
            if conversation.consented and self.handoff.held(turn):
                replies = self._while_held(turn)
            else:
                replies = self._any_step(turn)
            if replies is None:
                state = conversation.state.split(":", 1)[0]
                replies = self.handlers[state](turn)
            pending = turn.pending_check
            if then is not None and pending is None:
                then(session, replies)
            if self._erased(session, conversation):
                return replies
            if (conversation.misunderstood or 0) <= misunderstood_before:
                conversation.misunderstood = 0  # understood this time: the streak ends
            conversation.person.last_message_at = self.clock()
            conversation.updated_at = self.clock()
            if conversation.consented:
                address.address = message.sender
                self._record(session, conversation, message.text, replies)
            conversation_id = conversation.id
        if pending is None:
            return replies
        # OpenFisca takes seconds: compute with no transaction (nor connection) held, so a
        # burst of checks does not exhaust the pool nor lock SQLite for everyone else.
        return replies + self._complete_check(conversation_id, message, pending, replies, then)

    def _complete_check(self, conversation_id: int, message: IncomingMessage, profile: dict,
                        before: list[Reply], then: Callable | None) -> list[Reply]:
        """Computes the rights, then stores and renders them in a second transaction."""
        try:
            result: dict | None = self.eligibility.evaluate(profile)
        except Exception:  # noqa: BLE001 - a failed computation must not lose the person
            log.exception("eligibility check failed for conversation %s", conversation_id)
            result = None
        with self.db.session() as session:
            conversation = session.get(Conversation, conversation_id)
            if conversation is None or conversation.state != "computing":
                # Erased, or moved on by another message meanwhile: this result is stale.
                if then is not None:
                    then(session, before)
                return []
            turn = Turn(session, conversation, message.text, None,
                        self._answers(session, conversation), message.channel)
            replies = self._result(turn, result)
            if then is not None:
                then(session, before + replies)
            self._record(session, conversation, None, replies)
            return replies

    def address_key(self, channel: str, sender: str) -> str:
        return hmac.new(self.secret_key, f"{channel}:{sender}".encode(), hashlib.sha256).hexdigest()

    def appointment_token(self, appointment_id: int) -> str:
        """Lets the person's own links (the .ics file) open without a login."""
        return hmac.new(self.secret_key, f"appointment:{appointment_id}".encode(),
                        hashlib.sha256).hexdigest()[:32]

    def _while_held(self, turn: Turn) -> list[Reply]:
        """A referent holds the conversation: only STOP, erasure and emergencies get an answer."""
        command = parsing.command_in(turn.text)
        intent = self._strong_intent(turn.interpretation)
        if (replies := optout.respond(turn, intent)) is not None:
            return replies
        if command == "erase" or intent == "delete_my_data":
            return self._erase(turn)
        if intent == "urgent_help":
            # Safety before silence: the numbers cost nothing and the referent sees it all.
            return [Reply(messages.text("urgent"))]
        return []

    # ----------------------------------------------------------------- any step
    def _any_step(self, turn: Turn) -> list[Reply] | None:
        command = parsing.command_in(turn.text)
        intent = self._strong_intent(turn.interpretation)
        if intent == "urgent_help":
            return self._urgent(turn)
        if (replies := optout.respond(turn, intent)) is not None:
            return replies
        if command == "erase" or intent == "delete_my_data":
            return self._erase(turn)
        if command == "human" or intent == "request_human":
            return self._human(turn)
        if turn.conversation.consented and turn.conversation.state not in ("booked", "slot") \
                and self.handoff.has_booking(turn):
            # ANNULER or CHANGER in the middle of a new check still reaches the appointment.
            change = self.handoff.wants_change(turn)
            if change == "cancel":
                return self.handoff.cancel(turn)
            if change == "move":
                return self.handoff.move(turn)
        if command == "details" and (details := self._show_details(turn)) is not None:
            return details
        if command == "restart":
            return self._restart(turn)
        if command == "menu":
            return self._menu(turn)
        if command == "back":
            return self._back(turn)
        return None

    def _strong_intent(self, interpretation: Any) -> str | None:
        if interpretation is None or interpretation.intent not in ANY_STEP_INTENTS:
            return None
        if interpretation.source == "rasa" and interpretation.confidence < ANY_STEP_CONFIDENCE:
            return None
        return interpretation.intent

    def _urgent(self, turn: Turn) -> list[Reply]:
        """Gives the emergency numbers before anything else, then the first free slot."""
        self._event(turn, "urgent")
        replies = [Reply(messages.text("urgent"))]
        if not turn.conversation.consented:
            return replies + [Reply(messages.text("human_contact", contact=self.contact))]
        return replies + self.handoff.open(turn, trigger="urgent")

    def _erase(self, turn: Turn) -> list[Reply]:
        """Erases the person and everything hanging off them, then confirms."""
        opted_out = [a.key for a in turn.conversation.person.addresses if a.opted_out]
        channels = {a.key: a.channel for a in turn.conversation.person.addresses}
        turn.session.delete(turn.conversation.person)
        turn.session.flush()
        # The database cascaded the delete: forget the rows it took, so nothing updates them.
        turn.session.expunge_all()
        for key in opted_out:
            # A STOP outlives erasure: keep only the pseudonymous key and its flag.
            keeper = Person(created_at=self.clock(), last_message_at=self.clock())
            turn.session.add(keeper)
            turn.session.flush()
            turn.session.add(ChannelAddress(person_id=keeper.id, channel=channels[key], key=key,
                                            opted_out=True))
        return [Reply(messages.text("erased"))]

    def _human(self, turn: Turn) -> list[Reply]:
        """Hands off to a person with a slot to book; before consent, gives a contact."""
        self._event(turn, "human_requested")
        if turn.conversation.consented:
            return self.handoff.open(turn, trigger="asked")
        replies = [Reply(messages.text("human_contact", contact=self.contact))]
        return replies + self._repeat(turn)

    def _restart(self, turn: Turn) -> list[Reply]:
        """Forgets the answers and goes back to the choice of a moment of life."""
        if not turn.conversation.consented:
            return self._welcome(turn)
        self._clear_answers(turn)
        return [Reply(messages.text("restarted")), self._ask_moment(turn)]

    def _menu(self, turn: Turn) -> list[Reply]:
        """Shows the moments of life again, keeping the answers already given."""
        if not turn.conversation.consented:
            return self._welcome(turn)
        return [self._ask_moment(turn)]

    def _back(self, turn: Turn) -> list[Reply]:
        """Asks the previous question again."""
        conversation = turn.conversation
        history = list(conversation.history or [])
        if conversation.state == "result" and history:
            return [self._ask(turn, history[-1], remember=False)]
        if not conversation.state.startswith("ask:"):
            return [Reply(messages.text("no_previous")), *self._repeat(turn)]
        current = conversation.state.split(":", 1)[1]
        if current in history:
            history = history[: history.index(current)]
        if not history:
            return [Reply(messages.text("no_previous")), self._ask_moment(turn)]
        previous = history[-1]
        conversation.history = history[:-1]
        return [self._ask(turn, previous)]

    # ----------------------------------------------------------------- states
    def _welcome(self, turn: Turn) -> list[Reply]:
        """Greets, says what is kept and for how long, and asks consent."""
        conversation = turn.conversation
        moment = self._moment_intent(turn.interpretation)
        if moment and not conversation.consented:
            conversation.moment = moment
        conversation.state = "consent"
        return [
            Reply(messages.text("greeting")),
            Reply(messages.text("privacy", months=self.retention_months),
                  messages.CHOICES["consent"]),
        ]

    def _consent(self, turn: Turn) -> list[Reply]:
        """Records the consent and starts the check, or keeps nothing if declined."""
        answer = questions.yes_no(turn.text)
        if answer is None:
            return self._misunderstood(turn, Reply(messages.text("consent_reask"),
                                                   messages.CHOICES["consent"]))
        conversation = turn.conversation
        if not answer:
            conversation.state = "declined"
            conversation.moment = None
            return [Reply(messages.text("declined", contact=self.contact))]
        conversation.consented = True
        turn.session.add(Consent(person_id=conversation.person_id, version=CONSENT_VERSION,
                                 given_at=self.clock()))
        self._event(turn, "consent")
        if conversation.moment:
            return self._start_check(turn, conversation.moment)
        return [self._ask_moment(turn, first=True)]

    def _declined(self, turn: Turn) -> list[Reply]:
        """Lets a person who declined change their mind; otherwise repeats the contact."""
        if questions.yes_no(turn.text) is True:
            turn.conversation.state = "consent"
            return self._consent(turn)
        return [Reply(messages.text("declined_again"))]

    def _moment(self, turn: Turn) -> list[Reply]:
        """Stores the moment of life and asks the first question of its check."""
        index = parsing.parse_choice(turn.text, messages.CHOICES["moment"])
        moment = questions.MOMENTS[index] if index is not None else self._moment_intent(
            turn.interpretation)
        if moment is None:
            return self._misunderstood(turn, self._ask_moment(turn, hint=True))
        self._fill_from_entities(turn, current=None)
        return self._start_check(turn, moment)

    def _answer(self, turn: Turn) -> list[Reply]:
        """Reads the answer to the current question and asks the next one."""
        conversation = turn.conversation
        key = conversation.state.split(":", 1)[1]
        question = questions.BY_KEY[key]
        value = question.parse(turn.text)
        if value is None:
            value = self._from_entities(turn, question)
        if value is None:
            return self._misunderstood(turn, Reply(messages.text(f"reask_{key}"),
                                                   self._choices(question)))
        self._set_answer(turn, key, value)
        self._fill_from_entities(turn, current=key)
        conversation.misunderstood = 0
        return self._next(turn, after=key)

    def _after_result(self, turn: Turn) -> list[Reply]:
        """Offers a person or a new check once the result is given."""
        index = parsing.parse_choice(turn.text, messages.CHOICES["after_result"])
        if index is None:
            answer = questions.yes_no(turn.text)
            index = 0 if answer else None
        if index == 0:
            return self._human(turn)
        if index == 1:
            return self._restart(turn)
        moment = self._moment_intent(turn.interpretation)
        if moment:
            self._clear_answers(turn)
            return self._start_check(turn, moment)
        return self._misunderstood(turn, Reply(messages.text("after_result_reask"),
                                               messages.CHOICES["after_result"]))

    # ----------------------------------------------------------------- the check
    def _start_check(self, turn: Turn, moment: str) -> list[Reply]:
        conversation = turn.conversation
        if conversation.moment != moment or not conversation.history:
            self._event(turn, "check_started", moment=moment)
        conversation.moment = moment
        for key, value in questions.IMPLIED.get(moment, {}).items():
            self._set_answer(turn, key, value)
        return self._next(turn, after=None)

    def _next(self, turn: Turn, *, after: str | None) -> list[Reply]:
        question = questions.next_question(turn.conversation.moment, turn.answers, after=after)
        if question is None:
            question = questions.next_question(turn.conversation.moment, turn.answers)
        if question is None:
            return self._begin_check(turn)
        return [self._ask(turn, question.key)]

    def _begin_check(self, turn: Turn) -> list[Reply]:
        """All answers are in: the profile is computed once this turn's transaction ends."""
        conversation = turn.conversation
        answers = {k: v for k, v in turn.answers.items()
                   if k in questions.questions_for(conversation.moment, turn.answers)}
        period = self.clock().strftime("%Y-%m")
        turn.pending_check = build_profile(conversation.moment, answers, period)
        conversation.state = "computing"
        return []

    def _result(self, turn: Turn, result: dict | None) -> list[Reply]:
        """Stores the rights computed and lists those the person probably has."""
        conversation = turn.conversation
        if result is None:
            conversation.state = "result"
            return [Reply(messages.text("rules_failed", contact=self.contact),
                          messages.CHOICES["after_result"])]
        turn.session.add(EligibilityResult(
            conversation_id=conversation.id, period=result["period"], engine=result["engine"],
            benefits=result["benefits"], computed_at=self.clock()))
        conversation.state = "result"
        eligible = [b for b in result["benefits"] if b.get("eligible")]
        self._event(turn, "check_completed")
        if eligible:  # one per check: the take-up figures count people with a right
            self._event(turn, "rights_found")
        for benefit in eligible:
            yearly = (benefit.get("amount") or 0) * (12 if benefit.get("per") == "month" else 1)
            self._event(turn, "right_found", benefit=benefit["id"], amount_year=round(yearly))
        replies = self._render_result(eligible)
        accompanied = [info for info in (self.eligibility.benefit(b["id"]) for b in eligible)
                       if info.accompanied_claim]
        if accompanied:
            # A claim best made with someone (RSA, AAH, ASPA): the hand-off opens now, so
            # referents see it, and the person is one reply away from choosing a slot.
            self.handoff.open_only(turn, trigger="accompanied_claim")
            names = " et ".join(benefit.name for benefit in accompanied)
            replies[-1] = Reply(messages.text("accompanied_claim", names=names),
                                messages.CHOICES["after_result"])
        return replies

    def _render_result(self, eligible: list[dict]) -> list[Reply]:
        """One line per right with its amount, then how to claim each (details), then a person."""
        if not eligible:
            return [Reply(messages.text("result_none")), Reply(messages.text("estimate")),
                    Reply(messages.text("offer_human"), messages.CHOICES["after_result"])]
        lines = [messages.text("result_intro")]
        eligible = _largest_first(eligible)
        for benefit in eligible:
            name = self.eligibility.benefit(benefit["id"]).name
            if benefit.get("amount"):
                lines.append(messages.text("result_line", name=name,
                                           amount=messages.euros(benefit["amount"]),
                                           per=messages.PER.get(benefit.get("per"), "")))
            else:
                lines.append(messages.text("result_line_no_amount", name=name))
        return [Reply("\n".join(lines)), *self._details(eligible, detail=True),
                Reply(messages.text("offer_human"), messages.CHOICES["after_result"])]

    def _details(self, eligible: list[dict], *, detail: bool) -> list[Reply]:
        """How to claim each right: what it is, where to apply, the documents to bring."""
        replies = []
        for benefit in eligible:
            info = self.eligibility.benefit(benefit["id"])
            text = messages.text("result_detail", label=info.label, sentence=info.sentence,
                                 where=info.apply["where"], link=info.apply.get("link", ""),
                                 documents=", ".join(info.documents))
            replies.append(Reply(text.replace(". \n", ".\n").strip(), detail=detail))
        return replies

    def _show_details(self, turn: Turn) -> list[Reply] | None:
        """DETAILS: how to claim the rights found, in full on every channel."""
        latest = self._latest_result(turn)
        if latest is None:
            return None
        eligible = _largest_first([b for b in latest.benefits if b.get("eligible")])
        return self._details(eligible, detail=False) + self._repeat(turn)

    # ----------------------------------------------------------------- helpers
    def _ask(self, turn: Turn, key: str, *, remember: bool = True) -> Reply:
        conversation = turn.conversation
        if remember:
            history = [k for k in (conversation.history or []) if k != key]
            conversation.history = history + [key]
        conversation.state = f"ask:{key}"
        return self._prompt(key)

    def _prompt(self, key: str) -> Reply:
        return Reply(messages.text(f"ask_{key}"), self._choices(questions.BY_KEY[key]))

    @staticmethod
    def _choices(question: questions.Question) -> list[str]:
        return list(messages.CHOICES[question.choices]) if question.choices else []

    def _ask_moment(self, turn: Turn, *, hint: bool = False, first: bool = False) -> Reply:
        turn.conversation.state = "moment"
        key = "moment_reask" if hint else "ask_moment_first" if first else "ask_moment"
        return Reply(messages.text(key), messages.CHOICES["moment"])

    def _repeat(self, turn: Turn) -> list[Reply]:
        state = turn.conversation.state
        if state == "consent":
            return [Reply(messages.text("privacy", months=self.retention_months),
                          messages.CHOICES["consent"])]
        if state == "moment":
            return [self._ask_moment(turn)]
        if state == "result":
            return [Reply(messages.text("offer_human"), messages.CHOICES["after_result"])]
        if state.startswith("ask:"):
            return [self._prompt(state.split(":", 1)[1])]
        return []

    def _misunderstood(self, turn: Turn, reask: Reply) -> list[Reply]:
        """A short re-ask with an example; after two in a row, a person is offered."""
        conversation = turn.conversation
        conversation.misunderstood = (conversation.misunderstood or 0) + 1
        if conversation.misunderstood >= 2:
            if conversation.consented and conversation.state != "slot":
                return self.handoff.open(turn, trigger="not_understood",
                                         intro=messages.text("not_understood_handoff"))
            return [Reply(messages.text("not_understood_twice")), reask]
        return [reask]

    def _moment_intent(self, interpretation: Any) -> str | None:
        if interpretation is None or interpretation.intent is None:
            return None
        return {
            "life_event_adult": "adult",
            "life_event_child": "child",
            "life_event_single_parent": "single_parent",
            "life_event_senior": "senior",
        }.get(interpretation.intent)

    def _from_entities(self, turn: Turn, question: questions.Question) -> Any:
        """An answer read by the NLU in a sentence (« j'ai 24 ans »), when plain parsing fails."""
        entities = getattr(turn.interpretation, "entities", None) or {}
        if question.key == "age" and entities.get("age"):
            return questions.parse_age(str(entities["age"][0]))
        if question.kind == "amount" and len(entities.get("amount", [])) == 1:
            return float(entities["amount"][0])
        if question.key == "housing" and entities.get("housing_status"):
            status = entities["housing_status"][0]
            return status if status in questions.HOUSING else None
        return None

    def _fill_from_entities(self, turn: Turn, current: str | None) -> None:
        """Keeps what the person said in passing, so the bot does not ask it again."""
        if len(parsing.normalize(turn.text).split()) < 3:
            return  # a bare answer (« 1 », « 500 ») says nothing else: the NLU tags it `amount`
        entities = getattr(turn.interpretation, "entities", None) or {}
        moment = turn.conversation.moment or "other"
        if entities.get("age") and "age" not in turn.answers and current != "age":
            age = questions.parse_age(str(entities["age"][0]))
            if age is not None:
                self._set_answer(turn, "age", age)
        income_key = "pension" if moment == "senior" else "salary"
        amounts = entities.get("amount", [])
        current_is_amount = current is not None and questions.BY_KEY[current].kind == "amount"
        if len(amounts) == 1 and not current_is_amount and income_key not in turn.answers:
            self._set_answer(turn, income_key, float(amounts[0]))
        status = (entities.get("housing_status") or [None])[0]
        if status in questions.HOUSING and "housing" not in turn.answers and current != "housing":
            self._set_answer(turn, "housing", status)

    def _latest_result(self, turn: Turn) -> EligibilityResult | None:
        return turn.session.scalars(
            select(EligibilityResult).where(
                EligibilityResult.conversation_id == turn.conversation.id)
            .order_by(EligibilityResult.id.desc())).first()

    def _eligible_ids(self, turn: Turn) -> list[str]:
        """Ids of the rights found by the latest check of this conversation."""
        latest = self._latest_result(turn)
        if latest is None:
            return []
        return [b["id"] for b in latest.benefits if b.get("eligible")]

    def _answers(self, session: Session, conversation: Conversation) -> dict[str, Any]:
        rows = session.scalars(select(Answer).where(Answer.conversation_id == conversation.id))
        return {row.key: row.value for row in rows}

    def _set_answer(self, turn: Turn, key: str, value: Any) -> None:
        if not turn.conversation.consented:
            return  # nothing personal is stored before consent
        row = turn.session.scalars(select(Answer).where(
            Answer.conversation_id == turn.conversation.id, Answer.key == key)).first()
        if row is None:
            turn.session.add(Answer(conversation_id=turn.conversation.id, key=key, value=value,
                                    updated_at=self.clock()))
        else:
            row.value = value
            row.updated_at = self.clock()
        turn.answers[key] = value

    def _clear_answers(self, turn: Turn) -> None:
        turn.session.execute(delete(Answer).where(Answer.conversation_id == turn.conversation.id))
        turn.answers.clear()
        turn.conversation.history = []
        turn.conversation.moment = None
        turn.conversation.misunderstood = 0

    def _interpret(self, text: str) -> Any:
        if self.interpreter is None:
            return None
        try:
            return self.interpreter.parse(text)
        except Exception:  # noqa: BLE001 - the NLU is an aid; digits and keywords still work
            log.warning("NLU interpretation failed", exc_info=True)
            return None

    def _conversation(self, session: Session, message: IncomingMessage
                      ) -> tuple[Conversation, ChannelAddress]:
        key = self.address_key(message.channel, message.sender)
        query = select(ChannelAddress).where(ChannelAddress.key == key)
        if session.bind.dialect.name == "postgresql":
            # Two messages of one person handled by two workers take turns, not both at once.
            query = query.with_for_update()
        address = session.scalars(query).first()
        if address is None:
            person = Person(created_at=self.clock(), last_message_at=self.clock())
            session.add(person)
            session.flush()
            address = ChannelAddress(person_id=person.id, channel=message.channel, key=key)
            session.add(address)
            session.flush()
        conversation = session.scalars(
            select(Conversation)
            .where(Conversation.person_id == address.person_id,
                   Conversation.channel == message.channel)
            .order_by(Conversation.id.desc())
        ).first()
        if conversation is None:
            conversation = Conversation(person_id=address.person_id, channel=message.channel,
                                        state="new", history=[], created_at=self.clock(),
                                        updated_at=self.clock())
            session.add(conversation)
            session.flush()
            self._event_raw(session, "first_contact", message.channel, None)
        return conversation, address

    def _erased(self, session: Session, conversation: Conversation) -> bool:
        return conversation not in session or session.get(Person, conversation.person_id) is None

    def _record(self, session: Session, conversation: Conversation, text: str | None,
                replies: list[Reply]) -> None:
        now = self.clock()
        if text is not None:
            session.add(Message(conversation_id=conversation.id, direction="in", text=text,
                                created_at=now))
        for reply in replies:
            body = reply.text
            if reply.choices:
                body += "\n" + "\n".join(f"{i}. {c}" for i, c in enumerate(reply.choices, 1))
            session.add(Message(conversation_id=conversation.id, direction="out", text=body,
                                created_at=now))

    def _event(self, turn: Turn, kind: str, *, moment: str | None = None,
               benefit: str | None = None, amount_year: int | None = None) -> None:
        self._event_raw(turn.session, kind, turn.channel, moment or turn.conversation.moment,
                        benefit=benefit, amount_year=amount_year)

    def _event_raw(self, session: Session, kind: str, channel: str, moment: str | None, *,
                   benefit: str | None = None, amount_year: int | None = None) -> None:
        session.add(FunnelEvent(kind=kind, week=_week(self.clock()), channel=channel,
                                moment=moment, benefit=benefit, amount_year=amount_year))
