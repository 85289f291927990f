"""`liaison submissions export DIR`: the published submissions, unedited, with the disclaimer
(R7); what is written is described in `bot/application/submission_exports.py`."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

submissions_app = typer.Typer(no_args_is_help=True, help="Written submissions: export the published set.")


@submissions_app.command("export")
def export_command(
    directory: Annotated[
        Path, typer.Argument(file_okay=False, help="Where to write submissions.html and .csv")
    ],
) -> None:
    """Write the published submissions, unedited, with the disclaimer."""
    from bot.application.submission_exports import export
    from bot.bootstrap import open_services
    from bot.cli.main import _settings

    settings = _settings()

    async def run() -> tuple[int, Path, Path]:
        services = await open_services(settings)
        try:
            return await export(services, directory)
        finally:
            await services.db.dispose()

    count, page, table = asyncio.run(run())
    typer.echo(f"{count} published submissions written to {page} and {table}")
