"""Secrets and phone numbers out of every log line.

httpx logs `POST https://api.telegram.org/bot<TOKEN>/getUpdates` at INFO, twilio's client
logs each request (its URL, headers) at INFO, and providers quote the number in their error
messages. `install()` does two things, once per process, before anything logs:

- the noisy client loggers (httpx, httpcore, twilio, urllib3, telegram's network layer) are
  set to WARNING;
- every record is redacted when it is created (a log record factory, so it holds whatever
  handler, formatter or level someone configures later, pytest's included): bot tokens in
  URLs, the secrets passed in, Basic/Bearer credentials, `token=` query parameters, and phone
  numbers (E.164, `%2B`-encoded, French « 06 12 34 56 78 »). The message is rendered and
  its arguments dropped (when something was redacted); a traceback is redacted too.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

NOISY = ("httpx", "httpcore", "twilio", "twilio.http_client", "urllib3", "telegram.request",
         "telegram.ext.Updater", "hpack")
KEEP_ARGS = ("uvicorn.access",)
PHONE = "<numéro>"
SECRET = "<secret>"

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # Telegram Bot API URLs: /bot<token>/method and /file/bot<token>/path
    (re.compile(r"(/bot)[^/\s\"']+"), r"\1" + SECRET),
    # A bare Telegram bot token: digits, colon, 30+ characters.
    (re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}"), SECRET),
    (re.compile(r"((?:Basic|Bearer)\s+)[A-Za-z0-9+/=._-]+", re.IGNORECASE), r"\1" + SECRET),
    (re.compile(r"((?:[?&]|\b)(?:token|auth_token|secret|password)=)[^&\s\"']+",
                re.IGNORECASE), r"\1" + SECRET),
    # E.164 (also whatsapp:+33…, and %2B33… in URL-encoded bodies)
    (re.compile(r"(?:\+|%2B)\d[\d .-]{6,17}\d", re.IGNORECASE), PHONE),
    # French national numbers: 0X XX XX XX XX, with spaces, dots, dashes or nothing
    (re.compile(r"(?<![\d.])0[1-9](?:[ .-]?\d{2}){4}(?![\d])"), PHONE),
]

_lock = threading.Lock()
_secrets: set[str] = set()
_installed = False


def redact(text: str) -> str:
    """The text without the known secrets, credentials and phone numbers."""
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, SECRET)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redacted(record: logging.LogRecord) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string: keep what logging would show
        message = str(record.msg)
    clean = redact(message)
    if clean != message:
        if record.name in KEEP_ARGS and isinstance(record.args, tuple):
            # Their formatters unpack the arguments (uvicorn's access log): redact each.
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        else:
            record.msg, record.args = clean, None
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


def install(secrets: Iterable[str | None] = ()) -> None:
    """Redacts every log record of this process from now on; `secrets` are replaced verbatim
    (tokens, auth tokens, keys: values shorter than 8 characters are ignored)."""
    global _installed
    with _lock:
        _secrets.update(s for s in secrets if s and len(s) >= 8)
        for name in NOISY:
            logging.getLogger(name).setLevel(logging.WARNING)
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args, **kwargs) -> logging.LogRecord:
            return _redacted(previous(*args, **kwargs))

        logging.setLogRecordFactory(factory)
        _installed = True
