"""Browser fixtures: Playwright drives Debian's chromium (installed by `make browser`).

Without chromium (or the playwright package) the browser tests fail when CI=true and are
skipped elsewhere, with a message saying so.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """A headless chromium for the tests of one module."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    problem = None
    if sync_playwright is None:
        problem = "the playwright package is missing (pip install -e '.[dev]')"
    elif not CHROMIUM.exists():
        problem = f"{CHROMIUM} is missing (run `make browser`)"
    if problem is not None:
        if IN_CI:
            pytest.fail(f"{problem}; browser tests are required when CI=true")
        pytest.skip(f"{problem}; skipped outside CI (with CI=true this fails)")
    assert sync_playwright is not None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@dataclass
class BrowserPage:
    """A page plus every error it logged; ``shot`` keeps a screenshot under test-artifacts/."""

    page: Any
    name: str
    console_errors: list[str] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)  # errors the test provokes on purpose

    def shot(self, label: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{self.name}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def expect_error(self, text: str) -> None:
        self.expected.append(text)

    def unexpected_errors(self) -> list[str]:
        return [e for e in self.console_errors if not any(x in e for x in self.expected)]

    def on_console(self, message: Any) -> None:
        if message.type == "error":
            self.console_errors.append(f"console: {message.text}")


@pytest.fixture
def browser_page(chromium: Any, request: pytest.FixtureRequest) -> Iterator[BrowserPage]:
    """A fresh context and page; the test fails if the page logged any error."""
    context = chromium.new_context(viewport={"width": 1024, "height": 800})
    context.set_default_timeout(60_000)  # shared, loaded CI machines are slow, not broken
    page = context.new_page()
    name = "".join(c if c.isalnum() or c in "-_" else "-" for c in request.node.name)
    holder = BrowserPage(page=page, name=name)
    page.on("console", holder.on_console)
    page.on("pageerror", lambda error: holder.console_errors.append(f"page: {error}"))
    yield holder
    context.close()
    assert holder.unexpected_errors() == [], holder.console_errors
