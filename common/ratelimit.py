"""Rate limits shared by every process of the application, through Redis.

Counting in one process would let a script spread its requests over the workers (or wait
for a restart): the windows live in Redis (REDIS_URL), with the `limits` library's moving
window, so two app processes on one machine count together. When Redis does not answer,
the limits go on in this process's memory (per process, forgotten at restart), a warning is
logged once, and Redis is tried again every RETRY_SECONDS; /healthz says which is in use.

Identifiers are never personal data in clear: callers pass a client address or the HMAC
address key of a conversation, never a phone number or a user id.
"""

from __future__ import annotations

import logging
import threading
import time

from limits import RateLimitItem, RateLimitItemPerDay, RateLimitItemPerHour, RateLimitItemPerMinute
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter

from common.settings import Settings

log = logging.getLogger(__name__)
RETRY_SECONDS = 30.0


class SharedLimiter:
    """A moving-window limiter on Redis, falling back to memory when Redis is away."""

    def __init__(self, redis_url: str, *, prefix: str):
        self._redis_storage = RedisStorage(redis_url, key_prefix=prefix, wrap_exceptions=True,
                                           socket_connect_timeout=0.25, socket_timeout=0.5)
        self._redis = MovingWindowRateLimiter(self._redis_storage)
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._lock = threading.Lock()
        self._on_redis = self._redis_answers()
        self._checked_at = time.monotonic()
        self._warned = False
        if not self._on_redis:
            self._fall_back("Redis does not answer at start")

    @property
    def backend(self) -> str:
        """"redis" when the limits are shared, "local" while this process counts alone."""
        self._maybe_retry()
        return "redis" if self._on_redis else "local"

    def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        """Counts one request; False when it is over the limit (and then it is not counted)."""
        self._maybe_retry()
        if self._on_redis:
            try:
                return self._redis.hit(item, *identifiers)
            except StorageError:
                self._fall_back("Redis stopped answering")
        return self._local.hit(item, *identifiers)

    def test(self, item: RateLimitItem, *identifiers: str) -> bool:
        """Whether one more request would be within the limit, counting nothing."""
        self._maybe_retry()
        if self._on_redis:
            try:
                return self._redis.test(item, *identifiers)
            except StorageError:
                self._fall_back("Redis stopped answering")
        return self._local.test(item, *identifiers)

    def _redis_answers(self) -> bool:
        try:
            return bool(self._redis_storage.check())
        except Exception:  # noqa: BLE001 - any failure to answer means "not now"
            return False

    def _fall_back(self, why: str) -> None:
        with self._lock:
            self._on_redis = False
            self._checked_at = time.monotonic()
            if not self._warned:
                self._warned = True
                log.warning("%s: rate limits are counted in this process only until it is back",
                            why)

    def _maybe_retry(self) -> None:
        if self._on_redis or time.monotonic() - self._checked_at < RETRY_SECONDS:
            return
        with self._lock:
            if self._on_redis or time.monotonic() - self._checked_at < RETRY_SECONDS:
                return
            self._checked_at = time.monotonic()
            if self._redis_answers():
                log.info("Redis answers again: rate limits are shared again")
                self._on_redis = True


class RateLimits:
    """The application's limits, named, with their sizes from the settings."""

    def __init__(self, settings: Settings, limiter: SharedLimiter | None = None):
        self.limiter = limiter or SharedLimiter(settings.redis_url, prefix=settings.rate_limit_prefix)
        self.new_web = RateLimitItemPerMinute(settings.web_new_conversations_per_10_min, 10)
        self.per_conversation = RateLimitItemPerMinute(settings.messages_per_conversation_per_minute)
        # On paying channels the « too many messages » answer goes once a minute, not to
        # every message of a flood.
        self.notice = RateLimitItemPerMinute(1)
        # A field check's one-time consent SMS: each costs money and reaches a phone whose
        # holder may not be there (bot/console/fieldwork.py).
        self.field_sms_number = RateLimitItemPerDay(settings.field_consent_sms_per_number_per_day)
        self.field_sms_account = RateLimitItemPerHour(
            settings.field_consent_sms_per_account_per_hour)

    @property
    def backend(self) -> str:
        return self.limiter.backend

    def new_web_conversation(self, client_address: str) -> bool:
        """A new web conversation from this client address: False past the limit."""
        return self.limiter.hit(self.new_web, "web-new", client_address)

    def message(self, conversation_key: str) -> bool:
        """One more message in this conversation (its HMAC key): False past the limit."""
        return self.limiter.hit(self.per_conversation, "message", conversation_key)

    def field_consent_sms(self, number_key: str, login: str) -> bool:
        """One more consent SMS to this number (its keyed hash, never the number) from this
        console account: False past either limit (then neither is counted)."""
        if not self.limiter.test(self.field_sms_number, "field-sms-number", number_key):
            return False
        if not self.limiter.test(self.field_sms_account, "field-sms-account", login):
            return False
        return (self.limiter.hit(self.field_sms_number, "field-sms-number", number_key)
                and self.limiter.hit(self.field_sms_account, "field-sms-account", login))

    def refusal_notice(self, conversation_key: str) -> bool:
        """Whether to tell this conversation now that it sends too many messages."""
        return self.limiter.hit(self.notice, "notice", conversation_key)
