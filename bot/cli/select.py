"""`liaison select`: balanced, fair selection for an oversubscribed event, or for a CSV pool.

Preview first (the transparency report), then confirm. From a CSV pool the outcome is
written to a CSV file; for an event the selected registrations are accepted and the
rest waitlisted, each person told in their language through the outbox.
"""

from __future__ import annotations

import csv
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.selection.lottery import Selection
from bot.selection.pool import (
    Applicant,
    Pool,
    PoolError,
    Quota,
    SelectionProblem,
    merge_quotas,
    parse_quota,
    proportional_quotas,
)
from bot.selection.report import SelectionReport, build_report

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.i18n import Translator
    from storage.models.events import Event
    from storage.models.profiles import BalanceData
    from storage.models.registrations import Registration


class Algorithm(StrEnum):
    leximin = "leximin"
    maximin = "maximin"
    greedy = "greedy"


@dataclass(frozen=True)
class QuotaChoice:
    """How staff set the quotas: defaults proportional to the pool, then their own overrides."""

    overrides: tuple[Quota, ...] = ()
    default_features: tuple[str, ...] | None = None
    """Features that get proportional defaults; None means every feature of the pool."""
    tolerance: float = 0.2
    defaults: bool = True


def build_problem(pool: Pool, seats: int, choice: QuotaChoice) -> SelectionProblem:
    defaults: list[Quota] = []
    if choice.defaults:
        defaults = proportional_quotas(
            pool, seats, features=choice.default_features, tolerance=choice.tolerance
        )
    return SelectionProblem(pool=pool, seats=seats, quotas=tuple(merge_quotas(defaults, choice.overrides)))


def run_selection(
    problem: SelectionProblem, algorithm: Algorithm, *, seed: int | None, time_limit: float | None
) -> Selection:
    if algorithm is Algorithm.leximin:
        from bot.selection.leximin import select_leximin

        return select_leximin(problem, seed=seed, time_limit=time_limit)
    if algorithm is Algorithm.maximin:
        from bot.selection.maximin import select_maximin

        return select_maximin(problem, seed=seed)
    from bot.selection.greedy import select_greedy

    return select_greedy(problem, seed=seed, time_limit=time_limit)


def ensure_feasible(problem: SelectionProblem, *, relax: bool) -> SelectionProblem:
    """The problem itself if its quotas can be met; its nearest relaxation if `relax`; else exit 1 explaining."""
    from bot.selection.feasibility import check_feasibility, relaxed_quotas

    answer = check_feasibility(problem)
    if answer.feasible:
        return problem
    for line in answer.explain():
        typer.echo(line, err=True)
    if not relax:
        typer.echo(
            "Change those quotas (--quota feature:value:min:max), or pass --relax to use the nearest "
            "feasible ones.",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo("Using the nearest feasible quotas (--relax).", err=True)
    return SelectionProblem(problem.pool, problem.seats, relaxed_quotas(problem, answer.relaxation))


def write_reports(
    report: SelectionReport, json_path: Path | None, csv_path: Path | None, md_path: Path | None
) -> None:
    for path, text in ((json_path, report.to_json), (csv_path, report.to_csv), (md_path, report.to_markdown)):
        if path is not None:
            path.write_text(text(), encoding="utf-8")
            typer.echo(f"report written to {path}")


def write_outcome(selection: Selection, path: Path) -> None:
    chosen = set(selection.panel)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "decision", "probability"])
        for applicant in selection.problem.pool.ids:
            decision = "accepted" if applicant in chosen else "waitlisted"
            writer.writerow([applicant, decision, f"{selection.probabilities[applicant]:.6f}"])


def select(
    event: Annotated[
        str | None, typer.Argument(help="The event whose pending registrations to select from.")
    ] = None,
    seats: Annotated[int | None, typer.Option(min=1, help="How many to select.")] = None,
    quota: Annotated[
        list[str] | None,
        typer.Option(help="feature:value:min:max, repeatable; replaces the default for that value."),
    ] = None,
    pool_file: Annotated[
        Path | None, typer.Option("--pool", help="Select from this CSV (id column + one column per feature).")
    ] = None,
    id_column: Annotated[str, typer.Option(help="The id column of the CSV pool.")] = "id",
    features: Annotated[
        str | None, typer.Option(help="Comma-separated features to balance by default (default: all).")
    ] = None,
    tolerance: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Width of the default proportional quotas (0.2 = ±20%).")
    ] = 0.2,
    no_default_quotas: Annotated[
        bool, typer.Option("--no-default-quotas", help="Only the --quota bounds, no proportional defaults.")
    ] = False,
    algorithm: Annotated[
        Algorithm, typer.Option(help="leximin (fairest); maximin and greedy for comparison.")
    ] = (Algorithm.leximin),
    seed: Annotated[int | None, typer.Option(help="Repeat an earlier draw with its recorded seed.")] = None,
    time_limit: Annotated[float | None, typer.Option(min=1.0, help="Seconds before stopping early.")] = None,
    relax: Annotated[
        bool, typer.Option("--relax", help="If the quotas conflict, use the nearest feasible ones.")
    ] = False,
    report_json: Annotated[
        Path | None, typer.Option(help="Write the full report (with the lottery) as JSON.")
    ] = None,
    report_csv: Annotated[
        Path | None, typer.Option(help="Write each applicant's probability as CSV.")
    ] = None,
    report_md: Annotated[Path | None, typer.Option(help="Write the report as markdown.")] = None,
    out: Annotated[Path | None, typer.Option(help="CSV pool: where to write accepted/waitlisted.")] = None,
    kind: Annotated[
        str | None, typer.Option(help="EVENT: which requests (participant, floor, panel_speaker, ...).")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm without asking.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Preview only; change nothing.")] = False,
) -> None:
    """Select a balanced, fair set of participants or speakers: preview the report, then confirm."""
    logging.getLogger("sortition_algorithms").setLevel(logging.WARNING)
    if seats is None:
        raise typer.BadParameter("give the number of seats with --seats N")
    if (event is None) == (pool_file is None):
        raise typer.BadParameter("give either an EVENT or --pool FILE.csv")
    try:
        choice = QuotaChoice(
            overrides=tuple(parse_quota(q) for q in quota or ()),
            default_features=tuple(f.strip() for f in features.split(",")) if features else None,
            tolerance=tolerance,
            defaults=not no_default_quotas,
        )
        if pool_file is not None:
            _select_from_csv(
                pool_file,
                id_column,
                seats,
                choice,
                algorithm,
                seed,
                time_limit,
                relax,
                (report_json, report_csv, report_md),
                out,
                yes=yes,
                dry_run=dry_run,
            )
        else:
            assert event is not None
            from bot.cli.select_event import select_for_event

            select_for_event(
                event,
                seats,
                choice,
                algorithm,
                seed,
                time_limit,
                relax,
                (report_json, report_csv, report_md),
                yes=yes,
                dry_run=dry_run,
            )
    except PoolError as exc:
        typer.echo(f"liaison select: {exc}", err=True)
        raise typer.Exit(2) from None


def preview(
    problem: SelectionProblem,
    algorithm: Algorithm,
    seed: int | None,
    time_limit: float | None,
    relax: bool,
    reports: Sequence[Path | None],
) -> Selection:
    """Check the quotas, run the selection, print the report and write the requested exports."""
    problem = ensure_feasible(problem, relax=relax)
    typer.echo(f"Selecting {problem.seats} of {len(problem.pool)} with {algorithm.value}...", err=True)
    selection = run_selection(problem, algorithm, seed=seed, time_limit=time_limit)
    report = build_report(selection, now=datetime.now(UTC))
    typer.echo(report.to_markdown())
    json_path, csv_path, md_path = reports
    write_reports(report, json_path, csv_path, md_path)
    return selection


def _select_from_csv(
    pool_file: Path,
    id_column: str,
    seats: int,
    choice: QuotaChoice,
    algorithm: Algorithm,
    seed: int | None,
    time_limit: float | None,
    relax: bool,
    reports: Sequence[Path | None],
    out: Path | None,
    *,
    yes: bool,
    dry_run: bool,
) -> None:
    if not pool_file.is_file():
        raise PoolError(f"no such pool file: {pool_file}")
    pool = Pool.read_csv(pool_file, id_column=id_column)
    selection = preview(build_problem(pool, seats, choice), algorithm, seed, time_limit, relax, reports)
    if dry_run:
        return
    if out is None:
        typer.echo("Preview only: pass --out FILE.csv to record who is accepted and who waitlisted.")
        return
    if not yes and not typer.confirm(
        f"Accept these {len(selection.panel)} and waitlist the other {len(selection.waitlisted)}?"
    ):
        typer.echo("Nothing recorded.")
        raise typer.Exit(1)
    write_outcome(selection, out)
    typer.echo(f"{len(selection.panel)} accepted, {len(selection.waitlisted)} waitlisted: written to {out}")


# --- selecting from an event's registrations ---

EVENT_FEATURES = ("stakeholder_type", "subregion", "country", "gender", "age_group", "migrant_led")
UNKNOWN = "unknown"
"""The value of a feature nobody gave (unanswered, or the person was erased): a group of its own."""


@dataclass(frozen=True)
class Candidate:
    """A pending, eligible registration and the balance values of the person behind it."""

    registration_id: uuid.UUID
    reference: str
    kind: str
    values: dict[str, str]


def eligible(registration: Registration) -> bool:
    """Pending, and for a floor intervention all three criteria of R5 (a) answered yes."""
    from bot.domain.eligibility import FLOOR_QUESTIONS
    from storage.models.registrations import RegistrationKind, RegistrationStatus

    if registration.status != RegistrationStatus.PENDING:
        return False
    if registration.kind == RegistrationKind.FLOOR:
        return all(getattr(registration, question) is True for question in FLOOR_QUESTIONS)
    return True


def candidate(registration: Registration, balance: BalanceData | None) -> Candidate:
    values = {
        "stakeholder_type": registration.stakeholder_type,
        "subregion": registration.subregion,
        "country": registration.country,
        "gender": balance.gender if balance else None,
        "age_group": balance.age_group if balance else None,
        "migrant_led": balance.migrant_led if balance else None,
    }
    return Candidate(
        registration_id=registration.id,
        reference=registration.reference,
        kind=registration.kind,
        values={k: (v or UNKNOWN) for k, v in values.items()},
    )


def pool_of(candidates: Sequence[Candidate]) -> Pool:
    return Pool(
        applicants=tuple(Applicant(id=c.reference, features=c.values) for c in candidates),
        features=EVENT_FEATURES,
    )


async def load_candidates(
    session: AsyncSession, code: str, kind: str | None
) -> tuple[Event, list[Candidate]]:
    """The event with `code` and its pending eligible registrations of `kind`."""
    from storage.models.profiles import BalanceData
    from storage.repositories import events, registrations

    event = await events.by_code(session, code)
    if event is None:
        raise PoolError(f"no event has the code {code!r}")
    pending = [r for r in await registrations.for_event(session, event.id) if eligible(r)]
    kinds = sorted({r.kind for r in pending})
    if kind is None and len(kinds) > 1:
        raise PoolError(
            f"the event has pending requests of several kinds ({', '.join(kinds)}): choose one with --kind"
        )
    chosen = [r for r in pending if kind is None or r.kind == kind]
    found = []
    for registration in chosen:
        balance = None
        if registration.person_id is not None:
            balance = await session.get(BalanceData, registration.person_id)
        found.append(candidate(registration, balance))
    return event, found


async def confirm(
    session: AsyncSession,
    candidates: Sequence[Candidate],
    selection: Selection,
    *,
    now: datetime,
    translator: Translator | None,
    actor: str = "cli",
) -> tuple[int, int, int]:
    """Accept the selected, waitlist the rest (reason: balance); each person is told through the outbox.

    Registrations that stopped being pending since the preview (withdrawn, reviewed) are left
    alone and counted as skipped.
    """
    from bot.application import registrations as decisions
    from bot.i18n import Translator
    from scheduler.notices import Notices
    from storage.models.registrations import Registration, RegistrationStatus

    notices = Notices(translator or Translator())
    chosen = set(selection.panel)
    accepted = waitlisted = skipped = 0
    for c in candidates:
        current = await session.get(Registration, c.registration_id)
        if current is None or current.status != RegistrationStatus.PENDING:
            skipped += 1
            continue
        selected = c.reference in chosen
        try:
            await decisions.decide(
                session,
                notices,
                c.registration_id,
                (RegistrationStatus.ACCEPTED if selected else RegistrationStatus.WAITLISTED).value,
                reason_key=None if selected else "balance",
                actor=actor,
                now=now,
            )
        except decisions.DecisionRefused:
            # The event filled up meanwhile (capacity below the seats drawn): left pending for review.
            skipped += 1
            continue
        if selected:
            accepted += 1
        else:
            waitlisted += 1
    return accepted, waitlisted, skipped


def _select_for_event(
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
    import asyncio

    from bot.bootstrap import open_services
    from bot.cli.main import _settings
    from storage.repositories import audit

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
        raise PoolError("the event has no pending eligible requests to select from")
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

    async def record() -> tuple[int, int, int]:
        services = await open_services(settings)
        try:
            async with services.db.session() as session:
                outcome = await confirm(
                    session, candidates, selection, now=services.clock(), translator=services.translator
                )
                await audit.append(
                    session,
                    at=services.clock(),
                    actor="cli",
                    action=f"selection.{algorithm.value}",
                    subject_type="event",
                    subject_id=f"{event_id} seed={selection.seed}",
                )
                return outcome
        finally:
            await services.db.dispose()

    accepted, waitlisted, skipped = asyncio.run(record())
    typer.echo(f"{accepted} accepted, {waitlisted} waitlisted; each will be told in their language.")
    if skipped:
        typer.echo(
            f"{skipped} requests changed since the preview (withdrawn or reviewed) and were left as they are."
        )
