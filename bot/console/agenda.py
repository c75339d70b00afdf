"""The referent's agenda: their appointments by day or week, marking them (seen, absent,
excused), and their absences (days no slot is offered)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from bot.console import views
from bot.console.deps import (
    CheckedReferent,
    CurrentReferent,
    DbSession,
    Territory,
    audit,
    in_territory,
)
from bot.console.pages import (
    administrators,
    back,
    not_found,
    notices,
    pages_of,
    parse_day,
    render,
    safe_next,
)
from handoff import booking, indicators
from storage.handoff import Appointment, Handoff
from storage.records import ReferentAbsence

AGENDA = "/console/agenda"

router = APIRouter(prefix="/console")


@router.get("/agenda", response_class=HTMLResponse)
def agenda_page(request: Request, who: CurrentReferent, session: DbSession,
                territory: Territory, day: str = "", view: str = "week", ok: str = "",
                error: str = "", voir: str = ""):
    today = datetime.now(territory.timezone).date()
    chosen = parse_day(day) or today
    view = "day" if view == "day" else "week"
    first = chosen if view == "day" else chosen - timedelta(days=chosen.weekday())
    length = 1 if view == "day" else 7
    # Whose agenda: one's own, a colleague's, or a place's (who covers whom).
    kind, _, key = voir.partition(":")
    place = territory.places.get(key) if kind == "lieu" else None
    colleague = territory.referents.get(key) if kind == "referent" else None
    referent_id = colleague.id if colleague else who.referent_id
    days = views.agenda(session, territory, referent_id=referent_id, first=first,
                        days=length, place_id=place.id if place else None,
                        only=request.app.state.territories.where(Handoff.territory_id,
                                                                 territory.id))
    shown = (f"lieu:{place.id}" if place else
             f"referent:{colleague.id}" if colleague and colleague.id != who.referent_id
             else "")
    heading = (f"Agenda : {place.name}" if place else
               f"Agenda de {colleague.first_name}" if shown else "Mon agenda")
    mine, from_file = views.absences(session, territory, referent_id=who.referent_id,
                                     today=today)
    step = timedelta(days=length)
    return render(request, "agenda.html", me=who, days=days, view=view,
                  chosen=chosen.isoformat(), previous=(first - step).isoformat(),
                  following=(first + step).isoformat(), today=today.isoformat(),
                  absences=mine, file_absences=from_file, voir=shown, heading=heading,
                  places=list(territory.places.values()),
                  colleagues=[r for r in territory.referents.values()
                              if r.id != who.referent_id], **notices(ok, error))


NOT_YOURS = ("Ce rendez-vous est celui d'un·e collègue d'un autre lieu : dans l'Agenda, seuls "
             "{who}, les référents de ce lieu et les admins{admins} peuvent le modifier. "
             "Demandez-le-leur.")


def may_mark(who, territory, appointment) -> bool:
    """A referent marks their own appointments and those at the places where they work
    (covering a colleague there); an admin, any of the territory."""
    if who.has_role("admin") or appointment.referent_id == who.referent_id:
        return True
    referent = territory.referents.get(who.referent_id)
    return referent is not None and appointment.place_id in referent.places


@router.post("/appointments/{appointment_id}/status")
def appointment_status(request: Request, who: CheckedReferent, session: DbSession,
                       territory: Territory, appointment_id: int, status: str = Form(""),
                       back_to: str = Form(AGENDA)):
    target = safe_next(back_to)
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or not in_territory(request, appointment.handoff.territory_id,
                                               territory):
        return not_found(request, who)  # another territory's looks like none at all
    if not may_mark(who, territory, appointment):
        holder = territory.referents.get(appointment.referent_id)
        admins = administrators(request, who)
        message = NOT_YOURS.format(
            who=holder.first_name if holder else "la personne qui le tient",
            admins=f" ({', '.join(admins)})" if admins else "")
        return render(request, "refused.html", status=403, message=message, me=who,
                      heading="Accès réservé : un rendez-vous d'un autre lieu", mine=pages_of(who))
    before = appointment.status
    audit(session, who, "appointment", handoff_id=appointment.handoff_id,
          conversation_id=appointment.handoff.conversation_id)
    starts = appointment.starts_at
    started = (starts if starts.tzinfo else starts.replace(tzinfo=UTC)) <= datetime.now(UTC)
    try:
        if status in ("seen", "noshow") and not started:
            return back(target, error="too_early")
        if status in ("seen", "noshow"):
            booking.record_outcome(session, appointment_id=appointment.id, status=status)
        elif status == "booked":
            booking.reopen(session, appointment_id=appointment.id)
        elif status == "excused":
            if appointment.status in ("seen", "noshow"):
                # Corrected after the fact: the time stays spent, nothing to free.
                appointment.status = "excused"
                appointment.units.clear()
            else:
                booking.cancel(session, appointment_id=appointment.id, status="excused")
        else:
            return back(target, error="bad_status")
    except ValueError:
        return back(target, error="bad_status")
    indicators.record_appointment_status(session, appointment, before=before,
                                         tz=territory.timezone)
    return back(target, ok="appointment")


@router.post("/absences")
def add_absence(who: CheckedReferent, session: DbSession, starts_on: str = Form(""),
                ends_on: str = Form(""), note: str = Form("")):
    start, end = parse_day(starts_on), parse_day(ends_on or starts_on)
    if start is None or end is None or end < start or (end - start).days > 366:
        return back(AGENDA, error="bad_date")
    session.add(ReferentAbsence(referent_id=who.referent_id, starts_on=start, ends_on=end,
                                note=note.strip()[:200], created_by=who.referent_id))
    audit(session, who, "absence_add", handoff_id=None, conversation_id=None)
    return back(AGENDA, ok="absence")


@router.post("/absences/{absence_id}/delete")
def delete_absence(who: CheckedReferent, session: DbSession, absence_id: int):
    absence = session.get(ReferentAbsence, absence_id)
    if absence is not None and absence.referent_id == who.referent_id:  # only one's own
        session.delete(absence)
        audit(session, who, "absence_delete", handoff_id=None, conversation_id=None)
    return back(AGENDA, ok="absence_deleted")
