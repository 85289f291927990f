"""The `liaison` command: run, migrate, doctor, keys, staff."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar

import typer

from bot.cli.audit import audit_app
from bot.cli.broadcast import broadcast_app
from bot.cli.broadcast import worker as worker_command
from bot.cli.calendar import calendar_app, install_event_commands
from bot.cli.contacts import contacts_app
from bot.cli.errors import EXPECTED_ERRORS
from bot.cli.events import events_app
from bot.cli.reports import reports_app
from bot.cli.select import select as select_command
from bot.cli.stats import stats_app
from bot.cli.submissions import submissions_app
from bot.log_redaction import configure_logging
from bot.settings import Settings, load_settings

# Rich tracebacks print local variables, which can hold personal data and secrets: off.
app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Liaison: the civil-society liaison bot.",
)
keys_app = typer.Typer(no_args_is_help=True, help="Data keys: status, generate, rotate.")
staff_app = typer.Typer(no_args_is_help=True, help="Staff accounts.")
app.add_typer(keys_app, name="keys")
app.add_typer(staff_app, name="staff")
app.add_typer(reports_app, name="reports")
app.add_typer(broadcast_app, name="broadcast")
app.command("worker")(worker_command)
app.add_typer(audit_app, name="audit")
app.add_typer(contacts_app, name="contacts")
app.add_typer(submissions_app, name="submissions")
app.add_typer(stats_app, name="stats")
app.add_typer(events_app, name="events")
install_event_commands(events_app)  # create, update, cancel (with change notices)
app.add_typer(calendar_app, name="calendar")
app.command("select")(select_command)

T = TypeVar("T")


def _settings() -> Settings:
    settings = load_settings()
    configure_logging(settings.log_level)
    return settings


def _run(coroutine_factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(coroutine_factory())


@app.command()
def run() -> None:
    """Run the bot: against Telegram with TELEGRAM_BOT_TOKEN, else the local sandbox chat."""
    from bot.run import run_sandbox, run_telegram

    settings = _settings()
    if settings.sandbox_mode:
        # The terminal is the chat; logs go to a file beside the database so they do not interleave.
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        log_path = settings.data_dir / "sandbox.log"
        with log_path.open("a", encoding="utf-8") as log_file:
            configure_logging(settings.log_level, stream=log_file)
            typer.echo(f"No TELEGRAM_BOT_TOKEN: starting the local sandbox (logs in {log_path}).")
            _run(lambda: run_sandbox(settings))
    else:
        _run(lambda: run_telegram(settings))


@app.command()
def migrate() -> None:
    """Apply database migrations (safe to repeat); create the key file on a first run."""
    from bot.bootstrap import keyring_from
    from storage.migrate import upgrade

    settings = _settings()
    keyring_from(settings, create=True)
    upgrade(settings.resolved_database_url)
    typer.echo("database schema is up to date")


@app.command()
def doctor() -> None:
    """Check configuration, database, keys, SMTP server and bot token."""
    from bot.cli.doctor import diagnose

    settings = _settings()
    findings = _run(lambda: diagnose(settings))
    for finding in findings:
        typer.echo(f"{'ok ' if finding.ok else 'BAD'} {finding.check:<9} {finding.detail}")
    if not all(finding.ok for finding in findings):
        raise typer.Exit(1)


@keys_app.command("status")
def keys_status() -> None:
    """Which keys this process has, which is active, and whether a rotation is unfinished."""
    from bot.bootstrap import keyring_from
    from storage.db import Database
    from storage.key_rotation import rotation_in_progress

    settings = _settings()
    keyring = keyring_from(settings, create=False)
    typer.echo(f"keys: {', '.join(keyring.key_ids)}; active: {keyring.active_key_id}")

    async def check() -> bool:
        db = Database(settings.resolved_database_url, keyring)
        try:
            return await rotation_in_progress(db)
        finally:
            await db.dispose()

    if _run(check):
        typer.echo("a rotation is unfinished: run `liaison keys rotate` to resume it")


@keys_app.command("generate")
def keys_generate() -> None:
    """Print new LIAISON_DATA_KEYS and LIAISON_INDEX_KEY values for an environment-configured install."""
    from storage.crypto.key_source import generate_key_file_contents

    typer.echo(generate_key_file_contents())


@keys_app.command("rotate")
def keys_rotate(batch: Annotated[int, typer.Option(min=1, help="Rows per committed batch.")] = 500) -> None:
    """Add a data key (key file installs) and re-seal everything under it; resumable."""
    from rich.progress import Progress

    from bot.bootstrap import keyring_from
    from scheduler.clock import system_clock
    from storage.crypto.key_source import add_key_to_file
    from storage.db import Database
    from storage.key_rotation import reseal_all, rotation_in_progress

    settings = _settings()

    async def rotate() -> None:
        keyring = keyring_from(settings, create=False)
        db = Database(settings.resolved_database_url, keyring)
        resuming = await rotation_in_progress(db)
        await db.dispose()
        if not resuming and settings.data_keys is None:
            added = add_key_to_file(settings.resolved_key_file)
            typer.echo(f"added key {added.key_id} to {settings.resolved_key_file}")
            keyring = keyring_from(settings, create=False)
        elif not resuming:
            typer.echo(
                "keys come from LIAISON_DATA_KEYS: append a new key there (see `liaison keys generate`), "
                "then run this again; re-sealing under the last key now"
            )
        db = Database(settings.resolved_database_url, keyring)
        try:
            await db.verify_keys(now=system_clock())
            with Progress(transient=True) as progress:
                task = progress.add_task("re-sealing", total=None)
                report = await reseal_all(
                    db, batch_size=batch, progress=lambda _t, n: progress.advance(task, n)
                )
        finally:
            await db.dispose()
        typer.echo(
            f"examined {report.examined} rows, re-sealed {report.resealed} under {keyring.active_key_id}"
        )
        if report.retired_keys:
            typer.echo(
                f"no data is sealed under {', '.join(report.retired_keys)} any more; it can be removed"
            )

    _run(rotate)


@staff_app.command("add")
def staff_add(
    telegram_id: int,
    role: Annotated[str, typer.Option(help="administrator, liaison or task_team")] = "liaison",
    name: Annotated[str | None, typer.Option(help="How colleagues see them in the console (stored sealed)")] = None,
) -> None:
    """Give a Telegram account a staff role."""
    from bot.bootstrap import open_services
    from storage.models import StaffRole
    from storage.repositories import audit, staff

    try:
        staff_role = StaffRole(role)
    except ValueError:
        raise typer.BadParameter("role must be administrator, liaison or task_team") from None
    settings = _settings()

    async def add() -> None:
        services = await open_services(settings)
        try:
            async with services.db.session() as session:
                member = await staff.add(
                    session,
                    services.keyring,
                    telegram_id,
                    staff_role,
                    now=services.clock(),
                    display_name=name.strip()[:60] if name and name.strip() else None,
                )
                await audit.append(
                    session,
                    at=services.clock(),
                    actor="cli",
                    action="staff.add",
                    subject_type="staff",
                    subject_id=str(member.id),
                )
        finally:
            await services.db.dispose()

    _run(add)
    typer.echo(f"staff member added as {staff_role.value}")


@staff_app.command("remove")
def staff_remove(telegram_id: int) -> None:
    """Take every staff role from a Telegram account, at once."""
    from bot.bootstrap import open_services
    from storage.repositories import audit, staff

    settings = _settings()

    async def remove() -> bool:
        services = await open_services(settings)
        try:
            async with services.db.session() as session:
                member = await staff.find_active(session, services.keyring, telegram_id)
                if member is None:
                    return False
                await staff.remove(session, services.keyring, telegram_id, now=services.clock())
                await audit.append(
                    session,
                    at=services.clock(),
                    actor="cli",
                    action="staff.remove",
                    subject_type="staff",
                    subject_id=str(member.id),
                )
                return True
        finally:
            await services.db.dispose()

    if not _run(remove):
        typer.echo("no active staff member has that Telegram id", err=True)
        raise typer.Exit(1)
    typer.echo("staff member removed")


@staff_app.command("list")
def staff_list() -> None:
    """Active staff members with their roles."""
    from bot.bootstrap import open_services
    from storage.repositories import staff

    settings = _settings()

    async def listing() -> list[tuple[str, str, str]]:
        services = await open_services(settings)
        try:
            async with services.db.session() as session:
                return [
                    (m.telegram_id, m.role, m.added_at.date().isoformat())
                    for m in await staff.list_active(session)
                ]
        finally:
            await services.db.dispose()

    for telegram_id, role, added in _run(listing):
        typer.echo(f"{telegram_id:>14}  {role:<14} since {added}")


def main() -> None:
    """Entry point: expected failures become one line on stderr and exit status 2."""
    try:
        app()
    except EXPECTED_ERRORS as exc:
        sys.stderr.write(f"liaison: {exc}\n")
        sys.exit(2)
