"""`liaison contacts import FILE.csv|FILE.xlsx --source NAME`: outreach lists from network members (R21).

It shows how the file's columns map to our fields (with the first row's values, for the
desk to check), asks before importing, validates every row, de-duplicates by the blind
index of the email against the file itself, existing contacts and people who already
use Liaison, and reports every bad row by line and problem (and every row imported with a
warning, such as a country it could not recognise); bad rows are also written
to `<FILE>.rejected.csv` with a `problem` column, to fix and import again. With
`--invite EVENT_CODE --bot USERNAME`, new contacts get an email invitation (in their
language) with the deep link `https://t.me/<bot>?start=ev_<code>`, through the outbox.
"""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path
from typing import Annotated

import typer

from bot.application.contact_import import (
    BOT_USERNAME,
    ImportFileError,
    ImportReport,
    Invitation,
    import_rows,
    read_rows,
)
from bot.cli.private_files import open_private
from bot.domain.outreach import FIELDS, REQUIRED, BadRow, map_columns

contacts_app = typer.Typer(no_args_is_help=True, help="Outreach contacts: import lists, invite.")


def write_rejects(path: Path, headers: list[str], bad: list[BadRow]) -> None:
    with open_private(path) as handle:
        writer = csv.DictWriter(handle, fieldnames=["line", *headers, "problem"], extrasaction="ignore")
        writer.writeheader()
        for row in bad:
            writer.writerow({"line": row.line, **row.original, "problem": "; ".join(row.problems)})


def _overrides(pairs: list[str]) -> dict[str, str]:
    found = {}
    for pair in pairs:
        name, sep, header = pair.partition("=")
        if not sep or name.strip() not in FIELDS:
            raise typer.BadParameter(f"--map takes FIELD=Column with FIELD one of {', '.join(FIELDS)}")
        found[name.strip()] = header.strip()
    return found


@contacts_app.command("import")
def import_command(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="A .csv or .xlsx file")
    ],
    source: Annotated[str, typer.Option(help="Where the list comes from, e.g. 'ESCAP network, May 2026'")],
    map_: Annotated[
        list[str] | None, typer.Option("--map", help="FIELD=Column, when a header is not recognised")
    ] = None,
    invite: Annotated[
        str | None, typer.Option(help="Invite new contacts to the event with this code")
    ] = None,
    bot: Annotated[str | None, typer.Option(help="The bot's username, for the invitation link")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Import without asking after the preview")] = False,
) -> None:
    """Import an outreach list: preview the column mapping, validate, de-duplicate, report, invite."""
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from bot.bootstrap import open_services
    from bot.cli.main import _settings

    source = source.strip()
    if not 1 <= len(source) <= 64:
        raise typer.BadParameter("--source takes 1 to 64 characters")
    if invite and not (bot and BOT_USERNAME.match(bot.removeprefix("@"))):
        raise typer.BadParameter("--invite needs --bot USERNAME (the bot's Telegram username)")
    try:
        headers, rows, total = read_rows(file)
        mapping = map_columns(headers, _overrides(map_ or []))
    except (ImportFileError, ValueError, UnicodeDecodeError) as exc:
        typer.echo(f"cannot read {file.name}: {exc}", err=True)
        raise typer.Exit(1) from None
    console = Console()
    first = next(iter(read_rows(file)[1]), {})
    table = Table(title=f"{file.name}: {total} rows")
    table.add_column("our field")
    table.add_column("column in the file")
    table.add_column("first row")
    for wanted in FIELDS:
        header = mapping.get(wanted)
        table.add_row(wanted, header or "(none)", (first.get(header, "") if header else "")[:40])
    console.print(table)
    unmapped = [h for h in headers if h not in mapping.values()]
    if unmapped:
        console.print(f"columns not used: {', '.join(unmapped)}")
    missing = [f for f in REQUIRED if f not in mapping]
    if missing:
        typer.echo(f"no column for {', '.join(missing)}: name it with --map email=<Column>", err=True)
        raise typer.Exit(1)
    if not yes and not typer.confirm("Import with this mapping?"):
        raise typer.Exit(1)
    settings = _settings()
    invitation = Invitation(invite, bot.removeprefix("@")) if invite and bot else None

    async def run() -> ImportReport:
        services = await open_services(settings)
        try:
            with Progress(console=console, transient=True) as progress:
                task = progress.add_task("importing", total=total)
                return await import_rows(
                    services, rows, mapping, source=source, invitation=invitation,
                    advance=lambda n: progress.advance(task, n),
                )  # fmt: skip
        finally:
            await services.db.dispose()

    try:
        report = asyncio.run(run())
    except ImportFileError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    for text in report.lines():
        typer.echo(text)
    if report.bad:
        rejects = file.with_name(file.name + ".rejected.csv")
        write_rejects(rejects, headers, report.bad)
        typer.echo(f"bad rows written to {rejects}: fix them and import that file again")
