"""`liaison select`: balanced, fair selection for an oversubscribed event, or for a CSV pool.

Preview first (the transparency report), then confirm. From a CSV pool the outcome is
written to a CSV file; for an event (`bot.cli.select_event`) the selected registrations
are accepted and the rest waitlisted, each person told in their language through the outbox.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from bot.selection.lottery import Selection
from bot.selection.pool import (
    Pool,
    PoolError,
    SelectionProblem,
    parse_quota,
)
from bot.selection.report import SelectionReport, build_report
from bot.selection.runner import Algorithm, QuotaChoice, build_problem, run_selection

MAXIMIN_MISSING = (
    "--algorithm maximin needs the optional package sortition-algorithms: "
    'pip install -e ".[maximin]" (leximin and greedy work without it)'
)


def require_maximin() -> None:
    """MAXIMIN is an optional extra since the lean install: without it, say how to get it in one line."""
    try:
        import bot.selection.maximin  # noqa: F401
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] != "sortition_algorithms":
            raise
        typer.echo(MAXIMIN_MISSING, err=True)
        raise typer.Exit(1) from None


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
    if algorithm is Algorithm.maximin:
        require_maximin()
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
                kind,
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
