"""`liaison stats export EVENT_CODE FILE.csv|FILE.xlsx [--language ar]`: an event's participant list (R22).

Each row has the registration's reference, status, kind, categories and balance answers
(gender, age group, migrant-led), each by its name in the chosen language, never its code.
Name, organisation and email appear only for people whose consent to share their details
with the network is in force at the time of the export; for everyone else those cells
are empty. The CSV is UTF-8 with a byte-order mark, so spreadsheet programs read Arabic and
Chinese. The export is audited.
"""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from bot.i18n import Translation
    from bot.services import Services
    from storage.repositories.review import Participant

stats_app = typer.Typer(no_args_is_help=True, help="Registration statistics and participant lists.")
COLUMNS = (
    "reference", "status", "kind", "stakeholder_type", "country", "subregion", "gender", "age_group",
    "migrant_led", "name", "organisation", "email",
)  # fmt: skip
# Columns holding a category code, written as its name in the export's language.
CATEGORY_COLUMNS = frozenset(
    ("status", "kind", "stakeholder_type", "country", "subregion", "gender", "age_group", "migrant_led")
)


class ExportError(ValueError):
    pass


async def participant_list(
    services: Services, event_code: str, *, statuses: tuple[str, ...] | None
) -> list[Participant]:
    from storage.repositories import events, review

    async with services.db.session() as session:
        event = await events.by_code(session, event_code)
        if event is None:
            raise ExportError(f"no event has the code {event_code!r}")
        return await review.participants(
            session, event.id, actor="cli", now=services.clock(), statuses=statuses
        )


def cells(row: Participant, t: Translation) -> list[str]:
    """One participant as the export shows it: categories by name in `t`'s language, not by code."""
    from bot.reference.categories import category_label

    return [
        category_label(t, column, getattr(row, column))
        if column in CATEGORY_COLUMNS
        else getattr(row, column) or ""
        for column in COLUMNS
    ]


def write(path: Path, rows: list[Participant], t: Translation | None = None) -> None:
    """CSV (UTF-8 with a byte-order mark, so spreadsheet programs read Arabic and Chinese) or XLSX."""
    from bot.i18n import Translator

    t = t or Translator().get("en")
    values = [cells(row, t) for row in rows]
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.title = "participants"
        sheet.append(list(COLUMNS))
        for line in values:
            sheet.append(line)
        workbook.save(path)
    elif path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            writer.writerows(values)
    else:
        raise ExportError("the file must end in .csv or .xlsx")


@stats_app.command("export")
def export_command(
    event_code: str,
    file: Annotated[Path, typer.Argument(dir_okay=False, help="participants.csv or participants.xlsx")],
    status: Annotated[
        list[str] | None, typer.Option(help="Only these statuses, e.g. --status accepted")
    ] = None,
    language: Annotated[
        str, typer.Option(help="Language of the category names: ar, zh, en, fr, ru, es")
    ] = "en",
) -> None:
    """Write an event's participant list; names only with the person's consent to share them."""
    from bot.bootstrap import open_services
    from bot.cli.main import _settings
    from bot.settings import LANGUAGES

    if file.suffix.lower() not in (".csv", ".xlsx"):
        raise typer.BadParameter("the file must end in .csv or .xlsx")
    if language not in LANGUAGES:
        raise typer.BadParameter(f"the language must be one of {', '.join(LANGUAGES)}")
    settings = _settings()

    async def run() -> tuple[list[Participant], Translation]:
        services = await open_services(settings)
        try:
            found = await participant_list(services, event_code, statuses=tuple(status) if status else None)
            return found, services.translator.get(language)
        finally:
            await services.db.dispose()

    try:
        rows, t = asyncio.run(run())
        write(file, rows, t)
    except ExportError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    named = sum(1 for row in rows if row.name or row.organisation)
    typer.echo(f"{len(rows)} registrations written to {file}; {named} with details shared by consent")
