"""CLI commands of each capability, one module each, registered onto the ``cadence`` app.

Each module has ``register(app, import_app)``; ``cli.main`` calls ``register_all`` once.
"""

from __future__ import annotations

import importlib
from typing import Final

import typer

MODULES: Final = ("sending", "channels", "decisions", "journeys", "console", "insights", "leads")


def register_all(app: typer.Typer, import_app: typer.Typer) -> None:
    for name in MODULES:
        module = importlib.import_module(f"cadence.commands.{name}")
        module.register(app, import_app)
