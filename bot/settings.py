"""One settings object, read from the environment once at start."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str = f"sqlite:///{ROOT / 'var' / 'passerelle.sqlite3'}"
    nlu_url: str = "http://127.0.0.1:5005"
    nlu_timeout: float = 0.8
    # Keys the HMAC that indexes channel addresses; must be stable across restarts.
    secret_key: str = ""
    retention_months: int = 12
    referent_contact: str = "France Services Neudorf, 03 88 00 00 00, lun-ven 9h-17h"
    warm_up_rules: bool = True
    # Channels (docs/channels.md): each is on when its credentials are set.
    public_base_url: str = ""  # how Twilio and Telegram reach us, e.g. https://bot.example.fr
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_sms_from: str = ""
    twilio_messaging_service_sid: str = ""
    twilio_whatsapp_from: str = ""  # e.g. whatsapp:+14155238886
    twilio_api_base: str = ""  # tests and staging point the real client at a fake
    telegram_bot_token: str = ""
    telegram_mode: str = "polling"  # or "webhook"
    telegram_webhook_secret: str = ""
    telegram_api_base: str = "https://api.telegram.org"
    outbox_interval: float = 1.0  # seconds between two passes of the dispatcher
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> "Settings":
        environment = _env("PASSERELLE_ENV", "development")
        secret = os.environ.get("SECRET_KEY", "").strip()
        if not secret:
            if environment == "production":
                raise RuntimeError("SECRET_KEY must be set in production")
            # Development only: a fixed key so the local database stays readable across runs.
            secret = "dev-only-secret-key-change-me"
        return cls(
            environment=environment,
            host=_env("HOST", "127.0.0.1"),
            port=int(_env("PORT", "8000")),
            database_url=_env("DATABASE_URL", cls.database_url),
            nlu_url=_env("NLU_URL", "http://127.0.0.1:5005"),
            nlu_timeout=float(_env("NLU_TIMEOUT", "0.8")),
            secret_key=secret,
            retention_months=int(_env("RETENTION_MONTHS", "12")),
            referent_contact=_env("REFERENT_CONTACT", cls.referent_contact),
            warm_up_rules=_env("WARM_UP_RULES", "1") not in ("0", "false", "no"),
            public_base_url=_env("PUBLIC_BASE_URL", "").rstrip("/"),
            twilio_account_sid=_env("TWILIO_ACCOUNT_SID", ""),
            twilio_auth_token=_env("TWILIO_AUTH_TOKEN", ""),
            twilio_sms_from=_env("TWILIO_SMS_FROM", ""),
            twilio_messaging_service_sid=_env("TWILIO_MESSAGING_SERVICE_SID", ""),
            twilio_whatsapp_from=_env("TWILIO_WHATSAPP_FROM", ""),
            twilio_api_base=_env("TWILIO_API_BASE", "").rstrip("/"),
            telegram_bot_token=_env("TELEGRAM_BOT_TOKEN", ""),
            telegram_mode=_env("TELEGRAM_MODE", "polling").lower(),
            telegram_webhook_secret=_env("TELEGRAM_WEBHOOK_SECRET", ""),
            telegram_api_base=_env("TELEGRAM_API_BASE", "https://api.telegram.org").rstrip("/"),
            outbox_interval=float(_env("OUTBOX_INTERVAL", "1.0")),
        )


def random_secret() -> str:
    return secrets.token_urlsafe(32)
