"""Local fake Twilio REST and Telegram Bot API servers that record what they receive.

The real client libraries talk to them: twilio.rest.Client through TWILIO_API_BASE (the
transport's rebased TwilioHttpClient), telegram.Bot / Application through base_url.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def _body_params(handler: BaseHTTPRequestHandler) -> dict:
    """Form-encoded or JSON bodies, and query strings, as one flat dict."""
    length = int(handler.headers.get("Content-Length") or 0)
    raw = handler.rfile.read(length) if length else b""
    params = {k: v[-1] for k, v in parse_qs(urlsplit(handler.path).query).items()}
    kind = handler.headers.get("Content-Type", "")
    if raw and "json" in kind:
        params.update(json.loads(raw))
    elif raw:
        params.update({k: v[-1] for k, v in parse_qs(raw.decode()).items()})
    return params


class _Server:
    def __init__(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                server._handle(self)

            def do_GET(self):
                server._handle(self)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.lock = threading.Condition()
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    @staticmethod
    def _reply(handler, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


class FakeTwilio(_Server):
    """POST /2010-04-01/Accounts/<sid>/Messages.json, recorded in `messages`."""

    PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>\w+)/Messages\.json$")

    def __init__(self):
        super().__init__()
        self.messages: list[dict] = []
        self.requests = 0
        self.failures_left = 0
        self.failure_status = 500

    def fail_next(self, count: int, status: int = 500) -> None:
        with self.lock:
            self.failures_left = count
            self.failure_status = status

    def bodies(self, to: str | None = None) -> list[str]:
        with self.lock:
            # A WhatsApp template (Content API) has no body: its SID stands for it.
            return [m.get("Body", f"<template {m.get('ContentSid')}>") for m in self.messages
                    if to is None or m["To"] == to]

    def _handle(self, handler):
        match = self.PATH.match(urlsplit(handler.path).path)
        params = _body_params(handler)
        with self.lock:
            self.requests += 1
            if match is None:
                return self._reply(handler, 404, {"code": 20404, "message": "not found",
                                                  "status": 404})
            if self.failures_left > 0:
                self.failures_left -= 1
                return self._reply(handler, self.failure_status, {
                    "code": 20500, "message": "Internal error", "status": self.failure_status})
            sid = "SM" + uuid.uuid4().hex
            record = dict(params, sid=sid, account=match.group("sid"))
            self.messages.append(record)
        return self._reply(handler, 201, {
            "sid": sid, "account_sid": match.group("sid"), "to": params.get("To"),
            "from": params.get("From"), "body": params.get("Body"), "status": "queued",
            "num_segments": "1", "direction": "outbound-api", "api_version": "2010-04-01",
            "messaging_service_sid": params.get("MessagingServiceSid"),
            "date_created": None, "date_updated": None, "date_sent": None, "uri": None,
            "price": None, "error_code": None, "error_message": None, "num_media": "0",
            "subresource_uris": {}})


class FakeTelegram(_Server):
    """/bot<token>/<method>: getMe, sendMessage (recorded), getUpdates (from `push`)."""

    PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>\w+)$")

    def __init__(self):
        super().__init__()
        self.sent: list[dict] = []
        self.calls: list[str] = []
        self.updates: list[dict] = []
        self.webhook: dict | None = None
        self._next_update = 1000
        self._next_message = 1

    def push(self, chat_id: int, text: str) -> int:
        """Queues a message from a person, as getUpdates will return it; returns update_id."""
        with self.lock:
            update_id = self._next_update
            self._next_update += 1
            self.updates.append(self.update(update_id, chat_id, text))
            self.lock.notify_all()
        return update_id

    @staticmethod
    def update(update_id: int, chat_id: int, text: str) -> dict:
        message = {"message_id": update_id, "date": int(time.time()), "text": text,
                   "chat": {"id": chat_id, "type": "private", "first_name": "Test"},
                   "from": {"id": chat_id, "is_bot": False, "first_name": "Test"}}
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"update_id": update_id, "message": message}

    def messages_to(self, chat_id: int) -> list[dict]:
        with self.lock:
            return [m for m in self.sent if str(m["chat_id"]) == str(chat_id)]

    def _handle(self, handler):
        match = self.PATH.match(urlsplit(handler.path).path)
        if match is None:
            return self._reply(handler, 404, {"ok": False, "error_code": 404,
                                              "description": "Not Found"})
        method, params = match.group("method"), _body_params(handler)
        with self.lock:
            self.calls.append(method)
        if method == "getMe":
            return self._reply(handler, 200, {"ok": True, "result": {
                "id": 4242, "is_bot": True, "first_name": "Passerelle",
                "username": "passerelle_test_bot"}})
        if method == "getUpdates":
            return self._reply(handler, 200, {"ok": True, "result": self._updates(params)})
        if method == "sendMessage":
            markup = params.get("reply_markup")
            if isinstance(markup, str):
                markup = json.loads(markup)
            with self.lock:
                message_id = self._next_message
                self._next_message += 1
                self.sent.append({"chat_id": params["chat_id"], "text": params["text"],
                                  "reply_markup": markup})
            return self._reply(handler, 200, {"ok": True, "result": {
                "message_id": message_id, "date": int(time.time()), "text": params["text"],
                "chat": {"id": int(params["chat_id"]), "type": "private"}}})
        if method == "setWebhook":
            with self.lock:
                self.webhook = params
        return self._reply(handler, 200, {"ok": True, "result": True})

    def _updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), 0.5)
        deadline = time.monotonic() + wait
        with self.lock:
            while True:
                # Telegram forgets the updates before the offset the client confirmed.
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                if self.updates or time.monotonic() >= deadline:
                    return list(self.updates)
                self.lock.wait(max(deadline - time.monotonic(), 0.01))


class FakeRasa(_Server):
    """Rasa's GET /status and POST /model/parse, answering that nothing is understood (the
    bot goes on with digits and keywords), and able to hold a parse: `hold()` makes the next
    parses wait until `release()`, with `entered` set once one is waiting (a turn caught at
    its slowest point, for killing its process there)."""

    def __init__(self):
        super().__init__()
        self.parses = 0
        self.entered = threading.Event()
        self._open = threading.Event()
        self._open.set()

    def hold(self) -> None:
        self.entered.clear()
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    def _handle(self, handler):
        path = urlsplit(handler.path).path
        if path == "/status":
            return self._reply(handler, 200, {"model_file": "fake.tar.gz"})
        if path != "/model/parse":
            return self._reply(handler, 404, {"error": "not found"})
        text = _body_params(handler).get("text", "")
        with self.lock:
            self.parses += 1
        if not self._open.is_set():
            self.entered.set()
            self._open.wait(120)
        try:
            return self._reply(handler, 200, {
                "text": text, "entities": [], "intent_ranking": [],
                "intent": {"name": "nlu_fallback", "confidence": 0.3}})
        except OSError:  # the caller was killed while held
            return None
