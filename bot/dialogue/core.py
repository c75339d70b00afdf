"""The dialogue core: one incoming message in, the replies out, the state in the database.

It knows no channel. Each turn loads the conversation keyed by (channel, sender), lets the
any-step commands answer first, then runs the handler of its state, and saves the new
state, so any worker can take the next turn. The handlers live in their flows:

    state       waits for                                   handler
    new         anything: the first message                 check.welcome
    consent     oui / non to keeping the answers            check.consent
    declined    oui to change one's mind                    check.declined
    moment      a moment of life, 1 to 5                    check.moment
    ask:KEY     the answer to question KEY (questions.py)   check.answer
    confirm     oui / non to facts understood in passing    check.confirm
    recap       oui / a correction to every fact read back  check.recap_answer
                before the result (nothing computed unseen)
    computing   a check interrupted before its result       check.begin_check (again)
    result      1 talk to a person, 2 start again,          results.after_result
                ENCORE the follow-up questions (when offered;
                on SMS offered in the turn after the result)

Once after the first result, the next turn that ends at the result or the booked
appointment also asks the optional question on sex (survey.py); the message after it is
its answer (counted, never stored) or, if it is anything else, handled as usual.
    slot        a slot number, other dates, none            handoff_flow.choose
    booked      ANNULER, CHANGER, or words for the referent handoff_flow.after_booking

Any time (commands.py): SUPPRIMER, CONSEILLER, MENU, RETOUR, RECOMMENCER, DETAILS, STOP
(what cannot be undone acts on its own word alone, else after a yes: irreversible.py);
an urgent situation gets the emergency numbers first. While a referent holds the
conversation, the bot stays silent.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from cachetools import LRUCache
from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from bot import detect, language
from bot.dialogue import check, commands, handoff_flow, languages, results, survey
from bot.dialogue.turn import Eligibility, Goto, Outcome, Services, Turn, load_answers, record_event
from bot.dialogue.types import IncomingMessage, Reply
from handoff.contacts import contact_key
from handoff.territory import Territories, Territory, load_territory, normalise_number
from storage.db import Database, insert_at_commit
from storage.erasure import checkpoint
from storage.models import ChannelAddress, Conversation, Message, Person

log = logging.getLogger(__name__)

HANDLERS: dict[str, Callable[[Turn], Outcome]] = {
    "new": check.welcome,
    "consent": check.consent,
    "declined": check.declined,
    "moment": check.moment,
    "ask": check.answer,
    "confirm": check.confirm,
    "recap": check.recap_answer,
    # A check whose computation never finished (the process stopped): run it again.
    "computing": check.begin_check,
    "result": results.after_result,
    "slot": handoff_flow.choose,
    "booked": handoff_flow.after_booking,
    "phone": handoff_flow.phone_answer,
    "language": languages.choose,
}
MAX_GOTO = 3  # a flow hands a message on at most this many times: no loop between flows


class Interpreter(Protocol):
    """parse(text) reads French. An interpreter with a model per language (nlu.client's
    LanguageNlu) also has parse_in(text, code), None when that language has no model up;
    without parse_in, another language's messages are not read (digits and words)."""

    def parse(self, text: str) -> Any: ...


def _now() -> datetime:
    return datetime.now(UTC)


class DialogueCore:
    def __init__(self, db: Database, eligibility: Eligibility, interpreter: Interpreter | None,
                 *, secret_key: str, referent_contact: str, retention_months: int = 12,
                 territory: Territory | None = None, territories: Territories | None = None,
                 clock: Callable[[], datetime] = _now, public_base_url: str = "",
                 web_booking_proof: bool = False):
        self.db = db
        self.eligibility = eligibility
        self.interpreter = interpreter
        self.clock = clock
        self._languages = LanguageCache()
        # `territory` alone: one territory serving everyone (a TERRITORY_FILE deployment).
        territories = territories or Territories.of(territory or load_territory())
        self.services = Services(
            eligibility=eligibility, territories=territories,
            contact=referent_contact, retention_months=retention_months, clock=clock,
            secret_key=secret_key.encode(), public_base_url=public_base_url.rstrip("/"),
            web_booking_proof=web_booking_proof)

    @property
    def territory(self) -> Territory:
        return self.services.territory

    @property
    def territories(self) -> Territories:
        return self.services.territories

    # ----------------------------------------------------------------- entry point
    def handle(self, message: IncomingMessage, *,
               then: Callable[[Session, list[Reply]], None] | None = None) -> list[Reply]:
        """Runs one turn of the conversation and returns what to send back.

        `then` runs inside the turn's transaction with the replies: channels queue them in
        the outbox there, so a turn and what it sends are saved together or not at all.
        The turn's texts are in the conversation's language (bot/language.py), set here
        and reset after, so nothing else the process does inherits it.
        """
        with language.use(language.SOURCE):
            return self._handle(message, then=then)

    def _handle(self, message: IncomingMessage, *,
                then: Callable[[Session, list[Reply]], None] | None) -> list[Reply]:
        # The model of the conversation's language reads the message, outside the turn's
        # transaction (a slow NLU must not hold the person's row lock).
        read_in = self._language_of(message)
        interpretation = self._interpret(message.text, read_in)
        with self.db.session() as session:
            conversation, address = self._conversation(session, message)
            turn = Turn(session, conversation, message.text, interpretation,
                        load_answers(session, conversation), message.channel, self.services,
                        number=message.metadata.get("to"))
            turn.route()
            languages.prepare(turn)
            if read_in is not None and language.current() != read_in:
                # Another worker changed the language since it was read: never act on a
                # model of another language (a French model guesses wrong, and confidently).
                turn.interpretation = self._interpret(message.text, language.current())
            turn.notes["state_before"] = conversation.state
            misunderstood_before = conversation.misunderstood or 0
            if conversation.consented and handoff_flow.held(turn):
                replies = commands.while_held(turn)
            elif message.metadata.get("media") and not message.text.strip():
                replies = commands.media_only(turn)
            else:
                # The optional question on sex, if just asked: its answer, or a skip.
                replies = survey.answer(turn)
                if replies is None:
                    replies = commands.any_step(turn)
            if replies is None:
                replies = turn.notes.get("before", []) + self.dispatch(turn)
            # After an SMS result, the next turn back at it brings what the result left out:
            # the follow-up offer first, the optional question on sex a turn later.
            replies = results.offer_pending(turn, replies)
            replies = languages.offer_again(turn, replies)
            replies = survey.ask_after(turn, replies)
            pending = turn.pending_check
            if then is not None and pending is None:
                then(session, replies)
            erased = self._erased(session, conversation)
            state_after = conversation.state
            if not erased:
                self._close_turn(session, conversation, address, message, replies,
                                 misunderstood_before, private=bool(turn.notes.get("private")))
                conversation_id = conversation.id
        if erased:
            self._languages.forget(self.address_key(message.channel, message.sender))
            # After the commit: the erased rows also leave SQLite's write-ahead log.
            checkpoint(self.db)
            return replies
        if state_after != "new":
            self._languages.put(self.address_key(message.channel, message.sender),
                                language.current())
        if pending is None:
            return replies
        # OpenFisca takes seconds: compute with no transaction (nor connection) held, so a
        # burst of checks does not exhaust the pool nor lock SQLite for everyone else.
        # Rendered with the answers the check was computed from (a plain dict, kept).
        return replies + self._complete_check(conversation_id, message, pending, replies, then,
                                              turn.answers)

    def _close_turn(self, session: Session, conversation: Conversation,
                    address: ChannelAddress, message: IncomingMessage, replies: list[Reply],
                    misunderstood_before: int, *, private: bool = False) -> None:
        """Saves what the turn changed: the streak of misunderstandings, times, transcript.

        A `private` message (the answer to the question on sex) stays out of the transcript.
        """
        if (conversation.misunderstood or 0) <= misunderstood_before:
            conversation.misunderstood = 0  # understood this time: the streak ends
        conversation.updated_at = self.clock()
        if conversation.consented:
            address.address = message.sender
            self._record(session, conversation, None if private else message.text, replies)

    @staticmethod
    def dispatch(turn: Turn) -> list[Reply]:
        """Runs the handler of the conversation's state, following a flow's Goto."""
        for _ in range(MAX_GOTO + 1):
            outcome = HANDLERS[turn.conversation.state.split(":", 1)[0]](turn)
            if not isinstance(outcome, Goto):
                return outcome
            turn.conversation.state = outcome.state
        raise RuntimeError(f"flows handed the message on more than {MAX_GOTO} times")

    def _complete_check(self, conversation_id: int, message: IncomingMessage, profile: dict,
                        before: list[Reply], then: Callable | None,
                        answers: dict[str, Any]) -> list[Reply]:
        """Computes the rights, then stores and renders them in a second transaction, with
        the `answers` the first one left (not read again: while the conversation is still
        « computing », no other turn changed them)."""
        try:
            computed: dict | None = self.eligibility.evaluate(profile)
        except Exception:  # noqa: BLE001 - a failed computation must not lose the person
            log.exception("eligibility check failed for conversation %s", conversation_id)
            computed = None
        with self.db.session() as session:
            conversation = session.get(Conversation, conversation_id)
            if conversation is None or conversation.state != "computing":
                # Erased, or moved on by another message meanwhile: this result is stale.
                if then is not None:
                    then(session, before)
                return []
            turn = Turn(session, conversation, message.text, None, answers, message.channel,
                        self.services, number=message.metadata.get("to"))
            replies = results.result(turn, computed)
            if then is not None:
                then(session, before + replies)
            self._record(session, conversation, None, replies)
            return replies

    def own_number(self, message: IncomingMessage) -> str | None:
        """The territory's own SMS number the person wrote to, to answer from it; None for
        the shared number (the deployment's sender answers) and other channels."""
        to = message.metadata.get("to")
        if message.channel != "sms" or self.services.territories.owner_of(to) is None:
            return None
        return normalise_number(to)

    def knows(self, channel: str, sender: str) -> bool:
        """Whether this process answered this address's conversation past its first message
        and has not erased it since (no database read: see LanguageCache)."""
        return self._languages.get(self.address_key(channel, sender)) is not None

    def language_of(self, channel: str, sender: str) -> str:
        """The language this address's conversation is in now, French when it has none (never
        begun, or erased): what the web page around the conversation speaks. No guess from a
        message here: the language is the one the dialogue settled on and stored."""
        key = self.address_key(channel, sender)
        known = self._languages.get(key)
        if known is not None and known in language.available():
            return known
        with self.db.session() as session:
            code = session.scalars(
                select(Conversation.language)
                .join(ChannelAddress, ChannelAddress.person_id == Conversation.person_id)
                .where(ChannelAddress.key == key, Conversation.channel == channel)
                .order_by(Conversation.id.desc()).limit(1)).first()
        return code if code in language.available() else language.SOURCE

    def address_key(self, channel: str, sender: str) -> str:
        return hmac.new(self.services.secret_key, f"{channel}:{sender}".encode(),
                        hashlib.sha256).hexdigest()

    def appointment_token(self, appointment_id: int) -> str:
        return self.services.appointment_token(appointment_id)

    # ----------------------------------------------------------------- storage
    def _language_of(self, message: IncomingMessage) -> str | None:
        """The language this message will be handled in, as languages.prepare decides it:
        the conversation's, or for a first message the one it is clearly written in.
        None when there is no interpreter to ask."""
        if self.interpreter is None:
            return None
        key = self.address_key(message.channel, message.sender)
        known = self._languages.get(key)
        if known is not None and known in language.available():
            return known
        with self.db.session() as session:
            row = session.execute(
                select(Conversation.state, Conversation.language)
                .join(ChannelAddress, ChannelAddress.person_id == Conversation.person_id)
                .where(ChannelAddress.key == key, Conversation.channel == message.channel)
                .order_by(Conversation.id.desc()).limit(1)).first()
        state, code = row if row is not None else ("new", None)
        code = code if code in language.available() else language.SOURCE
        if state == "new" and code == language.SOURCE:
            code = detect.guess(message.text) or code
        return code

    def _interpret(self, text: str, code: str | None = None) -> Any:
        """The message read by the model of language `code` (French by default); None when
        that language has no model (the dialogue then works on digits and words)."""
        if self.interpreter is None:
            return None
        try:
            if code in (None, language.SOURCE):
                return self.interpreter.parse(text)
            parse_in = getattr(self.interpreter, "parse_in", None)
            return parse_in(text, code) if parse_in is not None else None
        except Exception:  # noqa: BLE001 - the NLU is an aid; digits and keywords still work
            log.warning("NLU interpretation failed", exc_info=True)
            return None

    def _conversation(self, session: Session, message: IncomingMessage
                      ) -> tuple[Conversation, ChannelAddress]:
        key = self.address_key(message.channel, message.sender)
        # The address and its latest conversation on this channel, in one statement.
        query = (select(ChannelAddress, Conversation)
                 .outerjoin(Conversation, and_(Conversation.person_id == ChannelAddress.person_id,
                                               Conversation.channel == message.channel))
                 .where(ChannelAddress.key == key)
                 .order_by(Conversation.id.desc()).limit(1))
        if session.bind.dialect.name == "postgresql":
            # Two messages of one person handled by two workers take turns, not both at once.
            query = query.with_for_update(of=ChannelAddress)
        row = session.execute(query).first()
        address, conversation = row if row is not None else (None, None)
        if address is None:
            person = Person(created_at=self.clock(), last_message_at=self.clock())
            session.add(person)
            session.flush()
            address = ChannelAddress(
                person_id=person.id, channel=message.channel, key=key,
                contact_key=contact_key(self.services.secret_key, message.channel,
                                        message.sender))
            session.add(address)
            session.flush()
        if conversation is None:
            territories = self.services.territories
            territory = territories.owner_of(message.metadata.get("to")) or territories.route()
            conversation = Conversation(person_id=address.person_id, channel=message.channel,
                                        state="new", history=[], created_at=self.clock(),
                                        updated_at=self.clock(),
                                        territory_id=territory.id if territory else None)
            session.add(conversation)
            session.flush()
            if not self._known_contact(session, address):
                record_event(session, self.clock, "first_contact", message.channel, None,
                             territory_id=conversation.territory_id)
        return conversation, address

    @staticmethod
    def _known_contact(session: Session, address: ChannelAddress) -> bool:
        """Whether this number already wrote on another channel: then it is not a new
        person in the figures (first contacts are counted per person)."""
        if address.contact_key is None:
            return False
        return session.scalars(select(ChannelAddress.id).where(
            ChannelAddress.contact_key == address.contact_key,
            ChannelAddress.id != address.id).limit(1)).first() is not None

    def _erased(self, session: Session, conversation: Conversation) -> bool:
        """Erased by this turn (ERASE expunges everything) or by the retention purge since
        (the person's row is gone); otherwise the person's last message time is updated, in
        one statement that finds out whether the row is still there, without reading it.
        Without a flush, the turn's own changes are written once, at commit."""
        if conversation not in session:
            return True
        with session.no_autoflush:
            touched = session.execute(
                update(Person).where(Person.id == conversation.person_id)
                .values(last_message_at=self.clock())
                .execution_options(synchronize_session=False))
        return touched.rowcount == 0

    def _record(self, session: Session, conversation: Conversation, text: str | None,
                replies: list[Reply]) -> None:
        # The transcript is written at commit, in one statement (storage/db.py).
        now = self.clock()
        if text is not None:
            insert_at_commit(session, Message, {"conversation_id": conversation.id,
                                                "direction": "in", "text": text,
                                                "created_at": now})
        for reply in replies:
            body = reply.text
            if reply.choices:
                body += "\n" + "\n".join(f"{i}. {c}" for i, c in enumerate(reply.choices, 1))
            insert_at_commit(session, Message, {"conversation_id": conversation.id,
                                                "direction": "out", "text": body,
                                                "created_at": now})


class LanguageCache:
    """The language of each address's conversation, as its last turn here left it.

    The model that reads a message is chosen before the turn's transaction (a slow NLU must
    not hold the person's row lock): reading the language cost every message one more
    database session (a connection check-out, a ping, a query, a commit): ~6% of the app's
    time under the GIL in `python -m bench burst`. A conversation changes language only by a turn,
    so the last turn's language is the next one's; if another process's turn changed it
    since, the turn sees it in its transaction and reads the message again (DialogueCore).
    First messages, and a conversation erased, are looked up as before.
    """

    def __init__(self, size: int = 100_000):
        self._codes: LRUCache = LRUCache(maxsize=size)
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._codes.get(key)

    def put(self, key: str, code: str) -> None:
        with self._lock:
            self._codes[key] = code

    def forget(self, key: str) -> None:
        with self._lock:
            self._codes.pop(key, None)
