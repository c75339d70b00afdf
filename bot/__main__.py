"""Command line of the application.

    python -m bot serve   the web application alone, on HOST:PORT (default 127.0.0.1:8000)
    python -m bot run     what `make run` starts: the NLU service, then the application
"""

from __future__ import annotations

import argparse
import logging
import threading
from urllib.parse import urlparse

import uvicorn

from bot.web.app import create_app
from common import log_redaction
from common.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the web application")
    sub.add_parser("run", help="run the NLU service and the web application")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log_redaction.install()  # phone numbers and credentials out of every line from here on
    settings = Settings.from_env()
    log_redaction.install([settings.telegram_bot_token, settings.twilio_auth_token,
                           settings.telegram_webhook_secret, settings.secret_key,
                           settings.nlu_token])
    if args.command == "run":
        return run(settings)
    serve(settings)
    return 0


def serve(settings: Settings) -> None:
    # No access log: URLs carry no personal data, but logs are kept out of the question.
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                log_level="info", access_log=False)


def run(settings: Settings) -> int:
    """Starts Rasa in the background (it needs ~30 s) and serves the app meanwhile."""
    from nlu import manage

    nlu = urlparse(settings.nlu_url)
    server: dict = {}

    def start_nlu() -> None:
        if manage.is_ready(settings.nlu_url, settings.nlu_token):
            print(f"NLU déjà en service : {settings.nlu_url}", flush=True)
            return
        try:
            server["proc"] = manage.start_server(port=nlu.port or 5005, host=nlu.hostname,
                                                 token=settings.nlu_token)
            print(f"NLU prêt : {settings.nlu_url}", flush=True)
        except Exception as error:  # noqa: BLE001 - the bot works on keywords without it
            print(f"NLU indisponible ({error}) : le bot marche sur chiffres et mots-clés.",
                  flush=True)

    threading.Thread(target=start_nlu, name="nlu", daemon=True).start()
    base = f"http://{settings.host}:{settings.port}"
    print(f"\n  Web chat : {base}/\n  Santé    : {base}/healthz\n", flush=True)
    if settings.environment != "production":
        demo = _demo_login(settings)
        print(f"  Console  : {base}/console  ({demo})\n", flush=True)
    try:
        serve(settings)
    finally:
        if "proc" in server:
            manage.stop_server(server["proc"])
    return 0


def _demo_login(settings: Settings) -> str:
    """The demo referent account, created once, to print: only on the default SQLite file
    or with DEMO_ACCOUNT=1, so that a shared database never gets a public password."""
    from handoff.accounts import ensure_demo_account
    from storage.db import Database

    if not settings.wants_demo_account:
        return ("pas de compte de démonstration sur cette base : créez un compte avec "
                "python -m handoff add-referent, ou DEMO_ACCOUNT=1")
    db = Database(settings.database_url)
    db.migrate()
    login, password = ensure_demo_account(db)
    db.engine.dispose()
    return f"identifiant : {login}, mot de passe : {password}"


if __name__ == "__main__":
    raise SystemExit(main())
