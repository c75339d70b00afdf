"""Command line of the application.

    python -m bot serve [--workers N]   N web application processes on HOST:PORT (default
                                        127.0.0.1:8000, one process), without the jobs
    python -m bot worker                the jobs: outbox dispatcher, reminders, retention
    python -m bot run                   what `make run` starts: the NLU services (French on
                                        NLU_URL, each other trained language on its NLU_URLS
                                        entry, else port 5006, 5007...), then one process
                                        doing everything (web and jobs)
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import logging
import os
import threading
from urllib.parse import urlparse

import uvicorn

from bot.web.app import create_app
from common import log_redaction
from common.settings import Settings

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot")
    sub = parser.add_subparsers(dest="command", required=True)
    serve_parser = sub.add_parser("serve", help="run N web application processes")
    serve_parser.add_argument("--workers", type=int, default=1,
                              help="application processes sharing the port (default 1)")
    sub.add_parser("worker", help="run the outbox dispatcher, reminders and retention purge")
    sub.add_parser("run", help="run the NLU service and the web application")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    log_redaction.install()  # phone numbers and credentials out of every line from here on
    if args.command == "serve":
        serve_defaults(args.workers)
    settings = Settings.from_env()
    log_redaction.install([settings.telegram_bot_token, settings.twilio_auth_token,
                           settings.telegram_webhook_secret, settings.secret_key,
                           settings.nlu_token])
    if args.command == "run":
        return run(settings)
    if args.command == "worker":
        from bot.jobs import run_worker

        asyncio.run(run_worker(settings))
        return 0
    return serve_processes(settings, args.workers)


def serve_defaults(workers: int) -> None:
    """Defaults of `serve`, set in the environment so that each process uvicorn starts reads
    them too (an explicit setting wins)."""
    # The jobs belong to `python -m bot worker`, unless RUN_JOBS says otherwise.
    os.environ.setdefault("RUN_JOBS", "0")
    if workers > 1:
        # Two rules workers per process help one process, whose burst leaves a core idle
        # while its turns wait; with several, every simulation costs a quarter more CPU for
        # cores already busy. `python -m bench scale`, 4 processes: 3.37 checks/s with one
        # rules worker each, 2.71 with two.
        os.environ.setdefault("RULES_WORKERS", "1")


def serve_processes(settings: Settings, workers: int) -> int:
    """`workers` uvicorn processes on one socket, each building its app from the environment
    (create_app), with its own rules worker process batching the checks it receives."""
    if workers < 1:
        print("--workers: at least 1", flush=True)
        return 2
    if workers > 1 and settings.telegram_bot_token and settings.telegram_mode == "polling":
        # Telegram hands each update to one getUpdates caller; N pollers conflict (409).
        print("Telegram en polling ne marche qu'avec un processus : TELEGRAM_MODE=webhook "
              "avec --workers > 1.", flush=True)
        return 2
    uvicorn.run("bot.web.app:create_app", factory=True, workers=workers, host=settings.host,
                port=settings.port, log_level="info", access_log=False,
                log_config=log_config())
    return 0


def log_config() -> dict:
    """Uvicorn's logging, plus the application's INFO lines in the format of main().

    With --workers N uvicorn starts each app process afresh (spawn): the basicConfig of
    main() is not there, and the root logger's default (warnings only) dropped every INFO
    line of the app processes: rules worker ready, batches computed, jobs started.
    """
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["passerelle"] = {"format": LOG_FORMAT}
    config["handlers"]["passerelle"] = {"class": "logging.StreamHandler",
                                        "formatter": "passerelle", "stream": "ext://sys.stderr"}
    config["root"] = {"handlers": ["passerelle"], "level": "INFO"}
    return config


def serve(settings: Settings) -> None:
    # No access log: URLs carry no personal data, but logs are kept out of the question.
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                log_level="info", access_log=False)


def run(settings: Settings) -> int:
    """Starts Rasa in the background, one server per trained language (~30 s each, one after
    the other, French first), and serves the app meanwhile (digits and words until then)."""
    from nlu import manage

    urls = {manage.SOURCE: settings.nlu_url}
    configured = settings.nlu_language_urls
    for code in manage.trained_languages():
        if code != manage.SOURCE:
            urls[code] = configured.get(code) or f"http://127.0.0.1:{manage.default_port(code)}"
    settings = settings.model_copy(update={"nlu_urls": ",".join(
        f"{code}={url}" for code, url in {**configured, **urls}.items() if code != manage.SOURCE)})
    servers: dict = {}

    def start_nlu() -> None:
        for code, url in urls.items():
            if manage.is_ready(url, settings.nlu_token):
                print(f"NLU ({code}) déjà en service : {url}", flush=True)
                continue
            where = urlparse(url)
            try:
                servers[code] = manage.start_server(
                    port=where.port or manage.default_port(code), host=where.hostname,
                    token=settings.nlu_token, language=code)
                print(f"NLU ({code}) prêt : {url}", flush=True)
            except Exception as error:  # noqa: BLE001 - the bot works on keywords without it
                print(f"NLU ({code}) indisponible ({error}) : cette langue marche sur chiffres "
                      "et mots-clés.", flush=True)

    threading.Thread(target=start_nlu, name="nlu", daemon=True).start()
    base = f"http://{settings.host}:{settings.port}"
    print(f"\n  Web chat : {base}/\n  Santé    : {base}/healthz\n", flush=True)
    if settings.environment != "production":
        demo = _demo_login(settings)
        print(f"  Console  : {base}/console\n{demo}\n", flush=True)
    try:
        serve(settings)
    finally:
        for proc in list(servers.values()):
            manage.stop_server(proc)
    return 0


def _demo_login(settings: Settings) -> str:
    """The demo accounts, one per console role, created once, to print: only on the default
    SQLite file or with DEMO_ACCOUNT=1, so that a shared database never gets a public
    password."""
    from handoff.accounts import ensure_demo_accounts
    from storage.db import Database

    if not settings.wants_demo_account:
        return ("             pas de compte de démonstration sur cette base : créez un compte "
                "avec python -m handoff add-referent, ou DEMO_ACCOUNT=1")
    db = Database(settings.database_url)
    db.migrate()
    from handoff.territory import Territories

    # Referents of the first territory served (the demo file, or the directory's first).
    first = Territories.from_settings(settings.territory_dir, settings.territory_file).first
    made = ensure_demo_accounts(db, list(first.referents), territory_id=first.id)
    db.engine.dispose()
    lines = ["             comptes de démonstration (développement seulement) :"]
    lines += [f"               {role:<12} identifiant : {login:<17} mot de passe : {password}"
              for login, password, role in made]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
