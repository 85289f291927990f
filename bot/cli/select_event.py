"""`liaison select EVENT_CODE`: balanced selection from an event's registrations in the database.

The pool is the event's eligible requests of one kind that still wait for a decision
(pending, or waitlisted from an earlier round). Staff see the preview (the transparency
report), confirm, and then `bot.application.selection.apply_selection` accepts the
selected and waitlists the rest, each person told in their language through the outbox.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from pathlib import Path

import typer

from bot.application.event_selection import Candidate, confirm, load_candidates, pool_of
from bot.cli.select import preview
from bot.selection.pool import PoolError
from bot.selection.runner import Algorithm, QuotaChoice, build_problem


def select_for_event(
    code: str,
    kind: str | None,
    seats: int,
    choice: QuotaChoice,
    algorithm: Algorithm,
    seed: int | None,
    time_limit: float | None,
    relax: bool,
    reports: Sequence[Path | None],
    *,
    yes: bool,
    dry_run: bool,
) -> None:
    """Load the pool, preview, ask, then apply the selection and record it in the audit log."""
    from bot.bootstrap import open_services
    from bot.cli.main import _settings

    settings = _settings()

    async def load() -> tuple[uuid.UUID, list[Candidate]]:
        services = await open_services(settings)
        try:
            async with services.db.session() as session:
                event, found = await load_candidates(session, code, kind)
                return event.id, found
        finally:
            await services.db.dispose()

    event_id, candidates = asyncio.run(load())
    if not candidates:
        raise PoolError("the event has no eligible requests waiting for a decision")
    selection = preview(
        build_problem(pool_of(candidates), seats, choice), algorithm, seed, time_limit, relax, reports
    )
    if dry_run:
        return
    if not yes and not typer.confirm(
        f"Accept these {len(selection.panel)} and waitlist the other "
        f"{len(selection.waitlisted)}? Each person will be told."
    ):
        typer.echo("Nothing changed.")
        raise typer.Exit(1)

    async def record() -> tuple[int, int, int, int]:
        services = await open_services(settings)
        try:
            async with services.db.session() as session:
                outcome = await confirm(
                    session,
                    candidates,
                    selection,
                    now=services.clock(),
                    translator=services.translator,
                    event_id=event_id,
                    algorithm=algorithm.value,
                )
                return outcome
        finally:
            await services.db.dispose()

    accepted, waitlisted, skipped, full = asyncio.run(record())
    typer.echo(f"{accepted} accepted, {waitlisted} waitlisted; each will be told in their language.")
    if skipped:
        typer.echo(
            f"{skipped} requests changed since the preview (withdrawn or reviewed) and were left as they are."
        )
    if full:
        typer.echo(
            f"{full} could not be accepted: the event has no place left (raise its capacity with "
            "`liaison events update CODE --capacity N`, or put them on the waiting list)."
        )
