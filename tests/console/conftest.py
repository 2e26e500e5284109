"""Console fixtures: settings with a bootstrap admin, signed-in clients, small demo data."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from cadence.api.app import create_app
from cadence.config import Settings
from cadence.console import service
from cadence.console.demo_story import tell
from cadence.db.engine import unit_of_work
from cadence.demo.load import load_demo
from cadence.runtime import now_millis
from tests.web.conftest import BrowserPage, browser_page, chromium

__all__ = ["BrowserPage", "browser_page", "chromium"]

ADMIN_EMAIL = "boss@example.com"
ADMIN_PASSWORD = "a long admin passphrase"
PASSWORD = "another long passphrase"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared test settings plus the console's bootstrap admin."""
    return settings.model_copy(
        update={"bootstrap_admin_email": ADMIN_EMAIL, "bootstrap_admin_password": ADMIN_PASSWORD}
    )


@pytest.fixture
def app_client(settings: Settings) -> Iterator[TestClient]:
    """The application without any credentials: a browser that has not signed in."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def csrf_field(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str) -> Any:
    form = client.get("/login")
    return client.post(
        "/login",
        data={"csrf": csrf_field(form.text), "email": email, "password": password},
        follow_redirects=False,
    )


def add_user(client: TestClient, *, role: str, email: str | None = None) -> str:
    address = email or f"{role}@example.com"
    with unit_of_work(client.app.state.engine) as uow:  # type: ignore[attr-defined]
        service.create_user(
            uow, email=address, name=role.title(), role=role, password=PASSWORD, now=now_millis()
        )
    return address


@pytest.fixture
def admin(app_client: TestClient) -> TestClient:
    answer = sign_in(app_client, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert answer.status_code == 303, answer.text
    return app_client


def load_small_demo(engine: Engine) -> None:
    """The demo data set, small: scores, grades, lifecycle, segments, forms, consent."""
    load_demo(engine, seed=3, contacts=120, accounts=12, months=3, now=datetime.now(UTC))
    tell(engine, seed=3, now=now_millis())
