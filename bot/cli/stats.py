"""`liaison stats export EVENT_CODE FILE.csv|FILE.xlsx [--language ar]`: an event's participant list (R22).

The file is `bot.application.participant_exports`, as the browser console's download: categories
by name in the chosen language, names only with the person's consent to share them, CSV in UTF-8
with a byte-order mark. The export is audited.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.application.participant_exports import COLUMNS

if TYPE_CHECKING:
    from bot.i18n import Translation
    from bot.services import Services
    from storage.repositories.review import Participant

__all__ = ["COLUMNS", "participant_list", "stats_app", "write"]

stats_app = typer.Typer(no_args_is_help=True, help="Registration statistics and participant lists.")


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


def write(path: Path, rows: list[Participant], t: Translation | None = None) -> None:
    """CSV or XLSX by the file's suffix, categories named in `t`'s language (English by default)."""
    from bot.application.participant_exports import FORMATS
    from bot.cli.private_files import write_private
    from bot.i18n import Translator

    file_format = path.suffix.lower().removeprefix(".")
    if file_format not in FORMATS:
        raise ExportError("the file must end in .csv or .xlsx")
    write_private(path, FORMATS[file_format](rows, t or Translator().get("en")))


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
