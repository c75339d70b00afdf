"""The referent console: `/console`, server-rendered French pages with a little JavaScript.

`mount_console(app)` adds its routes and static files to the web application; it reads
the database and the territory from `app.state`.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from bot.console.routes import STATIC, build_router


def mount_console(app: FastAPI) -> None:
    app.include_router(build_router(app))
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
