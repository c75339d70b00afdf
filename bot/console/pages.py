"""How every console answer is rendered: one Jinja environment, the security headers, the
redirects back to a page with a short confirmation, and the French texts they show."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"

_templates = Jinja2Templates(directory=str(TEMPLATES))

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
CSRF_REFUSED = ("Formulaire refusé : il a expiré ou ne vient pas de la console. "
                "Revenez en arrière, rechargez la page et recommencez.")


def harden(response: Response) -> Response:
    # Personal data: never cached, never framed, no referrer leaking ids.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A console page; every page knows the territory (its name is in the header): the
    logged-in account's, else (the login page) the first one served."""
    me = context.get("me")
    context.setdefault("territory", getattr(me, "territory", None) or request.app.state.territory)
    response = _templates.TemplateResponse(request, name, context, status_code=status)
    return harden(response)


def fragment(name: str, **context: Any) -> str:
    """A piece of a page, rendered for the JavaScript that refreshes it."""
    return _templates.get_template(name).render(**context)


def refused(request: Request, me: Any = None) -> HTMLResponse:
    return render(request, "refused.html", status=403, message=CSRF_REFUSED, me=me)


def not_found(request: Request, me: Any) -> HTMLResponse:
    return render(request, "not_found.html", status=404, me=me)


def back(path: str, **query: str) -> RedirectResponse:
    """Back to a console page after a POST, with ?ok= or ?error= and its #anchor."""
    path, _, anchor = path.partition("#")
    query = {k: v for k, v in query.items() if v}
    joiner = "&" if "?" in path else "?"
    url = path + (f"{joiner}{urlencode(query)}" if query else "") + (f"#{anchor}" if anchor else "")
    return RedirectResponse(url, status_code=303)


def notices(ok: str | None, error: str | None) -> dict[str, str | None]:
    return {"notice": NOTICES.get(ok or ""), "error": ERRORS.get(error or "")}


def safe_next(target: str | None) -> str:
    """Only paths inside the console: no open redirect to another site."""
    if not target or not target.startswith("/console") or target.startswith("//"):
        return "/console"
    if target.startswith("/console/login") or "\\" in target:
        return "/console"
    return target


def parse_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
