"""Mounting the pages: their routers and the package's stylesheet."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from cadence.web import confirm_pages, form_pages, preference_pages, unsubscribe_pages

STATIC_PATH = "/static/cadence"


def install(app: FastAPI) -> None:
    app.include_router(preference_pages.router)
    app.include_router(confirm_pages.router)
    app.include_router(form_pages.router)
    app.include_router(unsubscribe_pages.router)
    app.mount(STATIC_PATH, StaticFiles(packages=[("cadence.web", "static")]), name="cadence-static")
