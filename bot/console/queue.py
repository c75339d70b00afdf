"""The queue of hand-offs, one conversation, and what a referent does with it: reply, take
over, give back to the bot, close, write a private note, record the outcome of a claim."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import select

from bot.console import views
from bot.console.delivery import NotReachable, send_to_person
from bot.console.deps import (
    CheckedReferent,
    CurrentReferent,
    CurrentReferentJson,
    DbSession,
    HandoffOr404,
    Territory,
    audited,
)
from bot.console.pages import back, fragment, harden, notices, parse_day, render, safe_next
from handoff import booking, indicators
from storage.handoff import Handoff
from storage.models import utcnow
from storage.records import OUTCOME_STATUSES, Outcome, ReferentNote

MAX_REPLY = 1000
MAX_NOTE = 4000

router = APIRouter(prefix="/console")


def _page_of(handoff_id: int) -> str:
    return f"/console/handoffs/{handoff_id}"


def _scope(request: Request, territory) -> object:
    """Only the hand-offs of the account's territory."""
    return request.app.state.territories.where(Handoff.territory_id, territory.id)


# ---------------------------------------------------------------------- the queue
def _listing(request: Request, who, session, territory, *, mine: str, place: str,
             etat: str, q: str, page: int) -> dict:
    """One page of the queue (open or closed requests, filtered and searched) and its
    count: what the page and its polling show."""
    state = "closed" if etat == "closes" else "open"
    items = views.queue(session, territory, now=utcnow(),
                        referent_id=who.referent_id if mine else None, place_id=place or None,
                        only=_scope(request, territory), state=state, search=q[:80])
    pages = max(1, -(-len(items) // views.PER_PAGE))
    page = min(max(page, 1), pages)
    shown = views.with_details(
        session, items[(page - 1) * views.PER_PAGE:page * views.PER_PAGE])
    query = {k: v for k, v in (("mine", mine), ("place", place), ("etat", etat), ("q", q)) if v}
    return {"items": shown, "total": len(items), "page": page, "pages": pages,
            "state": state, "q": q, "query": query}


@router.get("", response_class=HTMLResponse)
@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def queue_page(request: Request, who: CurrentReferent, session: DbSession, territory: Territory,
               mine: str = "", place: str = "", ok: str = "", etat: str = "", q: str = "",
               page: int = 1):
    listing = _listing(request, who, session, territory, mine=mine, place=place, etat=etat,
                       q=q, page=page)
    return render(request, "queue.html", me=who, mine=bool(mine), place=place,
                  places=list(territory.places.values()), **listing, **notices(ok, None))


@router.get("/queue.json")
def queue_json(request: Request, who: CurrentReferentJson, session: DbSession,
               territory: Territory, mine: str = "", place: str = "", etat: str = "",
               q: str = "", page: int = 1):
    listing = _listing(request, who, session, territory, mine=mine, place=place, etat=etat,
                       q=q, page=page)
    items = listing["items"]
    return harden(JSONResponse({"ids": [i["id"] for i in items],
                                "urgent": sum(1 for i in items if i["urgent"]),
                                "total": listing["total"],
                                "html": fragment("_queue_list.html", **listing)}))


# ---------------------------------------------------------------------- a conversation
@router.get("/handoffs/{handoff_id}", response_class=HTMLResponse, dependencies=[audited("view")])
def handoff_page(request: Request, who: CurrentReferent, handoff: HandoffOr404,
                 session: DbSession, territory: Territory, ok: str = "", error: str = "",
                 retour: str = ""):
    view = views.conversation_view(session, territory, handoff, now=utcnow())
    # Seen by a referent: back to its place in the queue; the page still lists the failure.
    handoff.delivery_failed_at = None
    return render(request, "conversation.html", me=who, h=view, today=date.today().isoformat(),
                  queue_url=_queue_url(retour), **notices(ok, error))


def _queue_url(retour: str) -> str:
    """The queue as the referent left it (its filters, search, page), to go back to."""
    return safe_next(retour) if retour.startswith("/console?") else "/console"


def _written(text: str, limit: int, path: str):
    """The text a referent typed, or the page that says it is empty or too long."""
    body = text.strip()
    if not body:
        return body, back(path, error="empty")
    if len(body) > limit:
        return body, back(path, error="too_long")
    return body, None


@router.post("/handoffs/{handoff_id}/reply", dependencies=[audited("reply")])
def reply(who: CheckedReferent, handoff: HandoffOr404, session: DbSession,
          territory: Territory, text: str = Form("")):
    path = _page_of(handoff.id)
    body, refused = _written(text, MAX_REPLY, path)
    if refused is not None:
        return refused
    try:
        send_to_person(session, handoff.conversation, body, referent_id=who.referent_id,
                       sender=territory.own_number)
    except NotReachable:
        return back(path, error="unreachable")
    if handoff.referent_id is None:
        handoff.referent_id = who.referent_id
    return back(path + "#reponse", ok="reply")


@router.post("/handoffs/{handoff_id}/take", dependencies=[audited("take")])
def take(who: CheckedReferent, handoff: HandoffOr404, session: DbSession):
    booking.take_over(session, handoff_id=handoff.id, referent_id=who.referent_id)
    return back(_page_of(handoff.id), ok="taken")


@router.post("/handoffs/{handoff_id}/give-back", dependencies=[audited("give_back")])
def give_back(handoff: HandoffOr404, session: DbSession):
    booking.give_back(session, handoff_id=handoff.id)
    return back(_page_of(handoff.id), ok="given_back")


@router.post("/handoffs/{handoff_id}/close", dependencies=[audited("close")])
def close(handoff: HandoffOr404, session: DbSession, back_to: str = Form("/console")):
    booking.close_handoff(session, handoff_id=handoff.id)
    return back(_queue_url(back_to), ok="closed")  # the queue with the filter it had


@router.post("/handoffs/{handoff_id}/notes", dependencies=[audited("note")])
def note(who: CheckedReferent, handoff: HandoffOr404, session: DbSession,
         text: str = Form("")):
    path = _page_of(handoff.id)
    body, refused = _written(text, MAX_NOTE, path)
    if refused is not None:
        return refused
    session.add(ReferentNote(conversation_id=handoff.conversation_id,
                             referent_id=who.referent_id, text=body))
    return back(path + "#notes", ok="note")


@router.post("/handoffs/{handoff_id}/outcomes", dependencies=[audited("outcome")])
def outcome(who: CheckedReferent, handoff: HandoffOr404, session: DbSession,
            territory: Territory, benefit_id: str = Form(""), status: str = Form(""),
            on: str = Form("")):
    path = _page_of(handoff.id) + "#droits"
    day = parse_day(on)
    if day is None or day > date.today() + timedelta(days=1):
        return back(path, error="outcome_date")
    if status not in OUTCOME_STATUSES or not benefit_id or len(benefit_id) > 80:
        return back(path, error="bad_status")
    row = session.scalars(select(Outcome).where(
        Outcome.handoff_id == handoff.id, Outcome.benefit_id == benefit_id,
        Outcome.status == status)).first()
    # The anonymous trace the take-up figures keep after an erasure.
    indicators.record_outcome(session, handoff, benefit_id=benefit_id, status=status, day=day,
                              previous=row.happened_on if row else None, tz=territory.timezone)
    if row is None:
        session.add(Outcome(handoff_id=handoff.id, benefit_id=benefit_id, status=status,
                            happened_on=day, referent_id=who.referent_id))
    else:
        row.happened_on = day
        row.referent_id = who.referent_id
        row.recorded_at = utcnow()
    return back(path, ok="outcome")
