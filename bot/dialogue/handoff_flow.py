"""The hand-off in the conversation: offer three slots, book one, then cancel or move it.

States it adds to the core's table:
    slot     a slot number, « autres dates » or « non merci »   -> choose
    booked   ANNULER, CHANGER/DÉPLACER, or a message for the referent -> after_booking

One Handoff row (storage.handoff) ties the conversation, its answers and results, the
appointment and the referent. Slots are computed (handoff.slots), never stored: the
conversation keeps only the few it just offered, to read the digit that comes back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot import answers, language, messages, parsing, rights, slot_words
from bot.dialogue import irreversible, phone, prompts
from bot.dialogue.turn import Goto, Outcome, Turn
from bot.dialogue.types import Reply
from handoff import booking
from handoff.display import describe_slot
from handoff.slots import Slot, offer
from handoff.territory import Territory
from storage.handoff import Appointment, Handoff

# The appointment reason for a right whose claim a referent should help with.
REASON_FOR_BENEFIT = {"rsa": "rsa", "aah": "handicap", "aspa": "retraite_aspa"}
REASON_FOR_MOMENT = {"child": "naissance", "senior": "retraite_aspa"}
GENERAL_REASON = "acces_droits"
URGENT_REASON = "urgence"
MAX_DOCUMENTS = 4



def _slot_to_dict(slot: Slot) -> dict[str, str]:
    return {"start": slot.start.isoformat(), "end": slot.end.isoformat(),
            "referent_id": slot.referent_id, "place_id": slot.place_id,
            "reason_id": slot.reason_id}


def _slot_from_dict(data: dict[str, str]) -> Slot:
    return Slot(start=datetime.fromisoformat(data["start"]),
                end=datetime.fromisoformat(data["end"]), referent_id=data["referent_id"],
                place_id=data["place_id"], reason_id=data["reason_id"])



def territory_of(turn: Turn, handoff: Handoff | None) -> Territory | None:
    """Where the hand-off's appointments are: its own territory (a booked appointment keeps
    it when the person moves), else the person's; None: outside every territory."""
    if handoff is not None:
        return turn.services.territories.of_row(handoff.territory_id)
    return turn.territory


def national(turn: Turn, intro: str | None = None) -> list[Reply]:
    """Outside every territory: no referent here and no appointment, the national contacts."""
    replies = [Reply(intro)] if intro else []
    replies.append(Reply(messages.text("no_territory", contact=turn.contact)))
    if turn.conversation.state.startswith("ask:"):
        replies += prompts.repeat(turn)  # the check goes on: the rights are national too
    return replies


# ----------------------------------------------------------------- opening a hand-off
def open_for(turn: Turn, *, trigger: str, reason_id: str | None = None,
             intro: str | None = None) -> list[Reply]:
    """Opens (or reuses) the hand-off and offers slots, or the booked one if any."""
    conversation = turn.conversation
    urgent = trigger == "urgent"
    existing = open_handoff(turn)
    if territory_of(turn, existing) is None:
        return national(turn, intro)
    reason_id = reason_id or (URGENT_REASON if urgent else reason_for(turn))
    # Read before booking.open_handoff makes it urgent: it returns this same instance.
    was_urgent = existing is not None and existing.urgent
    handoff = booking.open_handoff(turn.session, conversation_id=conversation.id,
                                   trigger=trigger, reason_id=reason_id, urgent=urgent,
                                   territory_id=conversation.territory_id, existing=existing)
    if existing is None:
        turn.event("handoff")
        if urgent:
            turn.event("handoff_urgent")
    elif urgent and not was_urgent:
        turn.event("handoff_urgent")
    phone.review_if_over_budget(turn, handoff, new=existing is None)
    replies = [Reply(intro)] if intro else []
    # Where to come back to if the person declines a slot: the question they were at.
    resume = conversation.state if conversation.state.startswith("ask:") else None
    appointment = handoff.booked
    # An urgent message re-offers slots only when it makes the hand-off urgent: the
    # earlier urgent slots. Once an urgent appointment is booked, it stands.
    escalated = urgent and not was_urgent
    if appointment is not None and not escalated:
        conversation.state = "booked"
        return replies + [Reply(_booked_text(turn, appointment), _booked_choices())]
    return replies + offer_slots(turn, handoff, after=None, resume=resume)


def open_only(turn: Turn, *, trigger: str, urgent: bool = False) -> Handoff | None:
    """Opens the hand-off for the referents' queue without offering slots yet; none
    outside every territory (no referent would see it)."""
    existing = open_handoff(turn)
    if territory_of(turn, existing) is None:
        return None
    reason_id = URGENT_REASON if urgent else reason_for(turn)
    was_urgent = existing is not None and existing.urgent  # before it is made urgent
    handoff = booking.open_handoff(turn.session, conversation_id=turn.conversation.id,
                                   trigger=trigger, reason_id=reason_id, urgent=urgent,
                                   territory_id=turn.conversation.territory_id,
                                   existing=existing)
    if existing is None:
        turn.event("handoff")
    phone.review_if_over_budget(turn, handoff, new=existing is None)
    if urgent and not was_urgent:
        turn.event("handoff_urgent")
    return handoff


def reason_for(turn: Turn) -> str:
    """The appointment's reason: the right that needs help to claim, else the moment."""
    for benefit_id in turn.eligible_ids():
        if benefit_id in REASON_FOR_BENEFIT:
            return REASON_FOR_BENEFIT[benefit_id]
    return REASON_FOR_MOMENT.get(turn.conversation.moment or "", GENERAL_REASON)


def open_handoff(turn: Turn) -> Handoff | None:
    return turn.session.scalars(select(Handoff).where(
        Handoff.conversation_id == turn.conversation.id, Handoff.status == "open")).first()


# ----------------------------------------------------------------- offering slots
def offer_slots(turn: Turn, handoff: Handoff, *, after: datetime | None,
                resume: str | None = None) -> list[Reply]:
    """Three slots on different half-days, « autres dates » and « pas de rendez-vous »."""
    territory = territory_of(turn, handoff)
    conversation = turn.conversation
    if territory is None:  # a hand-off of a territory no longer configured
        conversation.state = "result"
        return national(turn)
    found = offer(turn.session, territory, handoff.reason_id, turn.clock(), count=3,
                  after=after)
    resume = resume or (conversation.context or {}).get("resume")
    if not found.slots:
        conversation.state = "booked" if handoff.booked else "result"
        return [Reply(messages.text("no_slot", contact=turn.contact))]
    labels = [slot_label(territory, slot) for slot in found.slots]
    extra = [messages.CHOICES["slot_more"][0]] if found.more_after else []
    conversation.context = {
        "offered": [_slot_to_dict(s) for s in found.slots],
        "more_after": found.more_after.isoformat() if found.more_after else None,
        "handoff_id": handoff.id,
        "resume": resume,
    }
    conversation.state = "slot"
    first = describe_slot(found.slots[0], territory, language.current())
    key = "slot_offer_urgent" if handoff.urgent else "slot_offer"
    return [Reply(messages.text(key, place=first["place"]),
                  labels + extra + [messages.CHOICES["slot_none"][0]])]


def slot_label(territory: Territory, slot: Slot) -> str:
    parts = describe_slot(slot, territory, language.current())
    return messages.text("slot_label", day=messages.short_day(parts["day_short"]),
                         time=parts["time"], place=parts["place"])


def choose(turn: Turn) -> Outcome:
    """Books the slot picked by its number, or offers other dates."""
    context = turn.conversation.context or {}
    offered = [_slot_from_dict(s) for s in context.get("offered", [])]
    handoff = turn.session.get(Handoff, context.get("handoff_id")) if context else None
    territory = territory_of(turn, handoff)
    if handoff is None or handoff.status != "open" or territory is None:
        return Goto("result")
    choices = [slot_label(territory, s) for s in offered]
    more = bool(context.get("more_after"))
    if more:
        choices.append(messages.CHOICES["slot_more"][0])
    choices.append(messages.CHOICES["slot_none"][0])
    index = parsing.parse_choice(turn.text, choices)
    if index is None:  # « mercredi 13h30 à Neudorf », « the first one », « salı 14:45 »
        index = slot_words.named_slot(turn.text, offered, territory)
    words = parsing.normalize(turn.text)
    later = parsing.normalize(messages.CHOICES["slot_more"][0])
    if index is None and (words in ("autres", "autre", "autres dates", "plus", "suite")
                          or later in words):  # « Autres dates, s'il vous plaît. »
        index = len(offered) if more else None
    none = parsing.normalize(messages.CHOICES["slot_none"][0])
    if index is None and (parsing.parse_yes_no(turn.text) is False or none in words):
        index = len(choices) - 1  # « Randevu istemiyorum şimdilik », « no appointment for now »
    if index is None:
        return prompts.not_understood(turn, Reply(messages.text("slot_reask"), choices))
    if index < len(offered):
        return _book(turn, handoff, offered[index])
    if more and index == len(offered):
        return offer_slots(turn, handoff, after=datetime.fromisoformat(context["more_after"]))
    return _decline(turn, handoff, context.get("resume"))


def _decline(turn: Turn, handoff: Handoff, resume: str | None) -> list[Reply]:
    """No slot: the hand-off stays open for the referents; the check goes on if it was on."""
    conversation = turn.conversation
    conversation.context = {}
    replies = [Reply(messages.text("slot_declined", contact=turn.contact))]
    if handoff.booked:
        conversation.state = "booked"
    elif resume:
        conversation.state = resume
        replies.append(prompts.prompt(resume.split(":", 1)[1]))
    else:
        conversation.state = "result"
    return replies


def _book(turn: Turn, handoff: Handoff, slot: Slot) -> list[Reply]:
    if phone.needed(turn):
        # A web identity costs nothing: a booking from it needs a number confirmed by a code.
        return phone.ask(turn, handoff, _slot_to_dict(slot))
    now = turn.clock()
    territory = territory_of(turn, handoff)
    held = handoff.booked
    if held is not None:
        appointment = booking.reschedule(turn.session, appointment_id=held.id, slot=slot,
                                         now=now, territory=territory)
    else:
        try:
            appointment = booking.book(turn.session, handoff_id=handoff.id, slot=slot, now=now,
                                       territory=territory)
        except booking.TooManyBookings as refused:
            # Two appointments to come already: a scripted caller cannot take every slot.
            turn.conversation.state = "result"
            turn.conversation.context = {}
            return [Reply(messages.text("too_many_bookings", count=refused.count,
                                        contact=turn.contact))]
    if appointment is None:
        # Someone else took it a moment ago: offer what is still free.
        return [Reply(messages.text("slot_taken"))] + offer_slots(turn, handoff, after=None)
    turn.event("appointment_booked")
    turn.conversation.state = "booked"
    turn.conversation.context = {}
    return [confirmation(turn, appointment)]


def phone_answer(turn: Turn) -> Outcome:
    """The number or the code a web resident types before booking; confirmed, the slot they
    chose is booked."""
    replies, chosen = phone.answer(turn)
    if chosen is None:
        return replies
    handoff = turn.session.get(Handoff, (turn.conversation.context or {}).get("handoff_id"))
    if handoff is not None and handoff.awaiting_review:
        # The proof lifts the review: an urgent hand-off is urgent again.
        handoff.awaiting_review, handoff.urgent = False, handoff.trigger == "urgent"
    if handoff is None or handoff.status != "open" or territory_of(turn, handoff) is None:
        turn.conversation.state = "result"
        turn.conversation.context = {}
        return replies
    return replies + _book(turn, handoff, _slot_from_dict(chosen))


def confirmation(turn: Turn, appointment: Appointment) -> Reply:
    parts = describe_slot(Slot.of(appointment), territory_of(turn, appointment.handoff),
                          language.current())
    text = messages.text("booking_confirmed", day=parts["day"], time=parts["time"],
                         place=parts["place"], address=parts["address"],
                         referent=parts["referent"], documents=", ".join(documents(turn)))
    # Absolute when the public address is known, so Telegram can show it as a link.
    services = turn.services
    attachments = [{"kind": "calendar", "name": "rendez-vous.ics",
                    "url": f"{services.public_base_url}/api/appointments/"
                           f"{appointment.id}.ics?token="
                           f"{services.appointment_token(appointment.id)}"}]
    if parts["map"]:
        attachments.append({"kind": "map", "name": "Plan", "url": parts["map"]})
    return Reply(text, _booked_choices(), attachments=attachments)


def documents(turn: Turn) -> list[str]:
    """What to bring: the documents the rights found ask first, without repeats.

    Capped: a confirmation must stay readable on a phone; the full list per right is
    in the result (DETAILS), and the referent says what else is missing.
    """
    seen: list[str] = []
    eligibility = turn.services.eligibility
    latest = turn.latest_result()
    found = [b for b in (latest.benefits if latest else []) if b.get("eligible")]
    # The rights the appointment is for (a claim made with someone) first, then the largest.
    found.sort(key=lambda b: (not eligibility.benefit(b["id"]).accompanied_claim,
                              -(b.get("amount") or 0) * (12 if b.get("per") == "month" else 1)))
    lists = [rights.documents(eligibility.benefit(b["id"]), b) for b in found]
    for rank in range(max((len(docs) for docs in lists), default=0)):
        for docs in lists:  # the first document of each right, then the second…
            if rank < len(docs) and docs[rank] not in seen:
                seen.append(docs[rank])
    return seen[:MAX_DOCUMENTS] or [messages.text("documents_default")]


# ----------------------------------------------------------------- afterwards
def wants_change(turn: Turn) -> str | None:
    """« cancel » when the person typed ANNULER (or CANCEL, İPTAL…) alone, « move » for
    CHANGER or a move the NLU read, else None. A cancellation the NLU only guessed is asked
    first (bot/dialogue/irreversible.py), not done here."""
    if irreversible.exact(turn.text) == "cancel":
        return "cancel"
    words = parsing.normalize(turn.text).strip(" .!?")
    moves = any(words in language.words("move", code)
                for code in (language.current(), language.SOURCE))
    if moves or turn.strong_intent() == "reschedule_appointment":
        return "move"
    return None


def has_booking(turn: Turn) -> bool:
    # Asked at the turn's start (commands.any_step), after held() and before any flow could
    # open or close a hand-off: what held() read is still true, no need to read it again.
    handoff = turn.notes["open_handoff"] if "open_handoff" in turn.notes else open_handoff(turn)
    return bool(handoff and handoff.booked)


def cancel(turn: Turn) -> list[Reply]:
    """Cancels the appointment (the person excused themself) and offers new slots."""
    handoff = open_handoff(turn)
    appointment = handoff.booked
    if appointment is not None:
        booking.cancel(turn.session, appointment_id=appointment.id, status="excused")
        turn.event("appointment_excused")
    return [Reply(messages.text("booking_cancelled"))] + offer_slots(turn, handoff, after=None)


def move(turn: Turn) -> list[Reply]:
    """Offers new slots; the one picked replaces the booked appointment."""
    return offer_slots(turn, open_handoff(turn), after=None)


def after_booking(turn: Turn) -> Outcome:
    """ANNULER cancels, CHANGER moves; anything else goes to the referent."""
    handoff = open_handoff(turn)
    if handoff is None:
        return Goto("result")
    change = wants_change(turn)
    choice = parsing.parse_choice(turn.text, _booked_choices())
    if handoff.booked and (change == "cancel" or choice == 0):
        return cancel(turn)
    if change == "move" or choice == 1:
        return move(turn)
    if answers.thanks_only(turn.text):
        return [Reply(messages.text("booked_thanks"))]  # « merci » reaches nobody
    if handoff.booked and (kinds := answers.booking_questions(turn.text)):
        return [reply for kind in kinds for reply in about_booking(turn, handoff.booked, kind)]
    # Kept in the transcript for the referent; the bot does not answer in their place.
    territory = territory_of(turn, handoff)
    referent = territory.referents.get(handoff.referent_id or "") if territory else None
    name = referent.first_name if referent else messages.text("the_referent")
    return [Reply(messages.text("forwarded", referent=name))]


def about_booking(turn: Turn, appointment: Appointment, kind: str) -> list[Reply]:
    """What the booking itself answers: where and when, what to bring, too far (another
    place or date, or the contact). Improvised residents' « bunlar nerede? », « what should I
    bring? », « Strasbourg çok uzak » all went to the referent unanswered."""
    if kind == "far":
        return [Reply(messages.text("booked_far", contact=turn.contact))]
    if kind == "bring":
        return [Reply(messages.text("booked_documents", documents=", ".join(documents(turn))))]
    parts = describe_slot(Slot.of(appointment), territory_of(turn, appointment.handoff),
                          language.current())
    return [Reply(messages.text("booked_where", day=parts["day"], time=parts["time"],
                                place=parts["place"], address=parts["address"]))]


def held(turn: Turn) -> bool:
    """A referent holds the conversation: the bot keeps quiet."""
    handoff = turn.notes["open_handoff"] = open_handoff(turn)
    return bool(handoff and handoff.held_by_referent)


def _booked_text(turn: Turn, appointment: Appointment) -> str:
    parts = describe_slot(Slot.of(appointment), territory_of(turn, appointment.handoff),
                          language.current())
    return messages.text("booking_reminder_inline", day=parts["day"], time=parts["time"],
                         place=parts["place"])


def _booked_choices() -> list[str]:
    return list(messages.CHOICES["booked"])
