"""CLI commands: console users (``cadence users create`` / ``cadence users list``)."""

from __future__ import annotations

import os
import secrets
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import Engine

from cadence.config import load_settings
from cadence.console import service
from cadence.console.models import Role
from cadence.db.engine import unit_of_work
from cadence.errors import InputError
from cadence.runtime import database, now_millis

console = Console()
errors = Console(stderr=True)
users_app = typer.Typer(help="Console users (sign-in at /login).", no_args_is_help=True)


@users_app.command("create")
def create(
    email: Annotated[str, typer.Option(help="the user's email (their sign-in name)")],
    role: Annotated[Role, typer.Option(help="what the user may do")] = Role.MARKETER,
    name: Annotated[str, typer.Option(help="display name (the email when empty)")] = "",
    password: Annotated[
        str | None,
        typer.Option(help="at least 12 characters; a random one is made and shown when absent"),
    ] = None,
) -> None:
    """Add a console user."""
    chosen = password or secrets.token_urlsafe(12)
    settings = load_settings(os.environ)
    with database(settings) as engine:
        try:
            with unit_of_work(engine) as uow:
                user = service.create_user(
                    uow,
                    email=email,
                    name=name or email,
                    role=role.value,
                    password=chosen,
                    now=now_millis(),
                )
        except InputError as error:
            for problem in error.errors:
                errors.print(f"[red]{problem.field}[/]: {problem.message}")
            raise typer.Exit(2) from None
    console.print(f"created {user.role} {user.email}")
    if password is None:
        console.print(f"password: {chosen}", soft_wrap=True)


@users_app.command("list")
def list_users() -> None:
    """List console users."""
    settings = load_settings(os.environ)
    with database(settings) as engine, unit_of_work(engine, write=False) as uow:
        for user in service.list_users(uow):
            state = "" if user.active else " (inactive)"
            console.print(f"{user.id}\t{user.email}\t{user.role}\t{user.name}{state}")


def demo_admin(engine: Engine, *, email: str, password: str | None) -> str:
    """The demo's admin with a fresh password (or the configured one), to print."""
    chosen = password or secrets.token_urlsafe(12)
    with unit_of_work(engine) as uow:
        if not service.ensure_admin(uow, email=email, password=chosen, now=now_millis()):
            service.set_password(uow, email=email, password=chosen)
    return chosen


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add this capability's commands."""
    app.add_typer(users_app, name="users")
