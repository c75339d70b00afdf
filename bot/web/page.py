"""The web chat page's own endpoints: its identity is an HttpOnly cookie, never a script's.

An id kept by the page's script (localStorage) and sent in polling URLs let a shared kiosk
continue the previous person's conversation and left the id in every log on the way. Here
the server issues a random token in a cookie the script cannot read (HttpOnly), that no
other site can make the browser send (SameSite=Strict), over https only outside
development (Secure), which lasts until the browser closes. Polling is a POST with that
cookie. « Terminer et effacer » erases the conversation (SUPPRIMER) and clears the cookie,
so the next person on the kiosk starts afresh.

POST /api/chat with a `user_id` stays as it is, for integrations and scripts.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from bot import outbox
from bot.console.auth import secure_cookies
from bot.dialogue.core import DialogueCore
from bot.dialogue.types import IncomingMessage
from bot.web.guard import admit_web, handle_turn, known_web
from bot.web.schemas import ChatText
from common.threads import run_turn

COOKIE = "passerelle_chat"
COOKIE_PATH = "/api/chat/page"
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
ERASE = "SUPPRIMER"  # the dialogue erases the person on this word (bot/dialogue/commands.py)

router = APIRouter(prefix=COOKIE_PATH)


def _token(request: Request) -> str | None:
    value = request.cookies.get(COOKIE, "")
    return value if TOKEN.fullmatch(value) else None


def _sender(token: str) -> str:
    # Its own namespace: an integration's user_id never meets a page's conversation by chance.
    return f"page:{token}"


def _set_cookie(request: Request, response: JSONResponse, token: str) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path=COOKIE_PATH,
                        secure=secure_cookies(request.app.state.settings))


@router.post("")
async def page_message(request: Request, body: ChatText) -> JSONResponse:
    """One message from the page: the replies, and a fresh cookie for a new conversation."""
    return await run_turn(request, _page_turn, request, body)


def _page_turn(request: Request, body: ChatText) -> JSONResponse:
    core: DialogueCore = request.app.state.core
    token = _token(request)
    issued = token is None
    token = token or secrets.token_urlsafe(32)
    refused = admit_web(request, core, request.app.state.limits, _sender(token))
    if refused is not None:
        return refused
    replies = handle_turn(core, IncomingMessage(channel="web", sender=_sender(token),
                                                text=body.text))
    response = JSONResponse({"replies": [r.as_dict() for r in replies if not r.brief]})
    if issued:
        _set_cookie(request, response, token)
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
    response = JSONResponse({"replies": [r.as_dict() for r in replies if not r.brief]})
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict",
                           secure=secure_cookies(request.app.state.settings))
    return response

