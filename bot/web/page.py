"""The web chat page's own endpoints: its identity is an HttpOnly cookie, never a script's.

An id kept by the page's script (localStorage) and sent in polling URLs let a shared kiosk
continue the previous person's conversation and left the id in every log on the way. Here
the server issues a random token in a cookie the script cannot read (HttpOnly), that no
other site can make the browser send (SameSite=Strict), over https only outside
development (Secure), which lasts until the browser closes. Polling is a POST with that
cookie. « Terminer et effacer » erases the conversation (SUPPRIMER) and clears the cookie,
so the next person on the kiosk starts afresh.

The page speaks the conversation's language (bot/web/ui.py): each answer says it, and a
second cookie keeps only that language's code, so that the page, reloaded, is first drawn
in it (the identity cookie is sent to the chat endpoints only, not with the page's GET).

The token is a random part and its HMAC with SECRET_KEY: a cookie the server did not issue
(one of the right shape, made up or copied from a log of another deployment) is never an
identity here, it is replaced by a new one. POST /api/chat with a `user_id` is for
integrations holding CHAT_API_TOKEN (bot/web/guard.py), and for scripts in development.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot import language, outbox
from bot.console.auth import secure_cookies
from bot.dialogue.core import DialogueCore
from bot.dialogue.types import IncomingMessage
from bot.web import ui
from bot.web.guard import admit_web, handle_turn, known_web
from bot.web.schemas import ChatText
from common.security import same_secret
from common.threads import run_turn

COOKIE = "passerelle_chat"
COOKIE_PATH = "/api/chat/page"
# secrets.token_urlsafe(32), a dot, its HMAC-SHA256 in URL-safe base64 without padding.
TOKEN = re.compile(r"([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})")
ERASE = "SUPPRIMER"  # the dialogue erases the person on this word (bot/dialogue/commands.py)
# The conversation's language, and nothing else: read when the page itself is served.
LANGUAGE_COOKIE = "passerelle_lang"
CHAT_POLICY = ("default-src 'none'; script-src 'nonce-{0}'; style-src 'nonce-{0}'; "
               "connect-src 'self'; img-src 'self' data:; form-action 'self'; "
               "frame-ancestors 'none'; base-uri 'none'")
_templates = Environment(loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
                         autoescape=select_autoescape(("html",)))

router = APIRouter(prefix=COOKIE_PATH)


def _signature(request: Request, random_part: str) -> str:
    key = request.app.state.settings.secret_key.encode()
    digest = hmac.new(key, f"chat-page:{random_part}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _issue(request: Request) -> str:
    random_part = secrets.token_urlsafe(32)
    return f"{random_part}.{_signature(request, random_part)}"


def _token(request: Request) -> str | None:
    """The page's identity, if this server issued it."""
    value = request.cookies.get(COOKIE, "")
    match = TOKEN.fullmatch(value)
    if match is None or not same_secret(match.group(2), _signature(request, match.group(1))):
        return None
    return value


def _sender(token: str) -> str:
    # Its own namespace: an integration's user_id never meets a page's conversation by chance.
    return f"page:{token}"


def _set_cookie(request: Request, response: JSONResponse, token: str) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path=COOKIE_PATH,
                        secure=secure_cookies(request.app.state.settings))


def _set_language(request: Request, response: JSONResponse, code: str) -> None:
    # Until the browser closes, like the identity it goes with; for the page's GET (path /).
    response.set_cookie(LANGUAGE_COOKIE, code, httponly=True, samesite="strict", path="/",
                        secure=secure_cookies(request.app.state.settings))


def chat_page(request: Request) -> HTMLResponse:
    """The chat page, drawn in the language this browser's conversation is in, else French."""
    code = request.cookies.get(LANGUAGE_COOKIE)
    shown = ui.page(code if code in language.available() else language.SOURCE)
    nonce = secrets.token_urlsafe(16)
    html = _templates.get_template("chat.html").render(page=shown, ui=shown["ui"], nonce=nonce)
    # Only the page's own style and script run (their nonce, new for each page): a text
    # that slipped through escaping could not run a script nor send anything elsewhere.
    return HTMLResponse(html, headers={"Content-Security-Policy": CHAT_POLICY.format(nonce)})


@router.post("")
async def page_message(request: Request, body: ChatText) -> JSONResponse:
    """One message from the page: the replies, and a fresh cookie for a new conversation."""
    return await run_turn(request, _page_turn, request, body)


def _page_turn(request: Request, body: ChatText) -> JSONResponse:
    core: DialogueCore = request.app.state.core
    token = _token(request)
    issued = token is None
    token = token or _issue(request)
    refused = admit_web(request, core, request.app.state.limits, _sender(token))
    if refused is not None:
        return refused
    replies = handle_turn(core, IncomingMessage(channel="web", sender=_sender(token),
                                                text=body.text))
    # After the turn: the turn that switched the language already answers in the new one.
    shown = ui.page(core.language_of("web", _sender(token)))
    response = JSONResponse({"replies": [r.as_dict() for r in replies if not r.brief], **shown})
    if issued:
        _set_cookie(request, response, token)
    if request.cookies.get(LANGUAGE_COOKIE) != shown["language"]:
        _set_language(request, response, shown["language"])
    return response


@router.post("/messages")
async def page_messages(request: Request) -> dict[str, Any]:
    """Messages waiting for this page (a referent's reply): the page polls with its cookie."""
    token = _token(request)
    if token is None:
        return {"replies": []}
    core: DialogueCore = request.app.state.core

    def take() -> list:
        with core.db.session() as session:
            return outbox.take_web(session, address_key=core.address_key("web", _sender(token)))

    waiting = await run_turn(request, take)
    return {"replies": [{"text": m.body, "choices": list(m.choices)} for m in waiting]}


@router.post("/end")
def end_conversation(request: Request) -> JSONResponse:
    """« Terminer et effacer »: erase this conversation and forget the cookie."""
    token = _token(request)
    replies: list = []
    if token is not None:
        core: DialogueCore = request.app.state.core
        # Erasure is never rate limited; with no conversation yet, there is nothing to erase.
        if known_web(core, _sender(token)):
            replies = core.handle(IncomingMessage(channel="web", sender=_sender(token), text=ERASE))
    # The next person on the kiosk finds the page in French.
    response = JSONResponse({"replies": [r.as_dict() for r in replies if not r.brief],
                             **ui.page(language.SOURCE)})
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict",
                           secure=secure_cookies(request.app.state.settings))
    response.delete_cookie(LANGUAGE_COOKIE, path="/", httponly=True, samesite="strict",
                           secure=secure_cookies(request.app.state.settings))
    return response

