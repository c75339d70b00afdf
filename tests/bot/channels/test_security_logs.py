"""No secret and no phone number in any log line, even with every logger at DEBUG: a Telegram
poll and a Twilio send go through the real clients against the local fakes."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from bot.channels.inbound import already_processed
from bot.worker import dispatch_once
from tests.helpers.channels import BOT_TOKEN, TOKEN, telegram_settings, wait_for

CLIENT_LOGGERS = ("httpx", "httpcore", "twilio", "twilio.http_client", "urllib3", "telegram")


def everything_logged(caplog) -> str:
    lines = [record.getMessage() for record in caplog.records]
    lines += [record.exc_text or "" for record in caplog.records]
    return caplog.text + "\n".join(lines)


@pytest.fixture(params=["default", "debug"])
def verbosity(request, caplog):
    """Logging captured at DEBUG; "debug" also turns the HTTP clients' loggers to DEBUG after
    the app started, as an operator chasing a problem would."""
    caplog.set_level(logging.DEBUG)

    def after_start():
        if request.param == "debug":
            for name in CLIENT_LOGGERS:
                logging.getLogger(name).setLevel(logging.DEBUG)

    yield request.param, after_start
    for name in CLIENT_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET)


def test_a_telegram_poll_logs_no_bot_token(app_factory, fake_telegram, caplog, verbosity):
    mode, after_start = verbosity
    with TestClient(app_factory(**telegram_settings(fake_telegram, "polling"))) as client:
        after_start()
        wait_for(lambda: fake_telegram.calls.count("getUpdates") >= 2)
        update_id = fake_telegram.push(612345678, "/start")
        db = client.app.state.db
        wait_for(lambda: already_processed(db, f"telegram:{update_id}"))
        dispatch_once(db, client.app.state.channels.transports)
        assert fake_telegram.messages_to(612345678)
        wait_for(lambda: fake_telegram.calls.count("getUpdates") >= 4)
    logged = everything_logged(caplog)
    if mode == "debug":
        assert "getUpdates" in logged  # the client did log its requests, redacted
    assert BOT_TOKEN not in logged
    assert BOT_TOKEN.split(":")[1] not in logged


def test_a_twilio_send_logs_no_number_and_no_credentials(phone, fake_twilio, caplog,
                                                         verbosity):
    mode, after_start = verbosity
    after_start()
    assert phone.say("bonjour")
    fake_twilio.fail_next(1, status=400)  # an error path logs too
    phone.send("oui")
    phone.dispatch()
    logged = everything_logged(caplog)
    if mode == "debug":
        assert "Messages.json" in logged
    digits = phone.number.removeprefix("+33")
    for text in (phone.number, digits, "%2B33" + digits, "0" + digits, TOKEN):
        assert text not in logged, text
