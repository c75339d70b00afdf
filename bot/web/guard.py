"""What stands between the Internet and the dialogue: request body sizes, and the rate limits
of the web chat (new conversations per client address, messages per conversation).

The body limit is an ASGI middleware so that a 10 MB body is refused before FastAPI's JSON
or form parser holds any of it: a declared Content-Length over the limit is answered 413
without reading a byte; a chunked body is counted as it arrives and cut at the limit.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import JSONResponse
from sqlalchemy import select
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request

from bot import messages
from bot.dialogue.core import DialogueCore
from bot.dialogue.types import IncomingMessage, Reply
from common.ratelimit import RateLimits
from common.security import chat_api_refusal
from handoff.booking import TooManyBookings
from storage.models import ChannelAddress

RETRY_AFTER = "60"


class BodyTooLarge(StarletteHTTPException):
    """Raised from `receive` when a streamed body passes the limit; FastAPI lets HTTP errors
    through its body parsing, and the app's handler answers it as JSON."""

    def __init__(self, limit: int):
        super().__init__(413, f"request body too large (at most {limit} bytes)")


class BodySizeLimit:
    """413 with a JSON error for bodies over `default` bytes (`console` under /console)."""

    def __init__(self, app: Any, *, default: int, console: int):
        self.app = app
        self.default = default
        self.console = console

    def limit_for(self, path: str) -> int:
        return self.console if path == "/console" or path.startswith("/console/") else self.default

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, limit)
            return
        received = 0
        started = False

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracked_send(message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLarge:
            # Raised where no handler turned it into a response (outside a route).
            if started:
                raise
            await _refuse(send, limit)


def _content_length(scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send, limit: int) -> None:
    body = json.dumps({"error": f"request body too large (at most {limit} bytes)"}).encode()
    await send({"type": "http.response.start", "status": 413, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def integration_refusal(request: Request) -> JSONResponse | None:
    """None when this caller may name the person with a `user_id` (POST /api/chat);
    else the answer to send instead (common/security.py says why)."""
    settings = request.app.state.settings
    refused = chat_api_refusal(settings.chat_api_token, settings.environment,
                               request.headers.get("authorization", ""))
    if refused is None:
        return None
    status, error = refused
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": error}, status_code=status, headers=headers)


def client_address(request: Request) -> str:
    """The client's IP address (uvicorn puts the proxy's X-Forwarded-For there when the
    proxy is trusted: 127.0.0.1 by default, FORWARDED_ALLOW_IPS otherwise)."""
    return request.client.host if request.client else "unknown"


def admit_web(request: Request, core: DialogueCore, limits: RateLimits,
              sender: str) -> JSONResponse | None:
    """None when this web message may be processed; else the 429 answer to send instead.

    Runs in a worker thread: it reads the database and talks to Redis.
    """
    if not known_web(core, sender) and not limits.new_web_conversation(client_address(request)):
        return JSONResponse({"error": messages.text("too_many_conversations")}, status_code=429,
                            headers={"Retry-After": RETRY_AFTER})
    if not limits.message(core.address_key("web", sender)):
        text = messages.text("too_many_messages")
        return JSONResponse({"error": text, "replies": [{"text": text, "choices": []}]},
                            status_code=429, headers={"Retry-After": RETRY_AFTER})
    return None


def known_web(core: DialogueCore, sender: str) -> bool:
    """Whether this web sender has a conversation already (else its message starts one).
    One answered by this process is known without a database session (every web message
    asks: a burst of 100 checks paid 100 sessions for it)."""
    if core.knows("web", sender):
        return True
    key = core.address_key("web", sender)
    with core.db.session() as session:
        return session.scalars(
            select(ChannelAddress.id).where(ChannelAddress.key == key)).first() is not None


def handle_turn(core: DialogueCore, message: IncomingMessage) -> list[Reply]:
    """One turn of the dialogue; a booking past the per-person cap (handoff/booking.py) is
    answered instead of failing the request, its turn rolled back."""
    try:
        return core.handle(message)
    except TooManyBookings as refused:
        return [Reply(messages.text("too_many_bookings", count=refused.count,
                                    contact=core.services.contact))]
