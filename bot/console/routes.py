"""Routes of the referent console.

Every page but the login needs a live session (a cookie whose token's hash is a
`console_session` row); without one, GET pages redirect to the login form. Every POST
carries the session's CSRF token in a hidden field and is refused (403) without it; the
login form, before any session, uses a double-submit cookie instead. Handlers are plain
`def`: Starlette runs them in its thread pool, off the event loop, like the chat.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from bot.console import figures, views
from bot.console.delivery import NotReachable, send_to_person
from handoff import booking, indicators
from handoff.accounts import authenticate, close_session, find_session, open_session
from storage.handoff import Appointment, Handoff
from storage.models import utcnow
from storage.records import OUTCOME_STATUSES, Outcome, ReferentAbsence, ReferentNote

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"
COOKIE = "passerelle_console"
LOGIN_COOKIE = "passerelle_console_login"
MAX_REPLY = 1000
MAX_NOTE = 4000

# Short confirmations shown after an action (?ok=...), in one place.
NOTICES = {
    "reply": "Message envoyé à la personne.",
    "taken": "Vous avez la main : le bot ne répond plus à cette personne.",
    "given_back": "Le bot reprend la conversation.",
    "note": "Note enregistrée. Elle n'est jamais envoyée à la personne.",
    "outcome": "Résultat enregistré.",
    "closed": "Demande close.",
    "appointment": "Rendez-vous mis à jour.",
    "absence": "Absence enregistrée : plus aucun rendez-vous ne sera proposé ces jours-là.",
    "absence_deleted": "Absence supprimée.",
}
ERRORS = {
    "empty": "Le message est vide.",
    "too_long": "Le message est trop long.",
    "unreachable": "Impossible d'écrire à cette personne (elle a refusé les messages).",
    "bad_date": "Date incorrecte.",
    "bad_status": "Choix incorrect.",
}
LOGIN_FAILED = "Identifiant ou mot de passe incorrect."
LOGIN_BLOCKED = ("Trop d'essais. Connexion bloquée 15 minutes pour cet identifiant. "
                 "Attendez, ou demandez à votre responsable.")
CSRF_REFUSED = ("Formulaire refusé : il a expiré ou ne vient pas de la console. "
                "Revenez en arrière, rechargez la page et recommencez.")


def _secure_cookies(settings: Any) -> bool:
    return settings.public_base_url.lower().startswith("https://")


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a, b)


def _parse_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def build_router(app: FastAPI) -> APIRouter:
    db = app.state.db
    territory = app.state.territory
    secure = _secure_cookies(app.state.settings)
    templates = Jinja2Templates(directory=str(TEMPLATES))
    router = APIRouter(prefix="/console")

    def page(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
        context.setdefault("territory", territory)
        response = templates.TemplateResponse(request, name, context, status_code=status)
        return _harden(response)

    def _harden(response: Response) -> Response:
        # Personal data: never cached, never framed, no referrer leaking ids.
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    def to_login(request: Request) -> RedirectResponse:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/console/login?next={quote(target)}", status_code=303)

    def refused(request: Request, who=None) -> HTMLResponse:
        return page(request, "refused.html", status=403, message=CSRF_REFUSED, me=who)

    def back(path: str, **query) -> RedirectResponse:
        path, _, anchor = path.partition("#")
        query = {k: v for k, v in query.items() if v}
        joiner = "&" if "?" in path else "?"
        url = path + (f"{joiner}{urlencode(query)}" if query else "") + (f"#{anchor}" if anchor else "")
        return RedirectResponse(url, status_code=303)

    def me(row) -> dict:
        referent = territory.referents.get(row.account.referent_id)
        return {"login": row.account.login, "referent_id": row.account.referent_id,
                "name": referent.first_name if referent else row.account.login,
                "csrf": row.csrf_token, "roles": list(row.account.roles or [])}

    def notices(ok: str | None, error: str | None) -> dict:
        return {"notice": NOTICES.get(ok or ""), "error": ERRORS.get(error or "")}

    # ------------------------------------------------------------------ access
    @router.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/console"):
        with db.session() as session:
            if find_session(session, request.cookies.get(COOKIE)):
                return RedirectResponse(_safe_next(next), status_code=303)
        return _login_page(request, next=next)

    def _login_page(request: Request, *, next: str, error: str | None = None,
                    login: str = "", status: int = 200) -> HTMLResponse:
        token = secrets.token_urlsafe(32)
        response = page(request, "login.html", status=status, csrf=token, next=_safe_next(next),
                        login_error=error, login=login, me=None)
        response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict",
                            secure=secure, path="/console/login", max_age=3600)
        return response

    @router.post("/login")
    def login(request: Request, login: str = Form(""), password: str = Form(""),
              csrf: str = Form(""), next: str = Form("/console")):
        if not _same(csrf, request.cookies.get(LOGIN_COOKIE)):
            return refused(request)
        ip = request.client.host if request.client else "unknown"
        with db.session() as session:
            result = authenticate(session, login=login, password=password, ip=ip)
            if result.account is not None:
                token, _row = open_session(session, result.account)
        if result.account is None:
            error = LOGIN_BLOCKED if result.blocked else LOGIN_FAILED
            return _login_page(request, next=next, error=error, login=login[:120],
                               status=429 if result.blocked else 401)
        response = RedirectResponse(_safe_next(next), status_code=303)
        response.set_cookie(COOKIE, token, httponly=True, samesite="lax", secure=secure,
                            path="/", max_age=12 * 3600)
        response.delete_cookie(LOGIN_COOKIE, path="/console/login")
        return response

    @router.post("/logout")
    def logout(request: Request, csrf: str = Form("")):
        token = request.cookies.get(COOKIE)
        with db.session() as session:
            row = find_session(session, token)
            if row is not None and not _same(csrf, row.csrf_token):
                return refused(request, me(row))
            close_session(session, token)
        response = RedirectResponse("/console/login?out=1", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    # ------------------------------------------------------------------ the queue
    @router.get("", response_class=HTMLResponse)
    @router.get("/", response_class=HTMLResponse, include_in_schema=False)
    def queue_page(request: Request, mine: str = "", place: str = "", ok: str = ""):
        with db.session() as session:
            row = find_session(session, request.cookies.get(COOKIE))
            if row is None:
                return to_login(request)
            who = me(row)
            items = views.queue(session, territory, now=utcnow(),
                                referent_id=who["referent_id"] if mine else None,
                                place_id=place or None)
        return page(request, "queue.html", me=who, items=items, mine=bool(mine), place=place,
                    places=list(territory.places.values()), **notices(ok, None))

    @router.get("/queue.json")
    def queue_json(request: Request, mine: str = "", place: str = ""):
        with db.session() as session:
            row = find_session(session, request.cookies.get(COOKIE))
            if row is None:
                return JSONResponse({"error": "session expirée"}, status_code=401)
            who = me(row)
            items = views.queue(session, territory, now=utcnow(),
                                referent_id=who["referent_id"] if mine else None,
                                place_id=place or None)
        html = templates.get_template("_queue_list.html").render(items=items)
        return _harden(JSONResponse({"ids": [i["id"] for i in items],
                                     "urgent": sum(1 for i in items if i["urgent"]),
                                     "html": html}))

    # ------------------------------------------------------------------ a conversation
    @router.get("/handoffs/{handoff_id}", response_class=HTMLResponse)
    def handoff_page(request: Request, handoff_id: int, ok: str = "", error: str = ""):
        with db.session() as session:
            row = find_session(session, request.cookies.get(COOKIE))
            if row is None:
                return to_login(request)
            who = me(row)
            handoff = session.get(Handoff, handoff_id)
            if handoff is None:
                return page(request, "not_found.html", status=404, me=who)
            view = views.conversation_view(session, territory, handoff, now=utcnow())
        return page(request, "conversation.html", me=who, h=view, today=date.today().isoformat(),
                    **notices(ok, error))

    def _post(request: Request, csrf: str, action):
        """Runs `action(session, handoff_row_or_none, who)` for a logged-in, CSRF-checked POST."""
        with db.session() as session:
            row = find_session(session, request.cookies.get(COOKIE))
            if row is None:
                return to_login(request)
            who = me(row)
            if not _same(csrf, row.csrf_token):
                return refused(request, who)
            return action(session, who)

    def _on_handoff(request, csrf, handoff_id, act):
        """A checked POST acting on one hand-off: `act(session, who, handoff)`, or a 404."""
        def action(session, who):
            handoff = session.get(Handoff, handoff_id)
            if handoff is None:
                return page(request, "not_found.html", status=404, me=who)
            return act(session, who, handoff)
        return _post(request, csrf, action)

    @router.post("/handoffs/{handoff_id}/reply")
    def reply(request: Request, handoff_id: int, text: str = Form(""), csrf: str = Form("")):
        def act(session, who, handoff):
            path = f"/console/handoffs/{handoff_id}"
            body = text.strip()
            if not body:
                return back(path, error="empty")
            if len(body) > MAX_REPLY:
                return back(path, error="too_long")
            try:
                send_to_person(session, handoff.conversation, body,
                               referent_id=who["referent_id"])
            except NotReachable:
                return back(path, error="unreachable")
            if handoff.referent_id is None:
                handoff.referent_id = who["referent_id"]
            return back(path + "#reponse", ok="reply")
        return _on_handoff(request, csrf, handoff_id, act)

    @router.post("/handoffs/{handoff_id}/take")
    def take(request: Request, handoff_id: int, csrf: str = Form("")):
        def act(session, who, handoff):
            booking.take_over(session, handoff_id=handoff.id, referent_id=who["referent_id"])
            return back(f"/console/handoffs/{handoff_id}", ok="taken")
        return _on_handoff(request, csrf, handoff_id, act)

    @router.post("/handoffs/{handoff_id}/give-back")
    def give(request: Request, handoff_id: int, csrf: str = Form("")):
        def act(session, who, handoff):
            booking.give_back(session, handoff_id=handoff.id)
            return back(f"/console/handoffs/{handoff_id}", ok="given_back")
        return _on_handoff(request, csrf, handoff_id, act)

    @router.post("/handoffs/{handoff_id}/close")
    def close(request: Request, handoff_id: int, csrf: str = Form("")):
        def act(session, who, handoff):
            booking.close_handoff(session, handoff_id=handoff.id)
            return back("/console", ok="closed")
        return _on_handoff(request, csrf, handoff_id, act)

    @router.post("/handoffs/{handoff_id}/notes")
    def note(request: Request, handoff_id: int, text: str = Form(""), csrf: str = Form("")):
        def act(session, who, handoff):
            path = f"/console/handoffs/{handoff_id}"
            body = text.strip()
            if not body:
                return back(path, error="empty")
            if len(body) > MAX_NOTE:
                return back(path, error="too_long")
            session.add(ReferentNote(conversation_id=handoff.conversation_id,
                                     referent_id=who["referent_id"], text=body))
            return back(path + "#notes", ok="note")
        return _on_handoff(request, csrf, handoff_id, act)

    @router.post("/handoffs/{handoff_id}/outcomes")
    def outcome(request: Request, handoff_id: int, benefit_id: str = Form(""),
                status: str = Form(""), on: str = Form(""), csrf: str = Form("")):
        def act(session, who, handoff):
            path = f"/console/handoffs/{handoff_id}"
            day = _parse_day(on)
            if day is None or day > date.today() + timedelta(days=1):
                return back(path + "#droits", error="bad_date")
            if status not in OUTCOME_STATUSES or not benefit_id or len(benefit_id) > 80:
                return back(path + "#droits", error="bad_status")
            row = session.scalars(select(Outcome).where(
                Outcome.handoff_id == handoff.id, Outcome.benefit_id == benefit_id,
                Outcome.status == status)).first()
            # The anonymous trace the take-up figures keep after an erasure.
            indicators.record_outcome(session, handoff, benefit_id=benefit_id, status=status,
                                      day=day, previous=row.happened_on if row else None,
                                      tz=territory.timezone)
            if row is None:
                session.add(Outcome(handoff_id=handoff.id, benefit_id=benefit_id, status=status,
                                    happened_on=day, referent_id=who["referent_id"]))
            else:
                row.happened_on = day
                row.referent_id = who["referent_id"]
                row.recorded_at = utcnow()
            return back(path + "#droits", ok="outcome")
        return _on_handoff(request, csrf, handoff_id, act)

    # ------------------------------------------------------------------ the agenda
    @router.get("/agenda", response_class=HTMLResponse)
    def agenda_page(request: Request, day: str = "", view: str = "week", ok: str = "",
                    error: str = ""):
        with db.session() as session:
            row = find_session(session, request.cookies.get(COOKIE))
            if row is None:
                return to_login(request)
            who = me(row)
            today = datetime.now(territory.timezone).date()
            chosen = _parse_day(day) or today
            view = "day" if view == "day" else "week"
            first = chosen if view == "day" else chosen - timedelta(days=chosen.weekday())
            length = 1 if view == "day" else 7
            days = views.agenda(session, territory, referent_id=who["referent_id"],
                                first=first, days=length)
            mine, from_file = views.absences(session, territory,
                                             referent_id=who["referent_id"], today=today)
        step = timedelta(days=length)
        return page(request, "agenda.html", me=who, days=days, view=view,
                    chosen=chosen.isoformat(), previous=(first - step).isoformat(),
                    following=(first + step).isoformat(), today=today.isoformat(),
                    absences=mine, file_absences=from_file, **notices(ok, error))

    @router.post("/appointments/{appointment_id}/status")
    def appointment_status(request: Request, appointment_id: int, status: str = Form(""),
                           back_to: str = Form("/console/agenda"), csrf: str = Form("")):
        def action(session, who):
            target = _safe_next(back_to)
            appointment = session.get(Appointment, appointment_id)
            if appointment is None:
                return page(request, "not_found.html", status=404, me=who)
            before = appointment.status
            try:
                if status in ("seen", "noshow"):
                    booking.record_outcome(session, appointment_id=appointment.id, status=status)
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
        return _post(request, csrf, action)

    @router.post("/absences")
    def add_absence(request: Request, starts_on: str = Form(""), ends_on: str = Form(""),
                    note: str = Form(""), csrf: str = Form("")):
        def action(session, who):
            start, end = _parse_day(starts_on), _parse_day(ends_on or starts_on)
            if start is None or end is None or end < start or (end - start).days > 366:
                return back("/console/agenda", error="bad_date")
            session.add(ReferentAbsence(referent_id=who["referent_id"], starts_on=start,
                                        ends_on=end, note=note.strip()[:200],
                                        created_by=who["referent_id"]))
            return back("/console/agenda", ok="absence")
        return _post(request, csrf, action)

    @router.post("/absences/{absence_id}/delete")
    def delete_absence(request: Request, absence_id: int, csrf: str = Form("")):
        def action(session, who):
            absence = session.get(ReferentAbsence, absence_id)
            if absence is not None and absence.referent_id == who["referent_id"]:
                session.delete(absence)
            return back("/console/agenda", ok="absence_deleted")
        return _post(request, csrf, action)

    # the project team's take-up figures: /console/indicateurs (bot/console/figures.py)
    figures.add_routes(router, db=db, territory=territory, page=page, to_login=to_login,
                       me=me, harden=_harden)
    return router


def _safe_next(target: str | None) -> str:
    """Only paths inside the console: no open redirect to another site."""
    if not target or not target.startswith("/console") or target.startswith("//"):
        return "/console"
    if target.startswith("/console/login") or "\\" in target:
        return "/console"
    return target

