"""How every console answer is rendered: one Jinja environment, the security headers, the
redirects back to a page with a short confirmation, and the French texts they show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from storage.accounts import (
    CASEWORK_ROLES,
    FIELD_ROLES,
    FIGURES_ROLES,
    NATIONAL_ROLES,
    ReferentAccount,
)

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
    "bad_date": ("Dates incorrectes : le dernier jour ne peut pas précéder le premier, et une "
                 "absence dure un an au plus."),
    "outcome_date": ("Date incorrecte : choisissez un jour qui n'est pas dans le futur (un "
                     "résultat se note une fois arrivé : demande déposée, droit ouvert…)."),
    "bad_status": "Choix incorrect.",
    "too_early": ("Pas encore : « Vu » et « Absent » se notent une fois l'heure du rendez-vous "
                  "passée. Si la personne a prévenu, choisissez « Excusé »."),
}
CSRF_REFUSED = ("Formulaire refusé : il a expiré ou ne vient pas de la console. "
                "Revenez en arrière, rechargez la page et recommencez.")


CONSOLE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; "
                  "style-src-attr 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
                  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def harden(response: Response) -> Response:
    # Personal data: never cached, never framed, no referrer leaking ids.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Scripts and styles from the console's own files only (the bars of the figures set
    # their width in a style attribute): no injected script runs, nothing leaves the site.
    response.headers["Content-Security-Policy"] = CONSOLE_POLICY
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


@dataclass(frozen=True)
class Page:
    """A console page an account may be given: the menu and every refusal read this list."""

    key: str  # the `active` value of its template
    label: str
    href: str
    roles: tuple[str, ...]  # any one of them opens it

    @property
    def role_words(self) -> str:
        named = [f"« {r} »" for r in self.roles if r != "admin"]
        return " ou ".join(named) + " (ou « admin »)"


PAGES = (
    Page("queue", "Demandes", "/console", CASEWORK_ROLES),
    Page("agenda", "Agenda", "/console/agenda", CASEWORK_ROLES),
    Page("indicators", "Indicateurs", "/console/indicateurs", FIGURES_ROLES),
    Page("campaigns", "Campagnes", "/console/campagnes", FIGURES_ROLES),
    Page("national", "Tous les territoires", "/console/indicateurs/territoires", NATIONAL_ROLES),
    Page("field", "Terrain", "/console/terrain", FIELD_ROLES),
)
PAGE = {page.key: page for page in PAGES}


def pages_of(me: Any) -> list[Page]:
    """The pages this account opens, in menu order."""
    roles = set(getattr(me, "roles", ()) or ())
    return [page for page in PAGES if roles & set(page.roles)]


_templates.env.globals["pages_of"] = pages_of


def administrators(request: Request, me: Any) -> list[str]:
    """The first names of the admins of the account's territory: whom to ask for a role."""
    territory = getattr(me, "territory", None)
    if territory is None:
        return []
    territories = request.app.state.territories
    with request.app.state.db.session() as session:
        rows = session.scalars(select(ReferentAccount).where(
            ReferentAccount.active.is_(True),
            territories.where(ReferentAccount.territory_id, territory.id))).all()
        names = []
        for row in rows:
            if row.has_role("admin") and row.login != getattr(me, "login", None):
                known = territory.referents.get(row.referent_id)
                names.append(known.first_name if known else row.login)
    return sorted(set(names))


def role_refusal(request: Request, me: Any, key: str) -> HTMLResponse:
    """The 403 of a page the account's roles do not open: which page, which role opens it,
    whom to ask, and the pages the account does have."""
    page = PAGE[key]
    admins = administrators(request, me)
    whom = (("Demandez-le à " + ", ".join(admins) + " (administration de Passerelle pour "
             f"{me.territory.name}).") if admins else
            "Demandez-le à la personne qui administre Passerelle pour votre territoire (celle "
            "qui a créé votre compte).")
    message = (f"La page « {page.label} » est réservée au rôle {page.role_words}. "
               f"Votre compte ne l'a pas. {whom}")
    return render(request, "refused.html", status=403, message=message, me=me,
                  heading=f"Accès réservé : {page.label}", mine=pages_of(me))


def refused(request: Request, me: Any = None) -> HTMLResponse:
    return render(request, "refused.html", status=403, message=CSRF_REFUSED, me=me)


def not_found(request: Request, me: Any) -> HTMLResponse:
    return render(request, "not_found.html", status=404, me=me)


def back(path: str, **query: str) -> RedirectResponse:
    """Back to a console page after a POST, with ?ok= or ?error= and its #anchor. An error
    goes to the error itself (#erreur, at the top of the page, focused), never to a section
    further down that would leave it off screen."""
    path, _, anchor = path.partition("#")
    query = {k: v for k, v in query.items() if v}
    if query.get("error"):
        anchor = "erreur"
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
