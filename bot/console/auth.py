"""Logging in and out of the console.

The login form comes before any session, so its CSRF protection is a double-submit cookie
(a random token both in a cookie scoped to /console/login and in the form). Failed logins
are limited in the database (handoff/accounts.py).
"""

from __future__ import annotations

import math
import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from bot.console.deps import (
    COOKIE,
    AppSettings,
    DbSession,
    OptionalReferent,
    audit,
    same_secret,
)
from bot.console.pages import refused, render, safe_next
from common.settings import Settings
from handoff.accounts import authenticate, close_session, normalize_login, open_session
from storage.accounts import ConsoleAudit

LOGIN_COOKIE = "passerelle_console_login"
LOGIN_FAILED = "Identifiant ou mot de passe incorrect."
LOGIN_BLOCKED = ("Trop d'essais récents. Réessayez dans {wait}, ou demandez à votre "
                 "responsable.")
LOGIN_BUSY = "Trop de connexions en même temps. Réessayez dans quelques secondes."

router = APIRouter(prefix="/console")


def secure_cookies(settings: Settings) -> bool:
    """Secure (https only) everywhere but on a developer's machine, which serves plain http."""
    return (settings.environment != "development"
            or settings.public_base_url.lower().startswith("https://"))


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, who: OptionalReferent, settings: AppSettings,
               next: str = "/console"):
    if who is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, settings, next=next)


def _login_page(request: Request, settings: Settings, *, next: str, error: str | None = None,
                login: str = "", status: int = 200) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = render(request, "login.html", status=status, csrf=token, next=safe_next(next),
                      login_error=error, login=login, me=None)
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict",
                        secure=secure_cookies(settings), path="/console/login", max_age=3600)
    return response


@router.post("/login")
def login(request: Request, session: DbSession, settings: AppSettings, login: str = Form(""),
          password: str = Form(""), csrf: str = Form(""), next: str = Form("/console")):
    if not same_secret(csrf, request.cookies.get(LOGIN_COOKIE)):
        return refused(request)
    ip = request.client.host if request.client else "unknown"
    result = authenticate(session, login=login, password=password, ip=ip)
    if result.busy:
        page = _login_page(request, settings, next=next, error=LOGIN_BUSY, login=login[:120],
                           status=503)
        page.headers["Retry-After"] = "5"
        return page
    if result.account is None:
        if not result.blocked:  # a password checked, and wrong (refused tries are not:
            # the delays bound these rows, nothing bounds a flood of refusals)
            session.add(ConsoleAudit(login=normalize_login(login)[:120], referent_id="",
                                     action="login_failed"))
        if result.blocked:
            wait = result.retry_after
            said = f"{wait} secondes" if wait < 120 else f"{math.ceil(wait / 60)} minutes"
            page = _login_page(request, settings, next=next, login=login[:120], status=429,
                               error=LOGIN_BLOCKED.format(wait=said))
            page.headers["Retry-After"] = str(wait)
            return page
        return _login_page(request, settings, next=next, error=LOGIN_FAILED, login=login[:120],
                           status=401)
    session.add(ConsoleAudit(login=result.account.login, referent_id=result.account.referent_id,
                             action="login"))
    token, _row = open_session(session, result.account)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="lax",
                        secure=secure_cookies(settings), path="/", max_age=12 * 3600)
    response.delete_cookie(LOGIN_COOKIE, path="/console/login")
    return response


@router.post("/logout")
def logout(request: Request, session: DbSession, who: OptionalReferent, csrf: str = Form("")):
    # Without a live session there is nothing to protect: just back to the login form.
    if who is not None and not same_secret(csrf, who.csrf):
        return refused(request, who)
    if who is not None:
        audit(session, who, "logout", handoff_id=None, conversation_id=None)
    close_session(session, request.cookies.get(COOKIE))
    response = RedirectResponse("/console/login?out=1", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
