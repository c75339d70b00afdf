"""The project team's pages: the take-up figures as tables and bar charts, and their CSV.

    GET /console/indicateurs?du=2026-01-01&au=2026-03-31      the page
    GET /console/indicateurs.csv?du=…&au=…                   the export for the committee

Only accounts with the « projet » role see them (403 otherwise; referents do not have it
by default). The figures and their masking are handoff/indicators.py's.
"""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from bot.console.deps import (
    AllTerritories,
    CurrentAccount,
    DbSession,
    EarlyAnswer,
    Referent,
    Territory,
    audit,
)
from bot.console.pages import harden, render, role_refusal
from handoff import fieldwork
from handoff.indicators import (
    SECRET,
    SMALL,
    Report,
    build,
    months_in,
    side_by_side,
    to_csv,
    whole_months,
)
from rules.catalogue import benefit_labels
from storage.accounts import NATIONAL_ROLES, ReferentAccount
from storage.models import FunnelEvent

DEFAULT_MONTHS = 3
MAX_DAYS = 3 * 366
BAD_PERIOD = ("Période incorrecte : seuls des mois entiers sont publiés (du 1er au dernier jour), "
              "pour qu'on ne puisse pas retrouver un petit nombre en soustrayant deux "
              "périodes. On affiche les trois derniers mois.")

router = APIRouter(prefix="/console")


def period(start: str, end: str, today: date) -> tuple[date, date, bool]:
    """The period asked for, or the last three months (this one included); the flag says
    the request was wrong. Only whole calendar months are shown (handoff/indicators.py)."""
    try:
        first = date.fromisoformat(start) if start else None
        last = date.fromisoformat(end) if end else None
    except ValueError:
        first = last = None
        wrong = True
    else:
        wrong = False
    default = _last_months(today)
    if first is None and last is None:
        return default[0], default[1], wrong
    last = last or default[1]
    first = first or default[0]
    if first > last or (last - first).days > MAX_DAYS or not whole_months(first, last):
        return default[0], default[1], True
    return first, last, wrong


def _last_months(today: date) -> tuple[date, date]:
    months = months_in(date(today.year - 1, today.month, 1), today)[-DEFAULT_MONTHS:]
    return months[0][0], months[-1][1]


def project_member(request: Request, who: CurrentAccount) -> Referent:
    """The logged-in account if it has the « projet » (or « admin ») role; else a 403 page."""
    if not who.sees_figures:
        page = ("campaigns" if request.url.path.startswith("/console/campagnes")
                else "indicators")
        raise EarlyAnswer(role_refusal(request, who, page))
    return who


ProjectMember = Annotated[Referent, Depends(project_member)]

OUTSIDE = "Hors territoire"  # residents outside every territory: the national fallback


def national_member(request: Request, who: CurrentAccount) -> Referent:
    """The logged-in account if it has the « national » (or « admin ») role; else a 403."""
    if not any(who.has_role(role) for role in NATIONAL_ROLES):
        raise EarlyAnswer(role_refusal(request, who, "national"))
    return who


NationalMember = Annotated[Referent, Depends(national_member)]


def only(territories: Any, territory_id: str | None) -> Any:
    """The funnel events of one territory (None: outside every territory). A deployment of
    one territory counts everything as its own, as before territories."""
    if not territories.several:
        return None
    if territory_id is None:
        return FunnelEvent.territory_id.is_(None)
    return FunnelEvent.territory_id == territory_id


def figures(session: DbSession, territory: Territory, territories: AllTerritories,
            du: str = "", au: str = "") -> tuple[Report, bool]:
    """The figures of the account's territory for the period asked for (?du=&au=), and
    whether it had to be corrected."""
    today = datetime.now(territory.timezone).date()
    start, end, wrong = period(du, au, today)
    report = build(session, start=start, end=end, labels=benefit_labels(),
                   only=only(territories, territory.id))
    # The ambassadors' checks, by ambassador and by place, masked the same way; those of
    # the ambassadors of this territory only.
    field_only = (fieldwork.of_territory(territories.where(ReferentAccount.territory_id,
                                                           territory.id))
                  if territories.several else None)
    report.tables += fieldwork.tables(session, start=start, end=end, only=field_only)
    return report, wrong


# The role is checked before the figures are computed (FastAPI solves them in this order).
Figures = Annotated[tuple[Report, bool], Depends(figures)]


@router.get("/indicateurs", response_class=HTMLResponse)
def indicators_page(request: Request, who: ProjectMember, computed: Figures):
    report, wrong = computed
    return render(request, "indicators.html", me=who, active="indicators", report=report,
                  small=SMALL, secret=SECRET, error=BAD_PERIOD if wrong else None)


@router.get("/indicateurs.csv")
def indicators_csv(who: ProjectMember, session: DbSession, computed: Figures):
    report, _wrong = computed
    name = f"passerelle-indicateurs-{report.start.isoformat()}-{report.end.isoformat()}.csv"
    # A BOM so that spreadsheet software reads the accents as UTF-8.
    body = "\ufeff" + to_csv(report)
    audit(session, who, "indicators_export", handoff_id=None, conversation_id=None)
    return harden(Response(body.encode("utf-8"), media_type="text/csv; charset=utf-8",
                           headers={"Content-Disposition": f'attachment; filename="{name}"'}))


@router.get("/indicateurs/territoires", response_class=HTMLResponse)
def national_page(request: Request, who: NationalMember, session: DbSession,
                  territories: AllTerritories, du: str = "", au: str = ""):
    """Every territory's funnel side by side (and those outside every territory), each
    column masked as on that territory's own page."""
    start, end, wrong = period(du, au, datetime.now(territories.first.timezone).date())
    labels = benefit_labels()
    columns = [(t.id, t.name, t.id) for t in territories]
    if territories.several:
        columns.append(("outside", OUTSIDE, None))
    reports = [(key, name, build(session, start=start, end=end, labels=labels,
                                 only=only(territories, territory_id)))
               for key, name, territory_id in columns]
    return render(request, "national.html", me=who, active="national",
                  territory=SimpleNamespace(name="Tous les territoires"),
                  table=side_by_side(reports), start=start, end=end, small=SMALL,
                  secret=SECRET, error=BAD_PERIOD if wrong else None)
