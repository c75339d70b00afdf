"""What the log redaction removes, and what it leaves alone."""

from __future__ import annotations

import logging

import pytest

from common import log_redaction
from common.log_redaction import redact


@pytest.mark.parametrize("line", [
    "HTTP Request: POST https://api.telegram.org/bot123456789:AAE-abcdefghijklmnopqrstuvwxyz012/getUpdates",
    "GET https://api.telegram.org/file/bot42:short/photos/x.jpg",
    "token 123456789:AAE-abcdefghijklmnopqrstuvwxyz012 refused",
    "Authorization: Basic QUMxMjM6c2VjcmV0",
    "GET http://127.0.0.1:5005/status?token=abc-def_123&x=1",
])
def test_credentials_are_redacted(line):
    clean = redact(line)
    assert "<secret>" in clean
    for secret in ("AAE-abc", "42:short", "QUMxMjM6c2VjcmV0", "abc-def_123"):
        assert secret not in clean
    assert "x=1" in clean if "x=1" in line else True


@pytest.mark.parametrize("number", ["+33612345678", "whatsapp:+33612345678", "%2B33612345678",
                                    "06 12 34 56 78", "06.12.34.56.78", "0612345678",
                                    "+33 6 12 34 56 78", "+1 415 523 8886"])
def test_phone_numbers_are_redacted(number):
    clean = redact(f"send to {number} failed")
    assert clean.startswith("send to ") and "<numéro>" in clean
    assert not any(ch.isdigit() for ch in clean), clean


@pytest.mark.parametrize("line", ["outbox 1234 sent", "2026-11-29 15:21:16 took 0.12 s",
                                  "version 3.6.20", "listening on 127.0.0.1:8000"])
def test_ordinary_figures_stay(line):
    assert redact(line) == line


def test_installed_redaction_holds_for_every_record_and_traceback(caplog):
    log_redaction.install(["a-long-configured-secret"])
    caplog.set_level(logging.DEBUG)
    logger = logging.getLogger("tests.redaction")
    logger.info("number %s with %s", "+33611223344", "a-long-configured-secret")
    try:
        raise RuntimeError("bad number 06 11 22 33 44")
    except RuntimeError:
        logger.exception("failed for %s", "+33611223344")
    text = caplog.text + "".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "33611223344" not in text and "a-long-configured-secret" not in text
    assert "06 11 22 33 44" not in text and "RuntimeError" in text
    logger.info("plain %s", "words")
    assert caplog.records[-1].args == ("words",)  # nothing to redact: left as it was
