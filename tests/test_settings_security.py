"""Settings that would run an unsafe deployment refuse to load (issue 27, items 13, 14):
the public development SECRET_KEY outside development, a weak key in production, and a
Telegram webhook with no secret (every update refused, silently)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from common.settings import DEVELOPMENT_SECRET, Settings
from tests.helpers.app import TEST_SECRET


def test_outside_development_the_development_key_is_refused():
    assert Settings().secret_key == DEVELOPMENT_SECRET  # development: the known key is fine
    for environment in ("test", "production"):
        with pytest.raises(ValidationError, match="SECRET_KEY must be set"):
            Settings(environment=environment)
        with pytest.raises(ValidationError, match="SECRET_KEY must be set"):
            Settings(environment=environment, secret_key=DEVELOPMENT_SECRET)
    assert Settings(environment="test", secret_key="staging-key").secret_key == "staging-key"


def test_production_needs_a_strong_key():
    for weak in ("s", "changeme", "a" * 40, "2026-12-08-2026-12-08-2026-12-08"):
        with pytest.raises(ValidationError, match="too weak for production"):
            Settings(environment="production", secret_key=weak)
    assert Settings(environment="production", secret_key=TEST_SECRET).secret_key == TEST_SECRET


def test_a_telegram_webhook_without_its_secret_refuses_to_start():
    with pytest.raises(ValidationError, match="TELEGRAM_WEBHOOK_SECRET must be set"):
        Settings(telegram_bot_token="123:abc", telegram_mode="webhook")
    assert Settings(telegram_bot_token="123:abc", telegram_mode="webhook",
                    telegram_webhook_secret="a-long-random-secret").telegram_mode == "webhook"
    assert Settings(telegram_bot_token="123:abc").telegram_mode == "polling"
