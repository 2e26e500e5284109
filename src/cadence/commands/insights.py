"""CLI commands: insights."""

from __future__ import annotations

import typer


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add this capability's commands (none yet)."""
