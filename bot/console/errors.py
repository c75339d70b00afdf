"""The console's own pages for an address that does not exist (404) or a value that cannot
be read (422): in French, with the menu, instead of the JSON the API answers.

The application's exception handlers (bot/web/app.py) hand every error under /console here;
the JavaScript's JSON endpoints (`….json`) keep their JSON answers.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from bot.console import pages
from bot.console.deps import COOKIE, referent_of
from handoff.accounts import find_session

NOT_FOUND = ("Cette page de la console n'existe pas. Vérifiez l'adresse, ou repartez du menu "
             "ci-dessus.")
UNREADABLE = {
    "path": "L'adresse contient une valeur qui n'est pas valable : {field} devrait être un "
            "nombre (par exemple /console/handoffs/42).",
    "query": "L'adresse contient une valeur qui n'est pas valable : « {field} ». Repartez du "
             "menu ci-dessus.",
    "body": "Le formulaire contient une valeur qui n'est pas valable : « {field} ». Revenez "
            "en arrière, corrigez-la et envoyez à nouveau.",
}
FIELDS = {"handoff_id": "le numéro de la demande", "campaign_id": "le numéro de la campagne",
          "appointment_id": "le numéro du rendez-vous", "check_id": "le numéro de la vérification",
          "absence_id": "le numéro de l'absence"}


def wants_page(request: Request) -> bool:
    path = request.url.path
    return (path == "/console" or path.startswith("/console/")) and not path.endswith(".json") \
        and not path.startswith("/console/static/")


def _account(request: Request):
    """The logged-in account, for the menu; None before login."""
    with request.app.state.db.session() as session:
        row = find_session(session, request.cookies.get(COOKIE))
        return referent_of(row, request.app.state.territories) if row is not None else None


def not_found_page(request: Request) -> Response:
    return pages.render(request, "error.html", status=404, me=_account(request),
                        heading="Page introuvable", message=NOT_FOUND)


def unreadable_page(request: Request, errors: list[dict]) -> Response:
    where, field = "query", "?"
    if errors:
        location = [str(part) for part in errors[0].get("loc", ())]
        where = location[0] if location and location[0] in UNREADABLE else "query"
        field = location[-1] if location else "?"
    message = UNREADABLE[where].format(field=FIELDS.get(field, field))
    return pages.render(request, "error.html", status=422, me=_account(request),
                        heading="Valeur incorrecte", message=message)
