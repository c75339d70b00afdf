"""The optional question on sex after the result (issue 16 item 5): counts, not a profile.

The territory evaluates its action with a gender lens, so after the first result the person
is asked, once, whether they want to say: « Femme », « Homme », « Autre », « Je préfère ne
pas dire », in words (numbers keep meaning what the result's menu says). Any other message
skips it and is handled as if the question had not been asked: nothing is lost.

The answer is never stored on the person: it becomes anonymous copies of the funnel steps
the person has reached so far (`FunnelEvent.sex`, counted apart in handoff/indicators.py),
and the message that carried it is left out of the transcript. Steps taken after the answer
(an appointment, a claim filed) are not split by sex: that would need to keep it.

Where: the result turn is the check's largest on SMS (every part is paid, 12 at most per
check), so it is asked in the next turn that ends back at the result or at the booked
appointment, before that turn's last prompt (on SMS, after the follow-up's offer if any has
to come first); on every channel alike.
"""

from __future__ import annotations

from sqlalchemy import select

from bot import answers, messages, parsing
from bot.dialogue import prompts
from bot.dialogue.turn import Turn, week_of
from bot.dialogue.types import Reply
from storage.handoff import Appointment, Handoff
from storage.models import EligibilityResult, FunnelEvent

# States whose prompt does not number anything the answer could be taken for.
ASKED_AT = ("result", "booked")


def due(turn: Turn) -> None:
    """A first result was given: the question may be asked (once)."""
    if turn.conversation.consented and turn.conversation.sex_question is None:
        turn.conversation.sex_question = "due"


def ask_after(turn: Turn, replies: list[Reply]) -> list[Reply]:
    """After the result, the first turn that ends back at it (or at the appointment)."""
    conversation = turn.conversation
    if conversation not in turn.session:
        return replies  # erased this turn
    if conversation.sex_question != "due" or turn.pending_check is not None \
            or turn.notes.get("offered") or parsing.command_in(turn.text) \
            or turn.notes.get("not_understood") or turn.notes.get("card") \
            or conversation.state not in ASKED_AT or not replies:
        return replies
    if conversation.state == "booked" and turn.notes.get("state_before") != "booked":
        return replies  # the booking's own turn: its confirmation (place, papers) alone
    conversation.sex_question = "asked"
    if not replies[-1].choices:  # no prompt to keep last (« Avec plaisir ! » after a merci)
        return [*replies, Reply(messages.text("ask_sex"))]
    return [*replies[:-1], Reply(messages.text("ask_sex")), *replies[-1:]]


def answer(turn: Turn) -> list[Reply] | None:
    """Counts the answer and thanks; any other message skips the question (None)."""
    conversation = turn.conversation
    if conversation.sex_question != "asked":
        return None
    conversation.sex_question = "done"  # asked once: answered now or skipped
    if parsing.command_in(turn.text):
        return None
    value = answers.sex(turn.text)
    if value is None:
        return None
    _count(turn, value)
    turn.notes["private"] = True  # the words that said it stay out of the transcript
    return [Reply(messages.text("sex_thanks")), *prompts.repeat(turn)]


def _count(turn: Turn, value: str) -> None:
    """Anonymous copies of the steps reached, tagged with the answer: nothing else keeps it."""
    session, conversation = turn.session, turn.conversation
    results = session.scalars(select(EligibilityResult).where(
        EligibilityResult.conversation_id == conversation.id)).all()
    handoffs = session.scalars(select(Handoff.id).where(
        Handoff.conversation_id == conversation.id)).all()
    booked = bool(handoffs) and session.scalars(select(Appointment.id).where(
        Appointment.handoff_id.in_(handoffs))).first() is not None
    reached = {
        "first_contact": True,
        "consent": conversation.consented,
        "check_completed": bool(results),
        "rights_found": any(b.get("eligible") for r in results for b in r.benefits),
        "handoff": bool(handoffs),
        "appointment_booked": booked,
    }
    week = week_of(turn.clock())
    for kind, done in reached.items():
        if done:
            session.add(FunnelEvent(kind=kind, week=week, channel=turn.channel,
                                    moment=conversation.moment, sex=value,
                                    territory_id=conversation.territory_id,
                                    language=conversation.language or "fr"))
