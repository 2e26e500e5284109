"""Settings from the environment (prefix ``CADENCE_``); nothing is read at import time."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob Cadence reads; build one with ``load_settings`` or directly in tests."""

    model_config = SettingsConfigDict(env_prefix="CADENCE_", extra="ignore")

    database_url: str = Field(
        default_factory=lambda: f"sqlite:///{Path.cwd() / 'cadence.db'}",
        description="SQLAlchemy URL; a SQLite file in the working directory by default.",
    )
    secret_key: str = Field(
        default="",
        description="Signs personal links and sessions; generated and stored if empty.",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    base_url: str = ""
    bootstrap_admin_key: str | None = None
    bootstrap_write_key: str | None = None
    max_event_bytes: int = 32 * 1024
    max_batch_bytes: int = 500 * 1024
    ingest_max_group: int = 20_000
    crm_webhook_secret: str = ""
    run_scheduler: bool = Field(
        default=True, description="run due work inside `cadence serve` (off when workers do it)"
    )
    # channels (A1): SMTP, DKIM, SMS/webhook providers
    # sending (A2): send batch sizes, delivery workers
    # console (C): bootstrap admin, sessions

    @property
    def public_url(self) -> str:
        return self.base_url or f"http://{self.host}:{self.port}"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from ``environ`` (the process environment when None)."""
    if environ is None:
        return Settings()
    values = {
        key[len("CADENCE_") :].lower(): value
        for key, value in environ.items()
        if key.startswith("CADENCE_")
    }
    return Settings.model_validate(values)
