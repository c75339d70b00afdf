"""SMS and WhatsApp through Twilio: the signed webhooks in, the REST API out (via the outbox).

Inbound requests count only with a valid X-Twilio-Signature computed over PUBLIC_BASE_URL +
path and the form fields, checked on the raw body before any form parsing; anything else
gets 403 (413 above MAX_BODY) and is not processed. A MessageSid Twilio
delivers twice is processed once. Each message is stored before its turn runs, and a turn
that fails is retried by a periodic pass (bot/channels/inbound.py). The webhook answers with
empty TwiML: the replies leave through the outbox, so a Twilio outage delays them instead of losing them.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import ImmutableMultiDict

from bot import delivery
from bot.channels import inbound
from bot.dialogue.types import IncomingMessage
from bot.outbox import Claimed, PermanentError, TransientError
from common.settings import Settings
from common.threads import run_turn

log = logging.getLogger(__name__)
router = APIRouter()
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
MAX_TEXT = 1000
STATUS_PATH = "/webhooks/twilio/status"
# Twilio's webhook form is ~30 fields and at most 1600 characters of text.
MAX_BODY = 16_384
MAX_FIELDS = 100


def _rebased_http_client(api_base: str, timeout: float):
    """Twilio's own HTTP client, sending to `api_base` instead of api.twilio.com (fakes, proxies)."""
    from twilio.http.http_client import TwilioHttpClient

    class RebasedHttpClient(TwilioHttpClient):
        def request(self, method, url, *args, **kwargs):
            parts = urlsplit(url)
            url = api_base + parts.path + (f"?{parts.query}" if parts.query else "")
            return super().request(method, url, *args, **kwargs)

    return RebasedHttpClient(timeout=timeout)


class TwilioTransport:
    """Sends outbox messages with twilio.rest.Client (one SMS part or WhatsApp message each)."""

    def __init__(self, settings: Settings, *, http_client=None, timeout: float = 15.0):
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        if http_client is None:
            http_client = (_rebased_http_client(settings.twilio_api_base, timeout)
                           if settings.twilio_api_base else TwilioHttpClient(timeout=timeout))
        self.settings = settings
        # Approved WhatsApp templates, {(kind, language): content SID} (bot/delivery.py).
        self.templates = settings.whatsapp_template_sids
        self.client = Client(settings.twilio_account_sid, settings.twilio_auth_token,
                             http_client=http_client)

    def send(self, message: Claimed) -> str | None:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        settings = self.settings
        if not settings.number_allowed(message.recipient or ""):
            # Whatever queued it: never pay for a message abroad (ALLOWED_COUNTRY_CODES).
            raise PermanentError("recipient outside ALLOWED_COUNTRY_CODES")
        options: dict = {"to": message.recipient, "body": message.body}
        if message.content_sid:
            # Outside WhatsApp's 24-hour window: the approved template, never free text.
            options = {"to": message.recipient, "content_sid": message.content_sid,
                       "content_variables": json.dumps(message.variables, ensure_ascii=False)}
        if message.channel == "whatsapp":
            sender = settings.twilio_whatsapp_from
            options["from_"] = sender if sender.startswith("whatsapp:") else f"whatsapp:{sender}"
        elif message.sender:
            # The territory's own number the person wrote to: their answer comes back to it.
            options["from_"] = message.sender
        elif settings.twilio_messaging_service_sid:
            options["messaging_service_sid"] = settings.twilio_messaging_service_sid
        else:
            options["from_"] = settings.twilio_sms_from
        if settings.public_base_url:
            options["status_callback"] = settings.public_base_url + STATUS_PATH
        try:
            return self.client.messages.create(**options).sid
        except TwilioRestException as error:
            if error.status == 429 or error.status >= 500:
                raise TransientError(f"Twilio {error.status}: {error.msg}") from error
            raise PermanentError(f"Twilio {error.status} ({error.code}): {error.msg}") from error
        except (TwilioException, OSError) as error:
            raise TransientError(str(error)) from error
        except Exception as error:  # requests' connection errors and timeouts
            raise TransientError(f"{type(error).__name__}: {error}") from error


class _Refused(Exception):
    def __init__(self, status: int, error: str):
        super().__init__(error)
        self.status, self.error = status, error


async def _raw_body(request: Request) -> bytes:
    """The body, read up to MAX_BODY bytes: a bigger one is refused before it is all read."""
    declared = request.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise _Refused(413, "request body too large")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise _Refused(413, "request body too large")
        chunks.append(chunk)
    return b"".join(chunks)


async def _signed_form(request: Request, settings: Settings) -> ImmutableMultiDict:
    """The form fields, once X-Twilio-Signature is checked against the raw body.

    Starlette's form parser (multipart, files spooled to disk) never sees an unauthenticated
    body: the urlencoded body is split here with a bounded number of fields, every value
    of a repeated field kept (Twilio signs each), and parsed into a form only if signed.
    """
    from twilio.request_validator import RequestValidator

    signature = request.headers.get("X-Twilio-Signature", "")
    if not settings.twilio_auth_token or not signature:
        raise _Refused(403, "invalid Twilio signature")
    raw = await _raw_body(request)
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True,
                          max_num_fields=MAX_FIELDS, strict_parsing=bool(raw))
    except (UnicodeDecodeError, ValueError):
        raise _Refused(403, "invalid Twilio signature") from None
    fields = ImmutableMultiDict(pairs)
    base = settings.public_base_url or f"{request.url.scheme}://{request.url.netloc}"
    url = base + request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if not RequestValidator(settings.twilio_auth_token).validate(url, fields, signature):
        raise _Refused(403, "invalid Twilio signature")
    return fields


def _refusal(refused: _Refused) -> Response:
    return JSONResponse({"error": refused.error}, status_code=refused.status)


@router.post("/webhooks/twilio")
async def twilio_inbound(request: Request) -> Response:
    """An SMS or WhatsApp message from a person."""
    settings: Settings = request.app.state.settings
    try:
        form = await _signed_form(request, settings)
    except _Refused as refused:
        return _refusal(refused)
    sid = form.get("MessageSid") or form.get("SmsSid")
    sender = form.get("From", "")
    text = (form.get("Body") or "").strip()[:MAX_TEXT]
    # A photo or voice note (MMS, WhatsApp) comes with NumMedia and often no text: the
    # dialogue says that only text is read, instead of staying silent.
    media = (form.get("NumMedia") or "0").strip() not in ("", "0")
    if not sid or not sender or not (text or media):
        return Response(EMPTY_TWIML, media_type="application/xml")
    if not settings.number_allowed(sender):
        # A sender abroad (or spoofed as such) gets no reply we would pay for: toll fraud.
        log.info("message from outside ALLOWED_COUNTRY_CODES ignored")
        return Response(EMPTY_TWIML, media_type="application/xml")
    channel = "whatsapp" if sender.startswith("whatsapp:") else "sms"
    metadata: dict = {"media": True} if media else {}
    if form.get("To"):
        # The number written to: a territory with a number of its own is routed by it.
        metadata["to"] = form["To"]
    message = IncomingMessage(channel=channel, sender=sender, text=text, metadata=metadata)
    core = request.app.state.core
    # Stored (committed) first: a turn that fails below is retried later, not lost, and
    # Twilio gets 200 either way (it would not retry a 500).
    stored_id = await run_turn(request, inbound.store, core, message, inbound_id=f"twilio:{sid}")
    if stored_id is not None:
        await run_turn(request, inbound.process_stored, core, stored_id,
                                limits=getattr(request.app.state, "limits", None),
                                lease=timedelta(seconds=settings.inbound_lease_seconds))
    request.app.state.channels.wake()
    return Response(EMPTY_TWIML, media_type="application/xml")


@router.post(STATUS_PATH)
async def twilio_status(request: Request) -> Response:
    """Twilio's delivery report for a message we sent."""
    settings: Settings = request.app.state.settings
    try:
        form = await _signed_form(request, settings)
    except _Refused as refused:
        return _refusal(refused)
    sid, status = form.get("MessageSid"), form.get("MessageStatus")
    if sid and status:
        def update() -> None:
            with request.app.state.db.session() as session:
                delivery.record_report(session, provider_id=sid, status=status,
                                       error_code=form.get("ErrorCode"),
                                       now=request.app.state.core.clock())

        await run_in_threadpool(update)
    return Response(status_code=204)
