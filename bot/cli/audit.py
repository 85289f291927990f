"""`liaison audit` (show the log), `liaison audit checkpoint` (print its head) and
`liaison audit verify [--checkpoint COUNT:HASH]` (check its keyed hash chain).

The log holds ids only: who (a staff member id, "cli" or "system"), what, on which row.
Reading it is itself recorded. `verify` exits 1 when an entry was edited, removed or
inserted, or when the log no longer agrees with a checkpoint kept outside the database
(a chain recomputed with the server's keys, or its newest entries cut).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from bot.services import Services
    from storage.models import AuditEntry
    from storage.repositories.audit import ChainProblem, Checkpoint

audit_app = typer.Typer(
    invoke_without_command=True, help="The audit log of staff reads and actions: show it, verify it."
)


async def entries(
    services: Services, *, limit: int, action: str | None = None, since: datetime | None = None
) -> list[AuditEntry]:
    from sqlalchemy import select

    from storage.models import AuditEntry
    from storage.repositories import audit

    async with services.db.session() as session:
        query = select(AuditEntry)
        if action:
            query = query.where(AuditEntry.action.startswith(action))
        if since is not None:
            query = query.where(AuditEntry.at >= since)
        found = list(await session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)))
        await audit.append(
            session, at=services.clock(), actor="cli", action="audit.read", subject_type="audit_log",
            subject_id=str(len(found)),
        )  # fmt: skip
    return found[::-1]


async def verify_chain(
    services: Services, checkpoints: tuple[Checkpoint, ...] = ()
) -> tuple[int, list[ChainProblem]]:
    from sqlalchemy import func, select

    from storage.models import AuditEntry
    from storage.repositories import audit

    async with services.db.session() as session:
        count = int(await session.scalar(select(func.count()).select_from(AuditEntry)) or 0)
        return count, await audit.verify(session, checkpoints)


async def head(services: Services) -> Checkpoint:
    from storage.repositories import audit

    async with services.db.session() as session:
        return await audit.checkpoint(session)


def _parse_checkpoint(text: str) -> Checkpoint:
    from storage.repositories.audit import Checkpoint

    try:
        return Checkpoint.parse(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@audit_app.callback()
def show(
    context: typer.Context,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="How many of the newest entries")] = 50,
    action: Annotated[str | None, typer.Option(help="Only actions starting with this, e.g. report.")] = None,
) -> None:
    """Show the newest entries (administrators; run it on the server)."""
    if context.invoked_subcommand is not None:
        return
    from bot.bootstrap import open_services
    from bot.cli.main import _settings

    settings = _settings()

    async def run() -> list[AuditEntry]:
        services = await open_services(settings)
        try:
            return await entries(services, limit=limit, action=action)
        finally:
            await services.db.dispose()

    for entry in asyncio.run(run()):
        typer.echo(
            f"{entry.id:>7}  {entry.at.isoformat(timespec='seconds')}  {entry.actor:<44}  "
            f"{entry.action:<30} {entry.subject_type}:{entry.subject_id}"
        )


@audit_app.command("checkpoint")
def checkpoint_command() -> None:
    """Print the head of the log (COUNT:HASH); keep it offline to check the log against later."""
    from bot.bootstrap import open_services
    from bot.cli.main import _settings

    settings = _settings()

    async def run() -> Checkpoint:
        services = await open_services(settings)
        try:
            return await head(services)
        finally:
            await services.db.dispose()

    typer.echo(str(asyncio.run(run())))


@audit_app.command("verify")
def verify(
    checkpoint: Annotated[
        list[str] | None,
        typer.Option(help="COUNT:HASH from `liaison audit checkpoint` or the daily message; repeatable"),
    ] = None,
) -> None:
    """Check the keyed hash chain (and checkpoints): any edit, deletion, insertion, recomputed
    chain or cut tail is reported and exits 1."""
    from bot.bootstrap import open_services
    from bot.cli.main import _settings

    points = tuple(_parse_checkpoint(text) for text in checkpoint or [])
    settings = _settings()

    async def run() -> tuple[int, list[ChainProblem]]:
        services = await open_services(settings)
        try:
            return await verify_chain(services, points)
        finally:
            await services.db.dispose()

    count, problems = asyncio.run(run())
    if not problems:
        agreed = f"; agrees with {len(points)} checkpoint(s)" if points else ""
        typer.echo(f"audit log intact: {count} entries, every hash and link matches{agreed}")
        return
    for problem in problems:
        typer.echo(f"entry {problem.entry_id}: {problem.reason}", err=True)
    typer.echo(f"audit log BROKEN: {len(problems)} problems in {count} entries", err=True)
    raise typer.Exit(1)
