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
        )


def random_secret() -> str:
    return secrets.token_urlsafe(32)
