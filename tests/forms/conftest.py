"""The browser fixtures of the web tests, for the forms' browser test."""

from tests.web.conftest import browser_page, chromium

__all__ = ["browser_page", "chromium"]
