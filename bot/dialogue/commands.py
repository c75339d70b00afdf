"""What works at any step: emergencies, STOP, SUPPRIMER, CONSEILLER, ANNULER/CHANGER,
DETAILS, RECOMMENCER, REPRENDRE, MENU, RETOUR; and the silence while a referent holds the conversation.

`any_step` returns None when the message is none of these: the state's handler reads it.
What cannot be undone (erasing, STOP, cancelling) acts at once only on its own word; a
model's guess asks first (bot/dialogue/irreversible.py).
"""

from __future__ import annotations

import re

from sqlalchemy import select

from bot import answers, language, messages, parsing
from bot.dialogue import (
    asked,
    check,
    handoff_flow,
    irreversible,
    languages,
    optout,
    prompts,
    questions,
    results,
)
from bot.dialogue.turn import Goto, Turn
from bot.dialogue.types import Reply
from handoff import campaigns
from nlu.fallback import is_urgent
from storage.erasure import ERASED_KEYS, forget_inbound, forget_outbox
from storage.models import ChannelAddress, Person, PersonPhone


def any_step(turn: Turn) -> list[Reply] | None:
    if (replies := confirmed(turn)) is not None:
        return replies
    if (replies := results.detail_chosen(turn)) is not None:
        return replies  # « 2 » just after the DETAILS list: that right
    command = parsing.command_in(turn.text)
    act = irreversible.exact(turn.text)
    # A language's name (« english please ») is read by its words, not by the French model,
    # which takes words it never saw for a call for help; the keyword net still runs.
    wanted = languages.named(turn.text)
    if wanted is None and (words := languages.asked_for(turn.text)) is not None \
            and words != (turn.conversation.language or language.SOURCE):
        wanted = words  # « Türkçe yazabilir misiniz? »: asked in words, not only the name
    intent = None if wanted is not None else turn.strong_intent()
    if (command is not None or act is not None) and intent in irreversible.INTENTS:
        intent = None  # a word the service asks people to type is never a model's guess
    if intent == "urgent_help" and not is_urgent(turn.text) and _answers_the_question(turn):
        # « chez ma mère » answering the housing question: the French model read it as a call
        # for help, and outside every territory the national contacts then came back at each
        # answer (a loop of 30 messages). A plain answer to the question asked is an answer;
        # the keyword net still catches a call for help said with it.
        intent = None
    if intent == "urgent_help" and _gives_an_amount(turn) and not is_urgent(turn.text):
        # « 1300 et lui rien » answering the incomes: the French model takes « lui rien » for
        # a call for help (0.89). An amount given where one is asked is an answer; a call for
        # help said with it is still caught by its words (the keyword net below).
        intent = None
    if intent == "urgent_help" or is_urgent(turn.text):
        if _answers_homeless(turn):
            # « À la rue » answering the housing question: the numbers first, a referent
            # alerted, and the check goes on (the person came for their rights).
            turn.event("urgent")
            handoff_flow.open_only(turn, trigger="urgent", urgent=True)
            # A short answer (« à la rue », « night shelter ») says nothing more than that:
            # the shelter's number, not the whole list again (it costs SMS parts).
            short = len(turn.text.split()) <= SHORT_HOMELESS_WORDS
            turn.notes["before"] = [Reply(messages.text("urgent_shelter" if short else "urgent"))]
            return None
        return urgent(turn)
    if (replies := optout.respond(turn, stop=act == "stop")) is not None:
        return replies
    if act == "erase":
        return erase(turn)
    guessed = irreversible.guessed(intent)
    if guessed is not None and command is None and ("?" in turn.text or "؟" in turn.text) \
            and (answered := asked.respond(turn)) is not None:
        # « Vous êtes la mairie ? Je ne veux pas donner mes informations à n'importe qui »: a
        # question, not an erasure the model guessed. Without a question mark (« je veux
        # supprimer mes infos ») the act is confirmed as before.
        return answered
    if (replies := ask_first(turn, guessed)) is not None:
        return replies
    if command != "human" and intent == "request_human" \
            and (answered := asked.respond(turn)) is not None:
        return answered  # « how do I claim the housing aid? » asks, it does not call a person
    if command == "human" or intent == "request_human":
        return results.ask_for_person(turn)
    if turn.conversation.consented and turn.conversation.state not in ("booked", "slot") \
            and handoff_flow.has_booking(turn):
        # ANNULER or CHANGER in the middle of a new check still reaches the appointment.
        change = handoff_flow.wants_change(turn)
        if change == "cancel":
            return handoff_flow.cancel(turn)
        if change == "move":
            return handoff_flow.move(turn)
    if (command == "details" or results.details_rest(turn.text) is not None) \
            and (details := results.show_details(turn)) is not None:
        return details
    if command == "restart":
        return check.restart(turn)
    if command == "resume" and (resumed := check.resume(turn)) is not None:
        return resumed
    if command == "language":
        return languages.offer(turn)
    # At the list of languages, a name is the answer to it (languages.choose), which also
    # goes back to what was being asked.
    if turn.conversation.state != "language" and wanted is not None:
        switched = languages.switch(turn, wanted)
        return check.welcome(turn) if isinstance(switched, Goto) else switched
    if command == "menu":
        return menu(turn)
    if command == "back":
        return back(turn)
    return asked.respond(turn)  # « c'est quoi la CSS ? », « c'est la mairie ? »


SHORT_HOMELESS_WORDS = 4


def _gives_an_amount(turn: Turn) -> bool:
    """Digits in answer to a question that asks for an amount (salary, rent, pension...)."""
    state = turn.conversation.state
    question = questions.BY_KEY.get(state.split(":", 1)[1]) if state.startswith("ask:") else None
    return question is not None and question.kind == "amount" and \
        re.search(r"\d", turn.text) is not None


def _answers_the_question(turn: Turn) -> bool:
    """The message reads as an answer to the question asked (not « homeless », which is its
    own alarm)."""
    state = turn.conversation.state
    question = questions.BY_KEY.get(state.split(":", 1)[1]) if state.startswith("ask:") else None
    if question is None or question.key == "housing" and _answers_homeless(turn):
        return False
    try:
        return question.parse(turn.text) is not None
    except (ValueError, TypeError):
        return False


def _answers_homeless(turn: Turn) -> bool:
    return turn.conversation.state == "ask:housing" and answers.housing(turn.text) == "homeless"


def media_only(turn: Turn) -> list[Reply]:
    """A photo or voice note without text: say only text is read, and what is asked."""
    if turn.conversation.state == "new":
        return [Reply(messages.text("media_only_text")), *check.welcome(turn)]
    return [Reply(messages.text("media_only_text")), *prompts.repeat(turn)]


def while_held(turn: Turn) -> list[Reply]:
    """A referent holds the conversation: only STOP, erasure and emergencies get an answer."""
    if (replies := confirmed(turn)) is not None:
        return replies
    act = irreversible.exact(turn.text)
    intent = None if act is not None else turn.strong_intent()
    if (replies := optout.respond(turn, stop=act == "stop")) is not None:
        return replies
    if act == "erase":
        return erase(turn)
    if (guess := irreversible.guessed(intent)) in ("erase", "stop"):
        # The referent's own conversation: cancelling stays theirs to do with the person.
        return ask_first(turn, guess) or []
    if intent == "urgent_help" or is_urgent(turn.text):
        # Safety before silence: the numbers cost nothing and the referent sees it all.
        return [Reply(messages.text("urgent"))]
    return []


def ask_first(turn: Turn, act: str | None) -> list[Reply] | None:
    """Asks before an act a model guessed; None when there is nothing to ask about."""
    if act is None or (act == "cancel" and not handoff_flow.has_booking(turn)):
        return None
    return irreversible.ask(turn, act)


def confirmed(turn: Turn) -> list[Reply] | None:
    """The answer to « Effacer … ? Répondez OUI », asked in the turn before: the act on a yes,
    nothing changed on a no, and None (read as usual) for anything else."""
    answer = irreversible.answer(turn)
    if answer is None:
        return None
    act, yes = answer
    if yes is None:
        return None
    if yes and act == "erase":
        return erase(turn)
    if yes and act == "stop":
        return optout.respond(turn, stop=True) or [Reply(messages.text("kept"))]
    if yes and act == "cancel" and handoff_flow.has_booking(turn):
        return handoff_flow.cancel(turn)
    return [Reply(messages.text("kept")), *prompts.repeat(turn)]


def urgent(turn: Turn) -> list[Reply]:
    """Gives the emergency numbers before anything else, then the first free slot."""
    turn.event("urgent")
    replies = [Reply(messages.text("urgent"))]
    if not turn.conversation.consented:
        return replies + [Reply(messages.text("human_contact", contact=turn.contact))]
    return replies + handoff_flow.open_for(turn, trigger="urgent")


def erase(turn: Turn) -> list[Reply]:
    """Erases the person and everything hanging off them, then confirms."""
    person = turn.conversation.person
    opted_out = [a.key for a in person.addresses if a.opted_out]
    channels = {a.key: a.channel for a in person.addresses}
    # The number confirmed on the web chat: its code or reminder still waiting goes too.
    phones = list(turn.session.scalars(select(PersonPhone.address_key).where(
        PersonPhone.person_id == person.id, PersonPhone.address_key.is_not(None))))
    # Messages still waiting for the person would carry their words after erasure.
    forget_outbox(turn.session, list(channels) + phones)
    # So would their received messages still stored (waiting, or given up and blanked).
    forget_inbound(turn.session, list(channels))
    # A campaign kept their number for its evaluation: only the anonymous flags stay.
    campaigns.forget_person(turn.session, list(channels) + phones, now=turn.clock())
    # The confirmation queued next, in this turn, is dropped once sent (bot/outbox.py).
    turn.session.info.setdefault(ERASED_KEYS, set()).update(channels)
    turn.session.delete(person)
    turn.session.flush()
    # The database cascaded the delete: forget the rows it took, so nothing updates them.
    turn.session.expunge_all()
    now = turn.clock()
    for key in opted_out:
        # A STOP outlives erasure: keep only the pseudonymous key and its flag.
        keeper = Person(created_at=now, last_message_at=now)
        turn.session.add(keeper)
        turn.session.flush()
        turn.session.add(ChannelAddress(person_id=keeper.id, channel=channels[key], key=key,
                                        opted_out=True))
    return [Reply(messages.text("erased"))]


def menu(turn: Turn) -> list[Reply]:
    """Shows the moments of life again, keeping the answers already given."""
    if not turn.conversation.consented:
        return check.welcome(turn)
    return [prompts.ask_moment(turn)]


def back(turn: Turn) -> list[Reply]:
    """Asks the previous question again."""
    conversation = turn.conversation
    history = list(conversation.history or [])
    if conversation.state in ("result", "recap") and history:
        return [prompts.ask(turn, history[-1], remember=False)]
    if not conversation.state.startswith("ask:"):
        return [Reply(messages.text("no_previous")), *prompts.repeat(turn)]
    current = conversation.state.split(":", 1)[1]
    if current in history:
        history = history[: history.index(current)]
    if not history:
        return [Reply(messages.text("no_previous")), prompts.ask_moment(turn)]
    previous = history[-1]
    conversation.history = history[:-1]
    return [prompts.ask(turn, previous)]
