"""Which channels run, from the settings, and their place in the application's lifespan.

Twilio (SMS, WhatsApp) is on when TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are set, Telegram
when TELEGRAM_BOT_TOKEN is. The web chat always is. The outbox dispatcher runs in the app
process whenever a channel sends through it (OUTBOX_INTERVAL=0 turns it off, for tests that
dispatch by hand or a deployment with a separate worker). The pass that retries stored
inbound messages runs in every app process unless OUTBOX_INTERVAL=0, RUN_JOBS or not.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta

from fastapi import APIRouter, FastAPI, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from bot import outbox
from bot.channels import inbound, telegram_bot, twilio_sms
from bot.dialogue.core import DialogueCore
from bot.worker import Dispatcher, Transport
from common.ratelimit import RateLimits
from common.security import chat_api_refusal
from common.settings import Settings

log = logging.getLogger(__name__)
web_router = APIRouter()


def build_transports(settings: Settings) -> dict[str, Transport]:
    transports: dict[str, Transport] = {}
    if settings.twilio_account_sid and settings.twilio_auth_token:
        twilio = twilio_sms.TwilioTransport(settings)
        if settings.twilio_sms_from or settings.twilio_messaging_service_sid:
            transports["sms"] = twilio
        if settings.twilio_whatsapp_from:
            transports["whatsapp"] = twilio
    if settings.telegram_bot_token:
        transports["telegram"] = telegram_bot.TelegramTransport(settings)
    return transports


class Channels:
    def __init__(self, settings: Settings, core: DialogueCore,
                 transports: Mapping[str, Transport] | None = None,
                 limits: RateLimits | None = None):
        self.settings = settings
        self.core = core
        self.limits = limits
        self.transports = dict(build_transports(settings) if transports is None else transports)
        self.dispatcher = Dispatcher(core.db, self.transports,
                                     interval=max(settings.outbox_interval, 0.05),
                                     territory=core.territories)
        # Messages stored by a webhook whose turn failed, tried again with backoff.
        self.inbound_retry = inbound.retry_task(
            core, interval=max(settings.outbox_interval, 1.0), after=self.wake,
            lease=timedelta(seconds=settings.inbound_lease_seconds))
        self.telegram = (telegram_bot.TelegramChannel(settings, core, self.wake, limits)
                         if settings.telegram_bot_token else None)

    def wake(self) -> None:
        self.dispatcher.wake()

    async def start(self) -> None:
        if self.settings.outbox_interval > 0 and self.settings.run_jobs:
            self.dispatcher.start()
        if self.settings.outbox_interval > 0:
            # In every app process, RUN_JOBS or not: a stored message's turn needs the
            # dialogue, which `python -m bot worker` does not have. Under `serve` (RUN_JOBS=0)
            # nothing retried a message whose process was killed in its turn. Several
            # processes may pass together: a claim is a conditional UPDATE (inbound._claim).
            self.inbound_retry.start()
        if self.telegram is not None:
            try:
                await self.telegram.start()
            except Exception:  # noqa: BLE001 - the other channels keep working
                log.exception("Telegram could not start")

    async def stop(self) -> None:
        if self.telegram is not None:
            await self.telegram.stop()
        await self.dispatcher.stop()
        await self.inbound_retry.stop()
        closed = set()
        for transport in self.transports.values():
            if id(transport) not in closed and hasattr(transport, "close"):
                transport.close()
                closed.add(id(transport))


def install(app: FastAPI, settings: Settings, core: DialogueCore,
            limits: RateLimits | None = None) -> Channels:
    """Adds the channels' routes to the app; the lifespan calls start() and stop()."""
    channels = Channels(settings, core, limits=limits)
    app.state.channels = channels
    app.include_router(twilio_sms.router)
    app.include_router(telegram_bot.router)
    app.include_router(web_router)
    return channels


class PollRequest(BaseModel):
    user_id: str = Field(min_length=1, max_length=200)


@web_router.post("/api/chat/messages")
async def web_messages_post(request: Request, body: PollRequest) -> dict:
    """Messages waiting for an integration's person, the id in the body, out of URLs and logs.
    (The chat page polls /api/chat/page/messages with its cookie: bot/web/page.py.)"""
    return await web_messages(request, body.user_id)


@web_router.get("/api/chat/messages")
async def web_messages(request: Request,
                       user_id: str = Query(min_length=1, max_length=200)) -> dict:
    """The same, for integrations written before the POST form (the id shows in URLs)."""
    settings = request.app.state.settings
    refused = chat_api_refusal(settings.chat_api_token, settings.environment,
                               request.headers.get("authorization", ""))
    if refused is not None:
        return JSONResponse({"error": refused[1]}, status_code=refused[0])
    core: DialogueCore = request.app.state.core

    def take() -> list:
        with core.db.session() as session:
            return outbox.take_web(session, address_key=core.address_key("web", user_id))

    waiting = await run_in_threadpool(take)
    return {"replies": [{"text": m.body, "choices": list(m.choices)} for m in waiting]}
