"""`liaison reports …`: the offline recovery key, purging, and a status without content."""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import typer

from bot.settings import Settings

reports_app = typer.Typer(no_args_is_help=True, help="Confidential reports: recovery key, purge, status.")
recovery_app = typer.Typer(no_args_is_help=True, help="The offline recovery key of the reports.")
reports_app.add_typer(recovery_app, name="recovery-key")


def _settings() -> Settings:
    from bot.cli.main import _settings as load

    return load()


@recovery_app.command("generate")
def recovery_generate(
    retire_old: Annotated[
        bool, typer.Option(help="Stop sealing new cases to earlier recovery keys (old cases keep them).")
    ] = False,
) -> None:
    """Create a recovery key pair; print the private key ONCE. Keep it offline, on paper or in a safe."""
    from bot.bootstrap import open_services
    from storage.crypto.report_keys import new_recovery_key
    from storage.repositories import audit
    from storage.repositories import reports as repo

    settings = _settings()
    private_text, public = new_recovery_key()

    async def store() -> None:
        services = await open_services(settings)
        try:
            async with services.db.session() as session:
                if retire_old:
                    for old in await repo.recovery_keys(session):
                        old.retired_at = services.clock()
                row = await repo.add_recovery_key(session, public, now=services.clock())
                await audit.append(
                    session, at=services.clock(), actor="cli", action="report.recovery_key",
                    subject_type="recovery_key", subject_id=str(row.id),
                )  # fmt: skip
        finally:
            await services.db.dispose()

    asyncio.run(store())
    typer.echo("Recovery key (shown only now; the server keeps only its public half):")
    typer.echo("")
    typer.echo(f"    {private_text}")
    typer.echo("")
    typer.echo("Every new case is sealed to it. Write it down and keep it offline; anyone who holds it")
    typer.echo("and a copy of the database can read every case sealed to it. Cases created before this")
    typer.echo("key stay readable only by the staff (or recovery keys) they were sealed to.")


@recovery_app.command("restore")
def recovery_restore(
    telegram_id: Annotated[
        int, typer.Option("--staff", help="Telegram id of the staff member to give access")
    ],
) -> None:
    """Re-seal every case sealed to the recovery key to one staff member (who ran /setpassphrase)."""
    from bot.bootstrap import open_services
    from storage.crypto.report_keys import ReportCryptoError, parse_recovery_key
    from storage.repositories import reports as repo
    from storage.repositories import staff

    settings = _settings()
    # Hidden at a terminal; read plainly when piped in (from a secret store), where hiding only warns.
    secret = typer.prompt("Recovery key", hide_input=sys.stdin.isatty())
    try:
        recovery = parse_recovery_key(secret)
    except ReportCryptoError as exc:
        raise typer.BadParameter(str(exc)) from None

    async def restore() -> int:
        services = await open_services(settings)
        try:
            async with services.db.session() as session:
                member = await staff.find_active(session, services.keyring, telegram_id)
                if member is None:
                    raise typer.BadParameter("no active staff member has that Telegram id")
                result = await repo.recover_for_staff(session, recovery, member.id, now=services.clock())
                return result.cases
        finally:
            await services.db.dispose()

    try:
        cases = asyncio.run(restore())
    except (ReportCryptoError, repo.NoCaseKeyError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{cases} case(s) re-sealed to the staff member")


@reports_app.command("purge")
def purge() -> None:
    """Purge closed cases past retention now (the hourly clock does the same), and former staff keys."""
    from bot.bootstrap import open_services
    from scheduler.report_retention import purge_reports

    settings = _settings()

    async def run() -> int:
        services = await open_services(settings)
        try:
            return await purge_reports(services)
        finally:
            await services.db.dispose()

    typer.echo(f"purged {asyncio.run(run())} closed case(s)")


@reports_app.command("status")
def status() -> None:
    """Counts only: open and closed cases, staff keys, recovery keys."""
    from sqlalchemy import func, select

    from bot.bootstrap import open_services
    from storage.models import RecoveryKey, ReportCase, StaffReportKey

    settings = _settings()

    async def count() -> tuple[int, int, int, int]:
        services = await open_services(settings)
        try:
            async with services.db.session() as session:
                closed = ReportCase.status == "closed"
                open_count = await session.scalar(select(func.count()).select_from(ReportCase).where(~closed))
                closed_count = await session.scalar(
                    select(func.count()).select_from(ReportCase).where(closed)
                )
                keys = await session.scalar(select(func.count()).select_from(StaffReportKey))
                recovery = await session.scalar(
                    select(func.count()).select_from(RecoveryKey).where(RecoveryKey.retired_at.is_(None))
                )
                return open_count or 0, closed_count or 0, keys or 0, recovery or 0
        finally:
            await services.db.dispose()

    open_count, closed_count, keys, recovery = asyncio.run(count())
    typer.echo(
        f"cases: {open_count} open, {closed_count} closed; staff keys: {keys}; recovery keys: {recovery}"
    )
    if keys == 0 and recovery == 0:
        typer.echo("no one can read reports yet: staff must run /setpassphrase, or generate a recovery key")
