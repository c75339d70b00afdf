"""What console handlers ask for, as FastAPI dependencies.

    session: Session          one unit of work per request, committed before the answer
    who: CurrentAccount       the logged-in account; else a redirect to the login form
    who: CurrentReferent      the same, with a role that works on hand-offs (referent,
                              admin); a « projet » account is sent to its figures or gets 403
    who: CheckedReferent      the same, and the form carries their CSRF token; else a 403
    handoff: HandoffOr404     the hand-off of the path's {handoff_id} in the account's
                              territory; else the 404 page (another territory's too)
    territory: Territory      the account's territory (hand-offs, places, figures)
    dependencies=[audited("take")]  writes who did what to which conversation (console_audit)

A dependency that refuses raises `EarlyAnswer` with the page to send instead: the handler
never runs, and `mount_console` installs the exception handler that sends it. Shared objects
(database, territory, settings) are read from `request.app.state`, set by create_app.
Everything is plain `def`: Starlette runs it in its thread pool, off the event loop.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from bot.console import pages
from common.security import same_secret
from common.settings import Settings
from handoff.accounts import find_session
from storage.accounts import (
    CASEWORK_ROLES,
    FIELD_ROLES,
    FIGURES_ROLES,
    ConsoleAudit,
    ConsoleSession,
)
from storage.handoff import Handoff

COOKIE = "passerelle_console"


class EarlyAnswer(Exception):
    """Raised by a dependency to answer the request without running its handler."""

    def __init__(self, response: Response):
        super().__init__(response.status_code)
        self.response = response


async def send_early_answer(_request: Request, answer: Exception) -> Response:
    assert isinstance(answer, EarlyAnswer)
    return answer.response


@dataclass(frozen=True)
class Referent:
    """The account behind the session cookie, as pages and handlers use it."""

    login: str
    referent_id: str
    name: str  # the first name from the territory file, shown in the header
    csrf: str
    roles: tuple[str, ...]
    # The account's territory: every hand-off, appointment, campaign and figure it sees is
    # this territory's. None: an id no longer configured, which sees nothing.
    territory: Any = None

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def does_casework(self) -> bool:  # the hand-offs and the agenda
        return any(role in self.roles for role in CASEWORK_ROLES)

    @property
    def sees_figures(self) -> bool:
        return any(role in self.roles for role in FIGURES_ROLES)

    @property
    def works_in_the_field(self) -> bool:  # the ambassadors' field page
        return any(role in self.roles for role in FIELD_ROLES)


def database_session(request: Request) -> Iterator[Session]:
    db = request.app.state.db
    with db.sessions() as session:
        try:
            yield session
        except EarlyAnswer:
            # A refusal is a normal answer: keep what was done (an idle session deleted).
            session.commit()
            raise
        except BaseException:
            session.rollback()
            raise
        session.commit()


# scope="function": committed when the handler returns, before the answer is sent, so the
# page a redirect leads to reads what the POST wrote.
DbSession = Annotated[Session, Depends(database_session, scope="function")]


def territories(request: Request) -> Any:
    return request.app.state.territories


def settings(request: Request) -> Settings:
    return request.app.state.settings


AllTerritories = Annotated[Any, Depends(territories)]
AppSettings = Annotated[Settings, Depends(settings)]


def referent_of(row: ConsoleSession, territories: Any) -> Referent:
    territory = territories.of_row(row.account.territory_id)
    known = territory.referents.get(row.account.referent_id) if territory else None
    return Referent(login=row.account.login, referent_id=row.account.referent_id,
                    name=known.first_name if known else row.account.login,
                    csrf=row.csrf_token, roles=tuple(row.account.roles or ()),
                    territory=territory)


def optional_referent(request: Request, session: DbSession, territories: AllTerritories
                      ) -> Referent | None:
    row = find_session(session, request.cookies.get(COOKIE))
    return referent_of(row, territories) if row is not None else None


OptionalReferent = Annotated[Referent | None, Depends(optional_referent)]


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/console/login?next={quote(target)}", status_code=303)


def current_account(request: Request, who: OptionalReferent) -> Referent:
    """The logged-in account; a page asked without a session goes to the login form."""
    if who is None:
        raise EarlyAnswer(login_redirect(request))
    return who


CurrentAccount = Annotated[Referent, Depends(current_account)]

NO_TERRITORY = ("Votre compte est rattaché à un territoire que ce service ne sert plus. "
                "Demandez à l'administrateur de Passerelle de le corriger.")


def account_territory(request: Request, who: CurrentAccount) -> Any:
    """The territory of the logged-in account, which scopes everything it sees."""
    if who.territory is None:
        raise EarlyAnswer(pages.render(request, "refused.html", status=403, message=NO_TERRITORY,
                                       me=who, heading="Accès réservé"))
    return who.territory


Territory = Annotated[Any, Depends(account_territory)]


def in_territory(request: Request, row_territory_id: str | None, territory: Any) -> bool:
    """A hand-off's (or campaign's) territory is the account's; NULL is the first's."""
    return request.app.state.territories.of_row(row_territory_id) is territory


def current_referent(request: Request, who: CurrentAccount) -> Referent:
    """An account that works on hand-offs. The project team sees the figures only: its
    home page sends it there, anything else is refused."""
    if not who.does_casework:
        if request.method == "GET" and request.url.path in ("/console", "/console/"):
            mine = pages.pages_of(who)
            if mine:  # the account's own first page (figures, field, every territory)
                raise EarlyAnswer(RedirectResponse(mine[0].href, status_code=303))
        page = "agenda" if request.url.path.startswith("/console/agenda") else "queue"
        raise EarlyAnswer(pages.role_refusal(request, who, page))
    return who


def current_referent_json(who: OptionalReferent) -> Referent:
    """The same for the JavaScript polling the queue: a 401 it understands, not a page."""
    if who is None:
        raise EarlyAnswer(JSONResponse({"error": "session expirée"}, status_code=401))
    if not who.does_casework:
        raise EarlyAnswer(JSONResponse({"error": "accès réservé"}, status_code=403))
    return who


CurrentReferent = Annotated[Referent, Depends(current_referent)]
CurrentReferentJson = Annotated[Referent, Depends(current_referent_json)]


def checked_referent(request: Request, who: CurrentReferent, csrf: str = Form("")) -> Referent:
    """The logged-in referent of a POST that carries their session's CSRF token."""
    if not same_secret(csrf, who.csrf):
        raise EarlyAnswer(pages.refused(request, who))
    return who


CheckedReferent = Annotated[Referent, Depends(checked_referent)]


def handoff_or_404(request: Request, handoff_id: int, session: DbSession,
                   who: CurrentReferent, territory: Territory) -> Handoff:
    """The hand-off of the path, or the « Introuvable » page (erased, never was, or another
    territory's: the same page, so ids tell nothing about other territories).

    POST handlers declare `CheckedReferent` before it, so a forged form is refused (403)
    before anyone learns whether the hand-off exists.
    """
    handoff = session.get(Handoff, handoff_id)
    if handoff is None or not in_territory(request, handoff.territory_id, territory):
        raise EarlyAnswer(pages.not_found(request, who))
    return handoff


HandoffOr404 = Annotated[Handoff, Depends(handoff_or_404)]


def audit(session: Session, who: Referent, action: str, *, handoff_id: int | None,
          conversation_id: int | None) -> None:
    session.add(ConsoleAudit(login=who.login, referent_id=who.referent_id, action=action,
                             handoff_id=handoff_id, conversation_id=conversation_id))


def audited(action: str) -> Any:
    """A route dependency writing that the referent viewed (GET) or acted on (POST, after
    the CSRF check) the path's hand-off; in the request's unit of work, so an action that
    fails leaves no trace either."""

    def viewed(who: CurrentReferent, handoff: HandoffOr404, session: DbSession) -> None:
        audit(session, who, action, handoff_id=handoff.id,
              conversation_id=handoff.conversation_id)

    def changed(who: CheckedReferent, handoff: HandoffOr404, session: DbSession) -> None:
        audit(session, who, action, handoff_id=handoff.id,
              conversation_id=handoff.conversation_id)

    return Depends(viewed if action == "view" else changed)
