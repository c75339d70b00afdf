"""The HTTP application: web chat page, chat API, health check.

Channel adapters are thin: this one turns a JSON body into an IncomingMessage and the
core's replies into JSON. The core is synchronous (database and OpenFisca work), so the
chat endpoint hands each turn to the turn threads (common/threads.py), off the event loop:
started with the app, so that a burst of messages does not wait for threads to start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot import language, parsing
from bot.dialogue.core import DialogueCore
from bot.dialogue.types import IncomingMessage
from bot.web.guard import BodySizeLimit, admit_web, handle_turn, integration_refusal
from bot.web.schemas import MAX_TEXT, ChatRequest
from common import log_redaction
from common.inflight import CountTurns
from common.ratelimit import RateLimits
from common.settings import Settings
from common.threads import TurnThreads, run_turn
from storage.db import Database

log = logging.getLogger(__name__)
WEB_THREADS = 256


def _error_message(error: RequestValidationError) -> str:
    first = error.errors()[0] if error.errors() else {}
    if first.get("type") == "json_invalid":
        return "invalid JSON body"
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    problem = first.get("msg", "invalid request")
    if first.get("type") == "string_too_long":
        problem = f"too long (at most {MAX_TEXT} characters)" if where == "text" else problem
    return f"{where}: {problem}" if where else problem


def create_app(settings: Settings | None = None, *, db: Database | None = None,
               eligibility: Any = None, interpreter: Any = None, territory: Any = None,
               territories: Any = None, clock: Any = None,
               limits: RateLimits | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    # Before any client exists: httpx would log the Telegram token in each polled URL.
    log_redaction.install([settings.telegram_bot_token, settings.twilio_auth_token,
                           settings.telegram_webhook_secret, settings.secret_key,
                           settings.nlu_token, settings.chat_api_token])
    # Shared with the other app processes through Redis (common/ratelimit.py).
    limits = limits or RateLimits(settings)
    from handoff.territory import Territories

    if territories is None:
        # `territory` alone: a deployment of that one territory, as TERRITORY_FILE gives;
        # else TERRITORY_DIR, or TERRITORY_FILE, or the demo territories.
        territories = Territories.of(territory) if territory is not None else \
            Territories.from_settings(settings.territory_dir, settings.territory_file)
    territory = territories.first
    db = db or Database(settings.database_url)
    owns_eligibility = eligibility is None  # then its worker process is ours to stop
    if eligibility is None:
        from bot.eligibility import EligibilityService

        eligibility = EligibilityService()
    if interpreter is None:
        interpreter = _default_interpreter(settings)
    options = {"clock": clock} if clock is not None else {}
    core = DialogueCore(db, eligibility, interpreter, secret_key=settings.secret_key,
                        referent_contact=settings.referent_contact,
                        retention_months=settings.retention_months, territories=territories,
                        public_base_url=settings.public_base_url,
                        web_booking_proof=settings.web_booking_proof_on, **options)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        db.migrate()
        if settings.environment == "production":
            from handoff.accounts import refuse_demo_account

            with db.session() as session:
                refuse_demo_account(session)  # its password is in the README
        # A chat turn that runs an eligibility check holds a thread ~2-3 s while its batch
        # is computed in the rules worker: with Starlette's default 40 threads, an SMS
        # campaign's burst of checks would leave ordinary turns queueing for a thread.
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = max(limiter.total_tokens, WEB_THREADS)
        # The turns' own threads, started now rather than during the first burst.
        await anyio.to_thread.run_sync(turn_threads.start)
        turn_threads.install(asyncio.get_running_loop())
        if settings.warm_up_rules and hasattr(eligibility, "start_warm_up"):
            eligibility.start_warm_up()
        await app.state.channels.start()
        if settings.run_jobs:  # otherwise `python -m bot worker` runs them (RUN_JOBS=0)
            app.state.retention.start()  # erases people silent past RETENTION_MONTHS, daily
            app.state.reminders.start()  # queues the day-before reminders, every 5 minutes
            app.state.campaigns.start()  # campaign invitations, in allowed hours, every minute
            app.state.alerts.start()  # referents on duty told of urgent hand-offs, every 20 s
        try:
            yield
        finally:
            await app.state.alerts.stop()
            await app.state.campaigns.stop()
            await app.state.reminders.stop()
            await app.state.retention.stop()
            await app.state.channels.stop()
            if owns_eligibility and hasattr(eligibility, "close"):
                await anyio.to_thread.run_sync(eligibility.close)
            turn_threads.close()

    # No API description in production: it maps every console route for whoever asks.
    openapi_url = None if settings.environment == "production" else "/openapi.json"
    app = FastAPI(title="Passerelle", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=openapi_url)
    if settings.environment != "development":
        app.add_middleware(StrictTransportSecurity)
    # Before any parser reads a body: a 10 MB JSON or form is refused unread (bot/web/guard.py).
    app.add_middleware(BodySizeLimit, default=settings.max_body_bytes,
                       console=settings.console_max_body_bytes)
    # Outermost: a turn counts from its request's arrival (the rules batcher reads the count).
    app.add_middleware(CountTurns)
    app.state.limits = limits
    app.state.core = core
    turn_threads = TurnThreads(WEB_THREADS, settings.web_threads_warm)
    app.state.turn_threads = turn_threads
    app.state.db = db
    app.state.settings = settings
    from handoff.retention import PurgeLoop

    app.state.retention = PurgeLoop(db, months=settings.retention_months, clock=core.clock,
                                   audit_months=settings.audit_retention_months)
    from bot.reminders import ReminderLoop

    app.state.reminders = ReminderLoop(db, territories, clock=core.clock)
    from bot.campaigns import CampaignLoop

    app.state.campaigns = CampaignLoop(db, territories, clock=core.clock)
    from bot.alerts import AlertLoop

    app.state.alerts = AlertLoop(db, territories, console_url=settings.public_base_url,
                                 clock=core.clock)
    # SMS, WhatsApp, Telegram and the outbox dispatcher (bot/channels, docs/channels.md).
    from bot.channels import setup as channels

    channels.install(app, settings, core, limits=limits)
    app.state.territory = territory  # the first: what a one-territory deployment serves
    app.state.territories = territories

    from bot.console import errors as console_errors

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError):
        if console_errors.wants_page(request):  # a referent's browser: a page in words
            return await run_in_threadpool(console_errors.unreadable_page, request,
                                           list(error.errors()))
        return JSONResponse({"error": _error_message(error)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):
        if error.status_code == 404 and console_errors.wants_page(request):
            return await run_in_threadpool(console_errors.not_found_page, request)
        return JSONResponse({"error": str(error.detail)}, status_code=error.status_code)

    from bot.web import page, ui

    @app.get("/")
    def chat_page(request: Request) -> HTMLResponse:
        return page.chat_page(request)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        """`status`, `nlu`, `rules` as the contract says, and `reasons`; then what tells a
        stuck service apart from a working one: the batch the rules worker has been on for
        how long (killed at its deadline), the database, the outbox backlog.

        503 (`down`) when the service cannot do its job: the database does not answer, no
        NLU server answers, or the rules failed to warm up after their retries. 200
        `degraded` when it works with less: some languages' NLU down, rules still warming.
        """
        servers = _nlu_servers(interpreter)
        rules = getattr(eligibility, "status", "ready")
        health: dict[str, Any] = {
            "nlu": "up" if servers.get(language.SOURCE) else "down",  # French's, as before
            "nlu_languages": {code: "up" if up else "down" for code, up in servers.items()},
            "rules": rules, "rules_busy_seconds": getattr(eligibility, "busy_seconds", 0)}
        health.update(_storage_health(db, core.clock()))
        # "local": Redis does not answer and each process counts its own limits.
        health["limits"] = limits.backend
        fatal, partial = _health_reasons(health, servers)
        health["status"] = "down" if fatal else "degraded" if partial else "ok"
        health["reasons"] = fatal + partial
        return JSONResponse(health, status_code=503 if fatal else 200)

    @app.post("/api/chat", response_model=None)
    async def chat(request: Request, body: ChatRequest) -> JSONResponse:
        refused = integration_refusal(request)
        if refused is not None:
            return refused

        def turn() -> JSONResponse:
            refused = admit_web(request, core, limits, body.user_id)
            if refused is not None:
                return refused
            replies = handle_turn(core, IncomingMessage(channel="web", sender=body.user_id,
                                                        text=body.text))
            # Plain JSON already: a JSONResponse skips FastAPI's jsonable_encoder, which walks
            # every reply of a result in Python (a check's ~15) on the event loop. With the
            # conversation's language after the turn and the page's texts in it (bot/web/ui.py).
            return JSONResponse({"replies": [reply.as_dict() for reply in replies
                                             if not reply.brief],
                                 **ui.page(core.language_of("web", body.user_id))})

        return await run_turn(request, turn)

    @app.get("/api/appointments/{appointment_id}.ics")
    def appointment_calendar(appointment_id: int, token: str = "") -> Response:
        """The calendar file linked from a booking confirmation (web and Telegram)."""
        from common.security import same_secret
        from handoff.ics import appointment_ics
        from storage.handoff import Appointment

        if not same_secret(token, core.appointment_token(appointment_id)):
            return JSONResponse({"error": "not found"}, status_code=404)
        with db.session() as session:
            appointment = session.get(Appointment, appointment_id)
            if appointment is None:
                return JSONResponse({"error": "not found"}, status_code=404)
            # The appointment's own territory: its places, referents and time zone.
            own = territories.of_row(appointment.handoff.territory_id)
            if own is None:
                return JSONResponse({"error": "not found"}, status_code=404)
            body = appointment_ics(appointment, own)
        return Response(body, media_type="text/calendar; charset=utf-8", headers={
            "Content-Disposition": 'attachment; filename="rendez-vous.ics"'})

    app.include_router(page.router)  # the chat page's cookie endpoints: /api/chat/page
    from bot.console import mount_console

    mount_console(app)  # the referent console: /console
    return app


class StrictTransportSecurity:
    """Outside development the service is reached over https only (behind its proxy): tell
    browsers never to try plain http, where a session cookie could be read on the way."""

    HEADER = (b"strict-transport-security", b"max-age=31536000")

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_hsts(message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), self.HEADER]
            await send(message)

        await self.app(scope, receive, send_with_hsts)


def _storage_health(db: Database, now: Any) -> dict[str, Any]:
    """The database answers or not; messages waiting to be sent and the oldest one's age."""
    from sqlalchemy import func, select

    from storage.models import InboundMessage, OutboxMessage

    try:
        with db.session() as session:
            count, oldest = session.execute(
                select(func.count(), func.min(OutboxMessage.created_at))
                .where(OutboxMessage.status.in_(("pending", "sending")),
                       OutboxMessage.channel != "web")).one()
            # Received messages whose turn failed and waits for a retry (or was given up).
            inbound = dict(session.execute(
                select(InboundMessage.status, func.count()).group_by(InboundMessage.status)).all())
    except Exception:  # noqa: BLE001 - a health check never fails the request
        log.warning("healthz: the database does not answer")
        return {"database": "down", "outbox_pending": None, "outbox_oldest_seconds": None,
                "inbound_pending": None, "inbound_failed": None}
    age = 0
    if oldest is not None:
        if oldest.tzinfo is None:  # SQLite gives naive UTC datetimes back
            oldest = oldest.replace(tzinfo=now.tzinfo)
        age = max(int((now - oldest).total_seconds()), 0)
    return {"database": "up", "outbox_pending": count, "outbox_oldest_seconds": age,
            "inbound_pending": inbound.get("pending", 0), "inbound_failed": inbound.get("failed", 0)}


def _nlu_servers(interpreter: Any) -> dict[str, bool]:
    """Each language's NLU server, answering or not (French's alone for a plain client;
    none without an interpreter)."""
    if interpreter is None:
        return {language.SOURCE: False}
    try:
        if hasattr(interpreter, "status"):
            return {code: bool(up) for code, up in interpreter.status().items()}
        return {language.SOURCE: bool(interpreter.is_up())}
    except Exception:  # noqa: BLE001 - a health check never fails the request
        return {language.SOURCE: False}


def _health_reasons(health: dict[str, Any], servers: dict[str, bool]) -> tuple[list[str], list[str]]:
    """Why the service cannot do its job (fatal), and what works with less (partial)."""
    fatal: list[str] = []
    partial: list[str] = []
    if health["database"] != "up":
        fatal.append("database unreachable")
    down = sorted(code for code, up in servers.items() if not up)
    if servers and len(down) == len(servers):
        fatal.append("no NLU server answers")
    elif down:
        partial.append(f"NLU down for: {', '.join(down)}")
    if health["rules"] == "failed":
        fatal.append("rules failed to warm up after their retries")
    elif health["rules"] != "ready":
        partial.append(f"rules {health['rules']}")
    return fatal, partial


def _default_interpreter(settings: Settings) -> Any:
    """French's Rasa (NLU_URL) and each other language's (NLU_URLS), one token for all."""
    try:
        from nlu.client import LanguageNlu, NluClient
    except ImportError:
        log.warning("nlu.client is not available: digits and keywords only")
        return None
    clients = {language.SOURCE: NluClient(settings.nlu_url, timeout=settings.nlu_timeout,
                                          token=settings.nlu_token)}
    for code, url in settings.nlu_language_urls.items():
        if code != language.SOURCE:
            clients[code] = NluClient(url, timeout=settings.nlu_timeout, token=settings.nlu_token,
                                      number_reader=number_reader(code))
    return LanguageNlu(clients, source=language.SOURCE)


def number_reader(code: str) -> Callable[[str], int | float | None]:
    """How the model's number entities are read in language `code`: its number words
    (« twelve hundred », « otuz dört »), Arabic-Indic digits, « 1,200 » (bot/parsing.py)."""
    def read(text: str) -> int | float | None:
        with language.use(code):
            values = parsing.numbers_in(text)
        if not values:
            return None
        return int(values[0]) if float(values[0]).is_integer() else values[0]

    return read
