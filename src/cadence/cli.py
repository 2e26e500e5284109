"""The ``cadence`` command line."""

from __future__ import annotations

import contextlib
import os
from datetime import UTC, datetime
from io import BufferedReader
from pathlib import Path
from typing import Annotated, cast

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from cadence import pipeline
from cadence.commands import register_all
from cadence.config import Settings, load_settings
from cadence.db.engine import unit_of_work
from cadence.db.migrate import current_revision, upgrade
from cadence.errors import InputError
from cadence.runtime import database, now_millis
from cadence.security.keys import SCOPES, create_key, list_keys, revoke_key

app = typer.Typer(
    help="Cadence: consent-first, adaptive marketing automation.", no_args_is_help=True
)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
import_app = typer.Typer(help="Bulk imports.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
console = Console()
errors = Console(stderr=True)


def _settings() -> Settings:
    return load_settings(os.environ)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="interface to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="port to listen on")] = None,
) -> None:
    """Upgrade the database and serve the API and web pages."""
    import uvicorn

    from cadence.api.app import create_app

    settings = _settings()
    if host:
        settings.host = host
    if port:
        settings.port = port
    console.print(
        f"Cadence on [bold]{settings.public_url}[/] (API docs at {settings.public_url}/docs)"
    )
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")


@app.command()
def worker() -> None:
    """Run due work (segment re-checks, ...) until stopped; several may run on PostgreSQL."""
    import asyncio

    from cadence import scheduler

    settings = _settings()
    with database(settings) as engine:
        console.print("worker running; Ctrl-C to stop")
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(scheduler.run_forever(engine, clock=now_millis, settings=settings))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema to the current version."""
    with database(_settings(), migrate=False) as engine:
        upgrade(engine)
        console.print(f"database at revision {current_revision(engine)}")


@keys_app.command("create")
def keys_create(
    scope: Annotated[str, typer.Option(help="admin (REST API) or write (tracking API)")],
    name: Annotated[str, typer.Option(help="a label to recognise the key by")] = "",
) -> None:
    """Create an API key; it is shown once and stored hashed."""
    if scope not in SCOPES:
        errors.print(f"--scope must be one of: {', '.join(SCOPES)}")
        raise typer.Exit(2)
    with database(_settings()) as engine, unit_of_work(engine) as uow:
        key, token = create_key(uow, scope=scope, name=name or f"{scope} key", now=now_millis())
    console.print(f"{key.scope} key #{key.id} ({key.name}):")
    typer.echo(token)


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


@keys_app.command("list")
def keys_list(
    active: Annotated[bool, typer.Option("--active", help="leave out revoked keys")] = False,
) -> None:
    """List keys: id, scope, prefix (the keys themselves are not stored), name, created, state."""
    with database(_settings()) as engine, unit_of_work(engine, write=False) as uow:
        for key in list_keys(uow, include_revoked=not active):
            state = "active" if key.revoked_at is None else f"revoked {_when(key.revoked_at)}"
            # tab-separated, untouched by rich: one line per key for scripts to cut
            typer.echo(
                f"#{key.id}\t{key.scope}\t{key.prefix}…\t{key.name}\t"
                f"created {_when(key.created_at)}\t{state}"
            )


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[int, typer.Argument(help="the key's id (see `keys list`)")],
) -> None:
    """Revoke a key: every server refuses it from its next request on."""
    with database(_settings()) as engine:
        try:
            with unit_of_work(engine) as uow:
                key = revoke_key(uow, key_id=key_id, now=now_millis(), keep_an_admin=False)
                admins_left = any(k.scope == "admin" for k in list_keys(uow, include_revoked=False))
        except InputError as error:
            errors.print(error.message)
            raise typer.Exit(2) from None
    console.print(f"{key.scope} key #{key.id} ({key.name}) revoked {_when(key.revoked_at or 0)}")
    if not admins_left:
        errors.print(
            "no active admin key is left; create one with `cadence keys create --scope admin`"
        )


@import_app.command("contacts")
def import_contacts_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="COLUMN=trait, or COLUMN=- to skip; repeatable"),
    ] = None,
    errors_file: Annotated[
        Path | None, typer.Option(help="write every bad row here as CSV")
    ] = None,
) -> None:
    """Import contacts from a CSV file, reporting every bad row and keeping the rest."""
    from cadence.events.csv_import import import_contacts

    mapping = dict(item.split("=", 1) for item in map_ or [] if "=" in item)
    size = file.stat().st_size
    with (
        database(_settings()) as engine,
        file.open(encoding="utf-8-sig", newline="") as handle,
        Progress(
            TextColumn("[bold]importing"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%  {task.fields[rows]:,} rows"),
            TimeElapsedColumn(),
            console=console,
        ) as bar,
    ):
        task = bar.add_task("import", total=size, rows=0)

        def progress(rows: int) -> None:
            bar.update(task, completed=cast(BufferedReader, handle.buffer).tell(), rows=rows)

        try:
            report = import_contacts(
                engine,
                handle,
                pipeline=pipeline.process,
                now=now_millis,
                mapping=mapping,
                progress=progress,
            )
        except InputError as error:
            errors.print(f"[red]refused:[/] {error.message}")
            raise typer.Exit(2) from error
    console.print(
        f"{report.rows:,} rows: {report.imported:,} imported, {len(report.bad):,} rejected"
    )
    if errors_file is not None:
        with errors_file.open("w") as out:
            out.write("line,reason\n")
            for bad in report.bad:
                out.write(f'{bad.line},"{bad.reason.replace(chr(34), chr(39))}"\n')
    else:
        for bad in report.bad[:50]:
            errors.print(f"line {bad.line}: {bad.reason}")
        if len(report.bad) > 50:
            errors.print(f"… {len(report.bad) - 50} more; use --errors-file to keep them all")


config_app = typer.Typer(help="The workspace file.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@app.command("apply")
def apply_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="show what would change")] = False,
) -> None:
    """Apply a workspace file: validated whole, applied in one transaction, idempotent."""
    from cadence.workspace import document, service

    try:
        workspace = document.read(document.load_text(file.read_text()))
        with database(_settings()) as engine, unit_of_work(engine) as uow:
            result = service.apply(uow, workspace, now=now_millis(), dry_run=dry_run)
    except InputError as error:
        for problem in error.errors:
            errors.print(f"[red]{problem.field}[/]: {problem.message}")
        raise typer.Exit(2) from error
    verb = "would change" if dry_run else "changed"
    console.print(f"{result['changes']} definition(s) {verb}")
    for name, report in result.items():
        if not isinstance(report, dict):
            continue
        for label in ("created", "updated", "deleted"):
            for key in report.get(label, []):
                console.print(f"  {name} {key}: {label}")
        for done in report.get("rebuilds", []):
            moved = f"+{done['entered']} -{done['exited']}"
            console.print(f"  rebuilt {done['key']}: {moved} = {done['members']} members")


@config_app.command("export")
def config_export(
    output: Annotated[
        Path | None, typer.Option(help="write here instead of standard output")
    ] = None,
) -> None:
    """Write the current workspace document as YAML."""
    import yaml

    from cadence.workspace import service

    with database(_settings()) as engine, unit_of_work(engine, write=False) as uow:
        text = yaml.safe_dump(service.export(uow), sort_keys=False)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text)


@app.command()
def simulate(
    decisions: Annotated[int, typer.Option(help="number of decisions (people entering)")] = 20_000,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    days: Annotated[float, typer.Option(help="simulated days")] = 90.0,
    window: Annotated[float, typer.Option(help="reward window in days")] = 7.0,
    linucb: Annotated[bool, typer.Option(help="also run LinUCB")] = False,
) -> None:
    """Run an adaptive journey step on a synthetic population and compare it with fixed ones.

    The population hides a 75%/25% split: most people respond best to one message, the
    rest to another, identifiable from their features. Conversions are printed for the
    adaptive choice, the best single message, random choice and the oracle.
    """
    from rich.table import Table

    from cadence.decisions.simulate import simulate as run

    with console.status("simulating"):
        result = run(
            decisions=decisions,
            seed=seed,
            horizon_days=days,
            window_days=window,
            include_linucb=linucb,
        )
    table = Table(
        title=f"{result.decisions:,} decisions over {days:g} days, {window:g}-day reward window"
    )
    for column in ("policy", "conversions", "rate", "75% group", "25% group", "last quarter"):
        table.add_column(column, justify="left" if column == "policy" else "right")
    for name, outcome in result.outcomes.items():
        table.add_row(
            name,
            f"{outcome.conversions:,}",
            f"{outcome.rate:.1%}",
            f"{outcome.majority_rate:.1%}",
            f"{outcome.minority_rate:.1%}",
            f"{outcome.final_quarter_rate:.1%}",
        )
    console.print(table)
    share = result.share_of_oracle_gain()
    console.print(f"adaptive captures {share:.0%} of the oracle's lift over the best fixed message")


@app.command()
def demo(
    contacts: Annotated[int, typer.Option(help="number of people")] = 800,
    accounts: Annotated[int, typer.Option(help="number of companies")] = 80,
    months: Annotated[int, typer.Option(help="months of history")] = 6,
    seed: Annotated[int, typer.Option(help="random seed")] = 7,
) -> None:
    """Load a realistic synthetic B2B data set into the configured database, then exit."""
    from cadence.demo import history
    from cadence.demo.load import load_demo

    settings = history.demo_settings(_settings())
    end = now_millis()  # the loaded history ends STORY_DAYS ago; the story plays up to now
    start = end - history.STORY_DAYS * history.DAY_MS
    with database(settings) as engine:
        summary = load_demo(
            engine,
            seed=seed,
            contacts=contacts,
            accounts=accounts,
            months=months,
            now=datetime.fromtimestamp(start / 1000, UTC),
            console=console,
            at=start,
        )
        with unit_of_work(engine) as uow:
            _, admin = create_key(uow, scope="admin", name="demo admin", now=now_millis())
            _, write = create_key(uow, scope="write", name="demo write", now=now_millis())
        from cadence.commands.console import demo_admin
        from cadence.console.demo_story import tell

        story = tell(engine, seed=seed, now=start)
        played = history.play(engine, settings, seed=seed, start=start, end=end)
        weeks = played.describe(settings.mail_pickup_dir) if played else "demo weeks: already there"

        admin_email = settings.bootstrap_admin_email or "admin@example.com"
        password = demo_admin(engine, email=admin_email, password=settings.bootstrap_admin_password)
    console.print(summary)
    console.print(story)
    console.print(weeks)
    console.print(f"\nServe it with [bold]cadence serve[/], then open {settings.public_url}/docs")
    console.print(f"  admin key (REST API, Bearer): [bold]{admin}[/]", soft_wrap=True)
    console.print(f"  write key (tracking API, Basic user): [bold]{write}[/]", soft_wrap=True)
    console.print(
        f"  console: {settings.public_url}/login as [bold]{admin_email}[/],"
        f" password [bold]{password}[/]",
        soft_wrap=True,
    )


register_all(app, import_app)  # each capability's own commands (cadence.commands.*)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
