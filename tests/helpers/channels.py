"""Channel settings pointed at the local fakes, signed webhooks, and a phone that texts."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from bot.worker import dispatch_once
from tests.bot.channels.fakes import FakeTelegram, FakeTwilio

PUBLIC = "https://passerelle.example.test"
SID = "AC" + "0" * 32
TOKEN = "twilio-auth-token-for-tests"
SMS_FROM = "+33700000000"
WHATSAPP_FROM = "whatsapp:+14155238886"
BOT_TOKEN = "123456:TEST-token"
SECRET = "telegram-webhook-secret"


def twilio_settings(fake: FakeTwilio) -> dict:
    return dict(public_base_url=PUBLIC, twilio_account_sid=SID, twilio_auth_token=TOKEN,
                twilio_sms_from=SMS_FROM, twilio_whatsapp_from=WHATSAPP_FROM,
                twilio_api_base=fake.base, outbox_interval=0)


def telegram_settings(fake: FakeTelegram, mode: str, **more) -> dict:
    values = dict(telegram_bot_token=BOT_TOKEN, telegram_api_base=fake.base,
                  telegram_mode=mode, telegram_webhook_secret=SECRET,
                  public_base_url=PUBLIC, outbox_interval=0)
    values.update(more)
    return values


def sign(path: str, params: dict) -> str:
    return RequestValidator(TOKEN).compute_signature(PUBLIC + path, params)


@dataclass
class Phone:
    """A person texting the bot through the signed Twilio webhook (errbot-style)."""

    client: TestClient
    fake: FakeTwilio
    number: str
    received: list[str] = field(default_factory=list)
    to: str = SMS_FROM  # the number texted: a territory with its own is routed by it

    def send(self, text: str, *, sid: str | None = None, signature: str | None = None):
        params = {"MessageSid": sid or "SM" + uuid.uuid4().hex, "AccountSid": SID,
                  "From": self.number, "To": self.to, "Body": text, "NumMedia": "0"}
        headers = {"X-Twilio-Signature": signature if signature is not None
                   else sign("/webhooks/twilio", params)}
        return self.client.post("/webhooks/twilio", data=params, headers=headers)

    def dispatch(self, **options):
        app = self.client.app
        return dispatch_once(app.state.db, app.state.channels.transports, **options)

    def say(self, text: str) -> list[str]:
        """Sends a message, runs the outbox, returns the SMS parts this number got back."""
        response = self.send(text)
        assert response.status_code == 200, response.text
        self.dispatch()
        return self.new()

    def new(self) -> list[str]:
        bodies = self.fake.bodies(to=self.number)
        fresh = bodies[len(self.received):]
        self.received.extend(fresh)
        return fresh


def wait_for(condition, timeout: float = 30.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out waiting")
