"""The referent console: `/console`, server-rendered French pages with a little JavaScript.

One router per concern: auth (login, logout), queue (the queue, a conversation and the
hand-off actions), agenda (appointments, absences), indicators (the project team's figures), campaigns
(invitations by SMS with a control group), fieldwork (the ambassadors' checks in the street).
Their handlers ask for what they need through the dependencies of bot/console/deps.py,
which read the database, the territory and the settings from `app.state`.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from bot.console import agenda, auth, campaigns, fieldwork, indicators, queue
from bot.console.deps import EarlyAnswer, send_early_answer
from bot.console.pages import STATIC


def mount_console(app: FastAPI) -> None:
    for module in (auth, queue, agenda, indicators, campaigns, fieldwork):
        app.include_router(module.router)
    app.add_exception_handler(EarlyAnswer, send_early_answer)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
