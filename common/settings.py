"""Every setting of Passerelle, read from the environment in one place, typed, each default
written once.

`Settings.from_env()` is how the application, the workers and the operator commands start;
a bad value stops them with a message that names the variable and the value
(« PORT='abc': ... »), never a bare traceback. Tests build `Settings(...)` with keywords.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
# Development only: a fixed key, so a local database stays readable across runs.
DEVELOPMENT_SECRET = "dev-only-secret-key-change-me"
# The local file `make run` uses; the demo console account is only created there by default.
DEFAULT_DATABASE_URL = f"sqlite:///{ROOT / 'var' / 'passerelle.sqlite3'}"


# The messages a person did not just ask for, each with its WhatsApp template (bot/delivery.py).
TEMPLATE_KINDS = ("reminder", "referent_reply", "invitation", "followup")


def parse_templates(value: str) -> dict[tuple[str, str], str]:
    """« reminder.fr=HX…, referent_reply.en=HX… » as {(kind, language): content SID}."""
    templates = {}
    for part in filter(None, (p.strip() for p in value.split(","))):
        name, sep, sid = part.partition("=")
        kind, dot, language = name.strip().partition(".")
        if not sep or not dot or kind not in TEMPLATE_KINDS or not language or not sid.strip():
            raise ValueError(f"expected KIND.LANGUAGE=SID, KIND one of {', '.join(TEMPLATE_KINDS)}")
        templates[(kind, language.strip().lower())] = sid.strip()
    return templates


MIN_SECRET = 32


def strong_secret(value: str) -> bool:
    """Long and varied enough to be random: not a word, a date or a repeated character."""
    return len(value) >= MIN_SECRET and len(set(value)) >= 12


class SettingsError(RuntimeError):
    """A variable is missing or unreadable; the message names it and its value."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore", populate_by_name=True,
                                      str_strip_whitespace=True)

    environment: Literal["development", "production", "test"] = Field(
        "development", validation_alias=AliasChoices("PASSERELLE_ENV", "environment"))
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    database_url: str = DEFAULT_DATABASE_URL
    # The demo console account (demo / demo-passerelle) on another database than the default
    # file: a shared staging database gets a known password only when asked for.
    demo_account: bool = False
    nlu_url: str = "http://127.0.0.1:5005"  # French, the source language
    # The other languages' Rasa servers, one per language: « en=http://127.0.0.1:5006,
    # tr=http://127.0.0.1:5008 ». A language left out works on digits and its words.
    nlu_urls: str = ""
    nlu_timeout: float = Field(0.8, gt=0)
    # Rasa's --auth-token. Unset: a random one for this process (enough when `python -m bot
    # run` starts Rasa itself); with a separate `nlu.manage serve`, set the same on both.
    nlu_token: str = ""
    # Keys the HMAC that indexes channel addresses; must be stable across restarts.
    secret_key: str = ""
    # The credential an integration sends to POST /api/chat (`Authorization: Bearer …`),
    # where it names people with its own user_id. Unset: that API answers in development
    # only (bot/web/guard.py); the chat page has its own server-issued identity.
    chat_api_token: str = ""
    retention_months: int = Field(12, ge=1, le=120)
    # The console audit (who viewed or changed which conversation) is kept this long, then
    # deleted by the retention purge: long enough to answer a person's or an inspector's
    # question about an access, not forever (it outlives the people it is about).
    audit_retention_months: int = Field(12, ge=1, le=120)
    referent_contact: str = "France Services Neudorf, 03 88 00 00 00, lun-ven 9h-17h"
    # One territory file; it serves the postcodes it names (everyone if it names none).
    territory_file: str = ""
    # A directory of territory files, one per territory, served by one deployment; when set,
    # it is used instead of TERRITORY_FILE for routing (handoff.territory.route). With
    # neither, the demo territories of handoff/territories/ (their postcodes only).
    territory_dir: str = ""
    # Whether this process also runs the background jobs (outbox dispatcher, reminders,
    # retention purge). `make run` does (one process doing everything); `python -m bot serve`
    # does not by default: `python -m bot worker` runs them, once for all app processes.
    run_jobs: bool = True
    warm_up_rules: bool = True
    # "thread" computes OpenFisca inside the web process: for benchmarks only.
    rules_worker: Literal["process", "thread"] = "process"
    # Worker processes per app process, each computing its part of the catalogue for the
    # whole batch at once (rules.engine.split_catalogue): 2 computes a batch in ~0.58 s
    # instead of ~0.81 s, for ~200 MB and a quarter more CPU per batch; 1 for a small machine.
    rules_workers: int = Field(2, ge=1, le=2)
    # Micro-batching of checks (bot/batching.py): after the first check of a batch, wait
    # this long for others, extended while they keep arriving, up to the maximum. A burst of
    # 100 turns reaches the batcher over ~1-4 s (each turn's first transaction is ~40 ms of
    # this process's CPU and PostgreSQL round trips), with pauses longer than 0.15 s on a
    # loaded machine: with a 0.05 s window and a 0.5 s maximum it was cut in two batches,
    # the second waiting for the first's whole computation (bench/burst.py). A lone check
    # pays the window once (0.3 s, against seconds of OpenFisca).
    rules_batch_window: float = Field(0.3, gt=0, le=5)
    rules_batch_max_wait: float = Field(4.0, gt=0, le=30)
    # ...unless every turn the process is running waits for a check (common/inflight.py):
    # then the batch starts once no turn arrived for `rules_batch_settle` seconds. With 0.05 s,
    # 2 bursts of 6 were cut in two batches (the 100 requests reach the process over ~1 s, with
    # pauses on a busy machine), the second paying a whole computation more; none of 2 with
    # 0.15 s. Off, every batch waits for its window (the benchmark's comparison).
    rules_batch_early: bool = True
    rules_batch_settle: float = Field(0.15, ge=0, le=5)
    # Threads that run conversation turns (bot/web/threads.py), started at start-up so that
    # a burst of messages does not wait for the event loop to start them one by one; 0 starts
    # them on demand (as before, for the benchmark's comparison).
    web_threads_warm: int = Field(128, ge=0, le=256)
    # Channels (docs/channels.md): each is on when its credentials are set.
    public_base_url: str = ""  # how Twilio and Telegram reach us, e.g. https://bot.example.fr
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_sms_from: str = ""
    twilio_messaging_service_sid: str = ""
    twilio_whatsapp_from: str = ""  # e.g. whatsapp:+14155238886
    twilio_api_base: str = ""  # tests and staging point the real client at a fake
    # The country codes people may write from and be written to by SMS and WhatsApp: a
    # spoofed sender abroad would otherwise have us pay for replies to premium numbers (toll
    # fraud). France and its overseas departments (Réunion and Mayotte, Guadeloupe, Guyane,
    # Martinique); add others as « +33,+262,+590,+594,+596,+687 ».
    allowed_country_codes: str = "+33,+262,+590,+594,+596"
    # Approved WhatsApp templates (Twilio Content API), one per kind and language, for
    # messages outside the 24-hour window: « reminder.fr=HX…, referent_reply.fr=HX…,
    # invitation.fr=HX…, followup.fr=HX… » (bot/delivery.py). A kind without one goes by
    # SMS when the person has a number for it, else it is shown undeliverable to the referent.
    whatsapp_templates: str = ""
    telegram_bot_token: str = ""
    telegram_mode: Literal["polling", "webhook"] = "polling"
    telegram_webhook_secret: str = ""
    telegram_api_base: str = "https://api.telegram.org"
    outbox_interval: float = Field(1.0, ge=0)  # seconds between passes; 0 stops the dispatcher
    # A received message's turn is retried after this long if its process died in the turn.
    inbound_lease_seconds: float = Field(120.0, ge=1)
    # Abuse limits (common/ratelimit.py), shared by every app process through Redis; each
    # process counts alone while Redis does not answer.
    redis_url: str = "redis://127.0.0.1:6379/0"
    rate_limit_prefix: str = "passerelle"  # Redis key prefix: one per deployment sharing a Redis
    web_new_conversations_per_10_min: int = Field(120, ge=1)  # per client address
    # A booking from the web chat needs a mobile number confirmed by an SMS code, and
    # hand-offs from unconfirmed web identities have a per-territory hourly budget (issue 27
    # item 2). Unset: on everywhere but development, where scripts book through the API.
    web_booking_proof: bool | None = None
    messages_per_conversation_per_minute: int = Field(30, ge=1)  # on every channel
    # The field page's one-time consent SMS: per number (whoever sends it) and per account.
    field_consent_sms_per_number_per_day: int = Field(3, ge=1)
    field_consent_sms_per_account_per_hour: int = Field(20, ge=1)
    # Request bodies refused with 413 before they are read: chat API, webhooks, and the rest.
    max_body_bytes: int = Field(16 * 1024, ge=1024)
    console_max_body_bytes: int = Field(64 * 1024, ge=1024)

    @field_validator("public_base_url", "twilio_api_base", "telegram_api_base")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("whatsapp_templates")
    @classmethod
    def _templates(cls, value: str) -> str:
        parse_templates(value)
        return value

    @property
    def web_booking_proof_on(self) -> bool:
        if self.web_booking_proof is None:
            return self.environment != "development"
        return self.web_booking_proof

    @property
    def whatsapp_template_sids(self) -> dict[tuple[str, str], str]:
        """WHATSAPP_TEMPLATES as {(kind, language): content SID}."""
        return parse_templates(self.whatsapp_templates)

    @field_validator("nlu_urls")
    @classmethod
    def _language_urls(cls, value: str) -> str:
        for part in filter(None, (p.strip() for p in value.split(","))):
            code, sep, url = part.partition("=")
            if not sep or not code.strip() or not url.strip().startswith(("http://", "https://")):
                raise ValueError("expected CODE=http://host:port, separated by commas")
        return value

    @property
    def nlu_language_urls(self) -> dict[str, str]:
        """NLU_URLS as {language code: URL}, French (NLU_URL) not included."""
        urls = {}
        for part in filter(None, (p.strip() for p in self.nlu_urls.split(","))):
            code, _sep, url = part.partition("=")
            urls[code.strip().lower()] = url.strip().rstrip("/")
        return urls

    @field_validator("telegram_mode", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _secret_outside_development(self) -> Settings:
        # The development key is public (it is in this file): outside development it would
        # let anyone recompute the address index, sign chat identities and calendar links.
        if not self.secret_key or self.secret_key == DEVELOPMENT_SECRET:
            if self.environment != "development":
                raise ValueError(f"SECRET_KEY must be set (not the development key) when "
                                 f"PASSERELLE_ENV={self.environment}")
            object.__setattr__(self, "secret_key", DEVELOPMENT_SECRET)
        if self.environment == "production" and not strong_secret(self.secret_key):
            raise ValueError(f"SECRET_KEY is too weak for production: at least {MIN_SECRET} "
                             f"characters, random (`python -c 'import secrets; "
                             f"print(secrets.token_urlsafe(48))'`)")
        if not self.nlu_token:
            object.__setattr__(self, "nlu_token", random_secret())
        return self

    @field_validator("allowed_country_codes")
    @classmethod
    def _country_codes(cls, value: str) -> str:
        codes = [code.strip() for code in value.split(",") if code.strip()]
        if not codes or not all(re.fullmatch(r"\+[1-9]\d{0,3}", code) for code in codes):
            raise ValueError("expected country codes such as « +33,+262 »")
        return ",".join(codes)

    @property
    def country_codes(self) -> tuple[str, ...]:
        return tuple(self.allowed_country_codes.split(","))

    def number_allowed(self, number: str) -> bool:
        """Whether this phone number (E.164, `whatsapp:` or not) is in an allowed country."""
        plain = number.removeprefix("whatsapp:").strip()
        return plain.startswith(self.country_codes)

    @model_validator(mode="after")
    def _webhook_needs_its_secret(self) -> Settings:
        # Without it every Telegram update is refused (403), silently: refuse to start.
        if (self.telegram_bot_token and self.telegram_mode == "webhook"
                and not self.telegram_webhook_secret):
            raise ValueError("TELEGRAM_WEBHOOK_SECRET must be set when TELEGRAM_MODE=webhook")
        return self

    @model_validator(mode="after")
    def _no_demo_account_in_production(self) -> Settings:
        if self.demo_account and self.environment == "production":
            raise ValueError("DEMO_ACCOUNT must not be set when PASSERELLE_ENV=production")
        return self

    @property
    def wants_demo_account(self) -> bool:
        """Whether `make run` creates the demo console account (never in production)."""
        if self.environment == "production":
            return False
        return self.demo_account or self.database_url == DEFAULT_DATABASE_URL

    @classmethod
    def from_env(cls) -> Settings:
        """The settings of this process, or a SettingsError naming each bad variable."""
        try:
            return cls()
        except ValidationError as error:
            raise SettingsError(describe(error)) from None


def describe(error: ValidationError) -> str:
    """One line per bad variable: its name as written in the environment, its value, why."""
    lines = []
    for problem in error.errors():
        field = str(problem["loc"][0]) if problem["loc"] else ""
        name = "PASSERELLE_ENV" if field in ("environment", "PASSERELLE_ENV") else field.upper()
        if name:
            lines.append(f"{name}={problem.get('input')!r}: {problem['msg']}")
        else:
            lines.append(problem["msg"].removeprefix("Value error, "))
    return "invalid settings: " + "; ".join(lines)


def random_secret() -> str:
    return secrets.token_urlsafe(32)
