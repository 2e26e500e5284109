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
    smtp_url: str = Field(
        default="",
        description="smtp://user:pass@host:587?starttls=true or smtps://...; empty: pickup dir",
    )
    smtp_connections: int = 4
    smtp_timeout_seconds: float = 30.0
    smtp_ca_file: str = Field(default="", description="a CA bundle to trust for SMTP TLS")
    mail_from: str = "Cadence <noreply@localhost>"
    mail_pickup_dir: str = Field(
        default="", description="without smtp_url, .eml files are written here (./mail-outbox)"
    )
    dkim_domain: str = ""
    dkim_selector: str = ""
    dkim_private_key: str = Field(default="", description="a PEM, or the path of a PEM file")
    track_email: bool = True
    sms_api_url: str = Field(
        default="", description="Twilio-compatible account URL, e.g. .../Accounts/AC123"
    )
    sms_account_sid: str = ""
    sms_auth_token: str = ""
    sms_from: str = ""
    webhook_channel_secret: str = Field(
        default="", description="signs webhook-channel bodies; derived from secret_key if empty"
    )
    webhook_channel_allow_private: bool = Field(
        default=False, description="let the webhook channel call loopback/private addresses"
    )
    # sending (A2): send batch sizes, delivery workers
    send_batch_size: int = Field(default=400, description="sends claimed per delivery batch")
    send_lease_seconds: float = Field(
        default=300.0,
        description="a send claimed longer ago than this by a worker that never finished it "
        "is recorded as unknown (never resent)",
    )
    send_max_attempts: int = 5
    # console (C): bootstrap admin, sessions
    bootstrap_admin_email: str | None = None
    bootstrap_admin_password: str | None = None
    session_hours: int = Field(default=12, ge=1, description="console sessions end after this")

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
