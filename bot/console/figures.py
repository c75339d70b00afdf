"""The project team's pages: the take-up figures as tables and bar charts, and their CSV.

    GET /console/indicateurs?du=2026-01-01&au=2026-03-31      the page
    GET /console/indicateurs.csv?du=…&au=…                   the export for the committee

Only accounts with the « projet » role see them (403 otherwise; referents do not have it
by default). The figures and their masking are handoff/indicators.py's.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from handoff import indicators
from handoff.accounts import find_session
from rules.catalogue import benefit_labels

ROLE = "projet"
DEFAULT_DAYS = 91
MAX_DAYS = 3 * 366
NOT_ALLOWED = ("Les indicateurs sont réservés à l'équipe projet (rôle « projet »). "
               "Demandez ce rôle à l'administrateur de Passerelle si vous en avez besoin.")
BAD_PERIOD = "Période incorrecte : on affiche les 13 dernières semaines."


def period(start: str, end: str, today: date) -> tuple[date, date, bool]:
    """The period asked for, or the last 13 weeks; the flag says the request was wrong."""
    try:
        first = date.fromisoformat(start) if start else None
        last = date.fromisoformat(end) if end else None
    except ValueError:
        first = last = None
        wrong = True
    else:
        wrong = False
    last = last or today
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last or (last - first).days > MAX_DAYS:
        return today - timedelta(days=DEFAULT_DAYS - 1), today, True
    return first, last, wrong


def add_routes(router: APIRouter, *, db, territory, page, to_login, me, harden) -> None:
    def allowed(request: Request, session):
        """The logged-in account with the role, or the response to send instead."""
        row = find_session(session, request.cookies.get("passerelle_console"))
        if row is None:
            return None, to_login(request)
        who = me(row)
        if ROLE not in who["roles"]:
            return who, page(request, "refused.html", status=403, message=NOT_ALLOWED,
                             me=who, heading="Accès réservé")
        return who, None

    def figures(session, du: str, au: str):
        today = datetime.now(territory.timezone).date()
        start, end, wrong = period(du, au, today)
        report = indicators.build(session, start=start, end=end, labels=benefit_labels())
        return report, wrong

    @router.get("/indicateurs", response_class=HTMLResponse)
    def indicators_page(request: Request, du: str = "", au: str = ""):
        with db.session() as session:
            who, refusal = allowed(request, session)
            if refusal is not None:
                return refusal
            report, wrong = figures(session, du, au)
        return page(request, "indicators.html", me=who, active="indicators", report=report,
                    small=indicators.SMALL, secret=indicators.SECRET,
                    error=BAD_PERIOD if wrong else None)

    @router.get("/indicateurs.csv")
    def indicators_csv(request: Request, du: str = "", au: str = ""):
        with db.session() as session:
            _who, refusal = allowed(request, session)
            if refusal is not None:
                return refusal
            report, _wrong = figures(session, du, au)
        name = f"passerelle-indicateurs-{report.start.isoformat()}-{report.end.isoformat()}.csv"
        # A BOM so that spreadsheet software reads the accents as UTF-8.
        body = "\ufeff" + indicators.to_csv(report)
        return harden(Response(body.encode("utf-8"), media_type="text/csv; charset=utf-8",
                               headers={"Content-Disposition": f'attachment; filename="{name}"'}))
