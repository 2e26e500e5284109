"""The channels' HTTP surface: bounces, tasks, ad audiences (API) and tracking (pages)."""

from __future__ import annotations

from fastapi import FastAPI

from cadence.api import audiences, bounces, tasks
from cadence.web import tracking_pages


def install(app: FastAPI) -> None:
    app.include_router(bounces.router)
    app.include_router(tasks.router)
    app.include_router(audiences.router)
    app.include_router(tracking_pages.router)
