"""What the console pages show, read from the database: the queue, one conversation, the
agenda. Plain dictionaries for the templates; no HTML here."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot import delivery
from bot.console.summary import MOMENTS, euros, summarize
from handoff.display import describe_slot, format_day, format_time
from handoff.indicators import LANGUAGES
from handoff.slots import Slot
from handoff.territory import Territory
from storage.handoff import Appointment, Handoff
from storage.models import Answer, ChannelAddress, Conversation, EligibilityResult, Message
from storage.records import Outcome, ReferentAbsence, ReferentMessage, ReferentNote

TRIGGERS = {
    "asked": "La personne a demandé quelqu'un",
    "accompanied_claim": "Demande à faire avec quelqu'un",
    "not_understood": "Le bot n'a pas compris",
    "urgent": "Situation urgente",
}
APPOINTMENT_STATUSES = {
    "booked": "Prévu", "seen": "Vu", "noshow": "Absent", "excused": "Excusé",
    "cancelled": "Annulé par le service",
}
OUTCOME_LABELS = {
    "claim_filed": "Demande déposée",
    "opened": "Droit ouvert",
    "refused": "Refusé",
    "not_pursued": "Abandonné",
}
CHANNELS = {"web": "chat web", "sms": "SMS", "telegram": "Telegram", "whatsapp": "WhatsApp"}
PER = {"month": "/mois", "year": "/an", "once": " une fois"}


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, Any]:
    from rules.catalogue import load_catalogue

    return {b.id: b for b in load_catalogue()}


def aware(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive UTC for plain DateTime columns."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def waited(since: datetime, now: datetime) -> str:
    minutes = max(0, int((now - aware(since)).total_seconds() // 60))
    if minutes < 1:
        return "à l'instant"
    if minutes < 60:
        return f"depuis {minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"depuis {hours} h"
    return f"depuis {hours // 24} jours"


def local_text(moment: datetime, territory: Territory) -> str:
    local = aware(moment).astimezone(territory.timezone)
    return f"{local:%d/%m/%Y} à {format_time(local)}"


def appointment_view(appointment: Appointment | None, territory: Territory) -> dict | None:
    if appointment is None:
        return None
    try:
        described = describe_slot(Slot.of(appointment), territory)
    except KeyError:  # a place or referent removed from the territory file since
        described = {"day": format_day(appointment.starts_at.astimezone(territory.timezone)),
                     "time": format_time(appointment.starts_at.astimezone(territory.timezone)),
                     "place": appointment.place_id, "referent": appointment.referent_id,
                     "address": ""}
    reason = territory.reasons.get(appointment.reason_id)
    return {**described, "id": appointment.id, "status": appointment.status,
            # « Vu » and « Absent » only once it has begun: nobody is absent tomorrow.
            "started": aware(appointment.starts_at) <= datetime.now(UTC),
            "status_label": APPOINTMENT_STATUSES.get(appointment.status, appointment.status),
            "reason": reason.label if reason else appointment.reason_id,
            "handoff_id": appointment.handoff_id, "place_id": appointment.place_id}


def _latest_appointment(handoff: Handoff) -> Appointment | None:
    return handoff.booked or (handoff.appointments[-1] if handoff.appointments else None)


GENERIC_REASON = "acces_droits"  # what the dialogue books when nothing more precise is known
PER_PAGE = 20


def _search(text: str, territory: Territory) -> tuple[Any, Any]:
    """A search box's words as (SQL condition, Python test): a request number (« 42 »,
    « #42 »), a day (« 07/12/2026 », « 2026-12-07 »: the day it was made, territory time),
    or words of its reason or of why it came."""
    text = text.strip()
    number = text.lstrip("#").strip()
    if number.isdigit() and len(number) <= 9:
        return Handoff.id == int(number), None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y"):
        try:
            day = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        start = datetime.combine(day, datetime.min.time(), territory.timezone).astimezone(UTC)
        return (Handoff.created_at >= start) & (Handoff.created_at < start + timedelta(days=1)), None
    words = text.casefold()
    return None, lambda item: words in f"{item['title']} {item['reason']} {item['trigger']}".casefold()


def queue(session: Session, territory: Territory, *, now: datetime,
          referent_id: str | None = None, place_id: str | None = None,
          only: Any = None, state: str = "open", search: str = "") -> list[dict]:
    """Open hand-offs (of one territory: `only`, a condition on the hand-off's territory):
    urgent first, then the longest waiting. `state="closed"`: the closed ones, the latest
    closed first. `search`: a request number, a day, or words of the reason."""
    where = [Handoff.status == ("closed" if state == "closed" else "open")]
    if only is not None:
        where.append(only)
    condition, matches = _search(search, territory) if search.strip() else (None, None)
    if condition is not None:
        where.append(condition)
    order = ((Handoff.closed_at.desc(), Handoff.id.desc()) if state == "closed" else
             # A reminder or a reply that did not reach the person comes first: they may not know.
             (Handoff.delivery_failed_at.is_(None), Handoff.urgent.desc(), Handoff.created_at,
              Handoff.id))
    handoffs = session.scalars(
        select(Handoff).where(*where)
        .options(selectinload(Handoff.appointments), selectinload(Handoff.conversation))
        .order_by(*order)).all()
    items = []
    for handoff in handoffs:
        appointment = _latest_appointment(handoff)
        if referent_id and referent_id not in (
                handoff.referent_id, appointment.referent_id if appointment else None):
            continue
        if place_id and (appointment is None or appointment.place_id != place_id):
            continue
        reason = territory.reasons.get(handoff.reason_id)
        holder = territory.referents.get(handoff.referent_id or "")
        trigger = TRIGGERS.get(handoff.trigger, handoff.trigger)
        reason_label = reason.label if reason else handoff.reason_id
        channel = handoff.conversation.channel
        item = {
            "id": handoff.id,
            "urgent": handoff.urgent,
            "undelivered": handoff.delivery_failed_at is not None,
            # Past the hourly budget of unconfirmed web identities (bot/dialogue/phone.py).
            "review": handoff.awaiting_review,
            # The card's title says why the person is here: the reason when one was
            # chosen, else what brought them (every SMS hand-off is « Accès aux droits »).
            "title": reason_label if handoff.reason_id != GENERIC_REASON else trigger,
            "reason": reason_label,
            "trigger": trigger,
            "waited": waited(handoff.created_at, now),
            "created": local_text(handoff.created_at, territory),
            "closed": local_text(handoff.closed_at, territory) if handoff.closed_at else None,
            "held": handoff.held_by_referent,
            "referent": holder.first_name if holder else None,
            "channel": CHANNELS.get(channel, channel),
            "language_code": handoff.conversation.language or "fr",
            "language": LANGUAGES.get(handoff.conversation.language or "fr",
                                      handoff.conversation.language),
            "appointment": appointment_view(appointment, territory),
            "conversation_id": handoff.conversation_id,
        }
        if matches is None or matches(item):
            items.append(item)
    return items


def with_details(session: Session, items: list[dict], top: int = 2) -> list[dict]:
    """Adds to the cards of one page the person's largest rights (of their latest result)
    and whether they said STOP: two queries for the page, not two per card."""
    ids = [item["conversation_id"] for item in items]
    if not ids:
        return items
    latest: dict[int, EligibilityResult] = {}
    for result in session.scalars(select(EligibilityResult).where(
            EligibilityResult.conversation_id.in_(ids)).order_by(EligibilityResult.id)):
        latest[result.conversation_id] = result
    stopped = set(session.scalars(
        select(Conversation.id).join(ChannelAddress,
                                     ChannelAddress.person_id == Conversation.person_id)
        .where(Conversation.id.in_(ids), ChannelAddress.opted_out.is_(True),
               ChannelAddress.channel == Conversation.channel)))
    for item in items:
        result = latest.get(item["conversation_id"])
        found = [b for b in (result.benefits if result else []) if b.get("eligible")]
        found.sort(key=lambda b: -(b.get("amount") or 0) * (12 if b.get("per") == "month" else 1))
        item["rights"] = [
            (b.get("label") or b["id"]) + (f" {euros(b['amount'])}{PER.get(b.get('per'), '')}"
                                           if b.get("amount") else "")
            for b in found[:top]]
        item["more_rights"] = max(0, len(found) - top)
        item["stopped"] = item["conversation_id"] in stopped
    return items


def conversation_view(session: Session, territory: Territory, handoff: Handoff, *,
                      now: datetime) -> dict:
    conversation: Conversation = handoff.conversation
    answers = {a.key: a.value for a in session.scalars(
        select(Answer).where(Answer.conversation_id == conversation.id))}
    result = session.scalars(
        select(EligibilityResult).where(EligibilityResult.conversation_id == conversation.id)
        .order_by(EligibilityResult.id.desc())).first()
    catalogue = _catalogue()
    rights, documents = [], []
    outcomes = session.scalars(select(Outcome).where(Outcome.handoff_id == handoff.id)
                               .order_by(Outcome.happened_on, Outcome.id)).all()
    by_benefit: dict[str, list[dict]] = {}
    for outcome in outcomes:
        by_benefit.setdefault(outcome.benefit_id, []).append({
            "label": OUTCOME_LABELS[outcome.status], "status": outcome.status,
            "date": f"{outcome.happened_on:%d/%m/%Y}"})
    if result is not None:
        for benefit in result.benefits:
            if not benefit.get("eligible"):
                continue
            info = catalogue.get(benefit["id"])
            amount = benefit.get("amount")
            rights.append({
                "id": benefit["id"],
                "label": benefit.get("label") or (info.label if info else benefit["id"]),
                "amount": f"{euros(amount)}{PER.get(benefit.get('per'), '')}" if amount else "",
                "where": info.apply.get("where", "") if info else "",
                "link": info.apply.get("link", "") if info else "",
                "accompanied": bool(info and info.accompanied_claim),
                "outcomes": by_benefit.get(benefit["id"], []),
            })
            # The person's own (a pregnancy declaration only if pregnant); a result stored
            # before the rules chose them: the documents for everyone.
            chosen = benefit.get("documents")
            for doc in (chosen if chosen is not None else
                        info.documents_for(None) if info else []):
                if doc not in documents:
                    documents.append(doc)
    referent_messages = set(session.scalars(
        select(ReferentMessage.message_id).join(Message, Message.id == ReferentMessage.message_id)
        .where(Message.conversation_id == conversation.id)))
    transcript = []
    for message in conversation.messages:
        who = ("person" if message.direction == "in"
               else "referent" if message.id in referent_messages else "bot")
        transcript.append({"who": who, "text": message.text,
                           "when": local_text(message.created_at, territory)})
    notes = [{"text": n.text, "when": local_text(n.created_at, territory),
              "by": _first_name(territory, n.referent_id)}
             for n in session.scalars(select(ReferentNote).where(
                 ReferentNote.conversation_id == conversation.id).order_by(ReferentNote.id))]
    reason = territory.reasons.get(handoff.reason_id)
    engine = ", ".join(f"{name} {version}" for name, version in (result.engine or {}).items()
                       ) if result else ""
    return {
        "id": handoff.id,
        "urgent": handoff.urgent,
        "open": handoff.status == "open",
        "held": handoff.held_by_referent,
        "holder": _first_name(territory, handoff.referent_id) if handoff.referent_id else None,
        "reason": reason.label if reason else handoff.reason_id,
        "trigger": TRIGGERS.get(handoff.trigger, handoff.trigger),
        "waited": waited(handoff.created_at, now),
        "created": local_text(handoff.created_at, territory),
        "channel": CHANNELS.get(conversation.channel, conversation.channel),
        # Said STOP on this channel: shown before the referent types a reply nobody gets.
        "stopped": any(a.opted_out for a in conversation.person.addresses
                       if a.channel == conversation.channel),
        # The resident's language: their messages and the prompts they saw are shown as
        # written (dir="auto" for Arabic); a reply goes out as typed.
        "language": LANGUAGES.get(conversation.language or "fr", conversation.language),
        "language_code": conversation.language or "fr",
        "moment": MOMENTS.get(conversation.moment or "", ""),
        "summary": summarize(answers),
        "rights": rights,
        "computed": local_text(result.computed_at, territory) if result else "",
        "period": result.period if result else "",
        "engine": engine,
        "documents": documents,
        "transcript": transcript,
        "notes": notes,
        "appointments": [appointment_view(a, territory) for a in handoff.appointments],
        "outcome_labels": OUTCOME_LABELS,
        "undelivered": handoff.delivery_failed_at is not None,
        "review": handoff.awaiting_review,
        "deliveries": deliveries(session, territory, conversation.person_id),
    }


def deliveries(session: Session, territory: Territory, person_id: int) -> list[dict]:
    """Per message to the person (reminders, replies, and any that failed): delivered or
    not, and why in words."""
    return [{"when": local_text(row.created_at, territory),
             "kind": delivery.KIND_WORDS.get(row.kind, row.kind),
             "channel": CHANNELS.get(row.channel, row.channel),
             "status": delivery.STATUS_WORDS.get(row.status, row.status),
             "failed": row.status in delivery.NOT_DELIVERED,
             "why": delivery.reason_in_words(row.status, row.error_code, row.last_error)}
            for row in delivery.messages_to_person(session, person_id)]


def _first_name(territory: Territory, referent_id: str | None) -> str:
    referent = territory.referents.get(referent_id or "")
    return referent.first_name if referent else (referent_id or "")


def agenda(session: Session, territory: Territory, *, referent_id: str | None, first: date,
           days: int, place_id: str | None = None, only: Any = None) -> list[dict]:
    """A referent's appointments day by day, from `first` for `days` days; or, with
    `place_id`, every appointment at that place (`only`: of the territory's hand-offs)."""
    tz = territory.timezone
    start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    end = start + timedelta(days=days)
    whose = (Appointment.place_id == place_id if place_id else
             Appointment.referent_id == referent_id)
    scope = ([Appointment.handoff_id.in_(select(Handoff.id).where(only))]
             if place_id and only is not None else [])
    appointments = session.scalars(
        select(Appointment).where(whose, *scope,
                                  Appointment.starts_at >= start.astimezone(UTC),
                                  Appointment.starts_at < end.astimezone(UTC))
        .order_by(Appointment.starts_at)).all()
    referent = territory.referents.get(referent_id or "") if not place_id else None
    console_absences = [] if place_id else session.scalars(select(ReferentAbsence).where(
        ReferentAbsence.referent_id == referent_id,
        ReferentAbsence.ends_on >= first,
        ReferentAbsence.starts_on < first + timedelta(days=days))).all()
    out = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        items = [appointment_view(a, territory) for a in appointments
                 if a.starts_at.astimezone(tz).date() == day]
        absent = (referent is not None and referent.absent_on(day)) or any(
            a.starts_on <= day <= a.ends_on for a in console_absences)
        out.append({"date": day, "label": format_day(day), "iso": day.isoformat(),
                    "appointments": items, "absent": absent,
                    "holiday": territory.holiday_name(day)})
    return out


def absences(session: Session, territory: Territory, *, referent_id: str, today: date
             ) -> tuple[list[dict], list[dict]]:
    """Absences still to come: those added in the console, and those of the territory file."""
    rows = session.scalars(select(ReferentAbsence).where(
        ReferentAbsence.referent_id == referent_id, ReferentAbsence.ends_on >= today)
        .order_by(ReferentAbsence.starts_on)).all()
    mine = [{"id": a.id, "from": format_day(a.starts_on), "to": format_day(a.ends_on),
             "note": a.note} for a in rows]
    referent = territory.referents.get(referent_id)
    from_file = [{"from": format_day(a.start), "to": format_day(a.end), "note": a.note}
                 for a in (referent.absences if referent else ()) if a.end >= today]
    return mine, from_file
