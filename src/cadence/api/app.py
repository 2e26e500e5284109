"""The ASGI application: built from settings, nothing created at import time."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from cadence import __version__, pipeline, scheduler
from cadence.api import accounts as accounts_routes
from cadence.api import campaigns as campaign_routes
from cadence.api import consent as consent_routes
from cadence.api import consent_imports, consent_reports, errors, tracking
from cadence.api import contacts as contact_routes
from cadence.api import decisions as decision_routes
from cadence.api import forms as form_routes
from cadence.api import imports as import_routes
from cadence.api import insights as insights_routes
from cadence.api import journeys as journey_routes
from cadence.api import keys as key_routes
from cadence.api import leads as lead_routes
from cadence.api import messages as message_routes
from cadence.api import segments as segment_routes
from cadence.api import suppressions as suppression_routes
from cadence.api import workspace as workspace_routes
from cadence.config import Settings
from cadence.console import routes as console_routes
from cadence.events.committer import GroupCommitter
from cadence.runtime import bootstrap_keys, now_millis, open_database, secret_key
from cadence.web import routes as web_routes


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = open_database(settings)
        app.state.engine = engine
        app.state.secret_key = secret_key(engine, settings)
        bootstrap_keys(engine, settings)
        committer = GroupCommitter(
            engine=engine,
            pipeline=pipeline.process,
            clock=now_millis,
            max_events=settings.ingest_max_group,
        )
        app.state.committer = committer
        committer.start()
        background = None
        if settings.run_scheduler:
            background = asyncio.get_running_loop().create_task(
                scheduler.run_forever(engine, clock=now_millis, settings=settings)
            )
        try:
            yield
        finally:
            if background is not None:
                background.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await background
            await committer.stop()
            engine.dispose()

    app = FastAPI(
        title="Cadence",
        version=__version__,
        summary="Consent-first, adaptive marketing automation",
        lifespan=lifespan,
    )
    app.state.settings = settings
    errors.install(app)
    app.include_router(tracking.router)
    app.include_router(contact_routes.router)
    app.include_router(accounts_routes.router)
    app.include_router(import_routes.router)
    app.include_router(segment_routes.router)
    app.include_router(lead_routes.router)
    app.include_router(workspace_routes.router)
    app.include_router(message_routes.router)
    app.include_router(consent_routes.router)
    app.include_router(suppression_routes.router)
    app.include_router(consent_imports.router)
    app.include_router(consent_reports.router)
    app.include_router(form_routes.router)
    # sending, policy, campaigns (A2) routers here
    app.include_router(campaign_routes.router)
    # channels: tracking, bounces, audiences, tasks (A1) routers here
    from cadence.api import channels as channel_routes

    channel_routes.install(app)
    # decision points (B1) routers here
    app.include_router(decision_routes.router)
    # journeys (B2) routers here
    app.include_router(journey_routes.router)
    # leads: owners (D) routers here
    from cadence.api import owners as owner_routes

    app.include_router(owner_routes.router)
    # insights (C2) routers here
    app.include_router(insights_routes.router)
    app.include_router(key_routes.router)  # API keys (H6)
    web_routes.install(app)
    # console (C) pages here
    console_routes.install(app)

    @app.get("/healthz", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
