"""Webhook authentication: nothing from the body is parsed before it is authenticated, and a
secret compared with a non-ASCII value is refused (403/404), never an error (500)."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from tests.helpers.channels import SECRET, SID, SMS_FROM, sign


@pytest.fixture
def form_calls(monkeypatch):
    """Records every use of Starlette's form parser (multipart, files, spooling)."""
    calls = []
    original = Request.form

    def spy(self, *args, **kwargs):
        calls.append(self.url.path)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Request, "form", spy)
    return calls


def test_an_unsigned_twilio_request_is_refused_before_its_body_is_parsed(sms_app, form_calls):
    files = {"upload": ("big.bin", b"x" * 200_000, "application/octet-stream")}
    response = sms_app.post("/webhooks/twilio", data={"Body": "bonjour"}, files=files,
                            headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"})
    assert response.status_code in (403, 413, 415)
    response = sms_app.post("/webhooks/twilio", data={"Body": "bonjour", "From": "+33600000000"},
                            headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"})
    assert response.status_code == 403
    response = sms_app.post("/webhooks/twilio/status", data={"MessageSid": "SMx"},
                            headers={"X-Twilio-Signature": "forged"})
    assert response.status_code == 403
    assert form_calls == []


def test_an_oversized_twilio_body_is_refused_unread(sms_app):
    params = {"MessageSid": "SMbig", "AccountSid": SID, "From": "+33600000001",
              "To": SMS_FROM, "Body": "a" * 100_000}
    response = sms_app.post("/webhooks/twilio", data=params,
                            headers={"X-Twilio-Signature": sign("/webhooks/twilio", params)})
    assert response.status_code == 413


def test_a_signed_twilio_request_with_repeated_fields_is_checked_on_every_value(sms_app):
    # Twilio signs each value of a repeated field; a dict() of the form would keep one.
    body = "MessageSid=SMrep&From=%2B33600000002&To=%2B33700000000&Body=oui&Body=SUPPRIMER"
    signature = sign("/webhooks/twilio", {"MessageSid": "SMrep", "From": "+33600000002",
                                          "To": SMS_FROM, "Body": "oui"})
    response = sms_app.post("/webhooks/twilio", content=body,
                            headers={"X-Twilio-Signature": signature,
                                     "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 403


@pytest.mark.parametrize("value", ["é" * 12, "secret-😀", "\u00ff"])
def test_a_non_ascii_twilio_signature_gets_403(sms_app, value):
    response = sms_app.post("/webhooks/twilio", data={"Body": "bonjour"},
                            headers={"X-Twilio-Signature": value.encode()})
    assert response.status_code == 403


@pytest.mark.parametrize("value", ["é" * len(SECRET), "telegram-webhook-secrét", "\u00ff"])
def test_a_non_ascii_telegram_secret_gets_403(app_factory, fake_telegram, value):
    from fastapi.testclient import TestClient

    from tests.helpers.channels import telegram_settings

    settings = telegram_settings(fake_telegram, "webhook")
    with TestClient(app_factory(**settings)) as client:
        response = client.post("/webhooks/telegram", json={"update_id": 1},
                               headers={"X-Telegram-Bot-Api-Secret-Token": value.encode()})
        assert response.status_code == 403


@pytest.mark.parametrize("token", ["é", "\u00ff" * 20, "😀"])
def test_a_non_ascii_calendar_token_gets_404(app_factory, token):
    from fastapi.testclient import TestClient

    with TestClient(app_factory()) as client:
        response = client.get("/api/appointments/1.ics", params={"token": token})
        assert response.status_code == 404
