"""One default demo data set per test session (generating it takes a couple of seconds)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cadence.demo import generate

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def messages() -> list[dict[str, Any]]:
    return list(generate(now=NOW))
