"""`liaison calendar export|invitations` and `liaison events create|update|cancel`.

Events come from arguments or from a YAML or CSV file (one event per entry or row). A row
whose `code` names an existing event updates it; a move, a cancellation or a new link tells
every registrant and regional subscriber at once (through the outbox). Publishing a
consultation or a formal review meeting records its invitations and warns when they would
go out less than six weeks before it (R8). Times are read in the venue's zone unless they
carry an offset.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from bot.application.event_specs import (
    EventSpec,
    SpecError,
    apply_spec,
    parse_spec,
    read_specs,
)
from bot.application.event_specs import invitation_lines as invitation_lines
from bot.domain.event_input import KINDS
from bot.domain.event_input import REGIONS as REGIONS
from bot.settings import LANGUAGES, Settings

calendar_app = typer.Typer(no_args_is_help=True, help="Regional calendars: feeds and invitations.")


def _settings() -> Settings:
    from bot.cli.main import _settings as load

    return load()


def _apply_all(specs: list[EventSpec]) -> None:
    from bot.bootstrap import open_services

    settings = _settings()

    async def run() -> list[str]:
        services = await open_services(settings)
        lines: list[str] = []
        try:
            for number, spec in enumerate(specs, start=1):
                try:
                    lines += await apply_spec(services, spec)
                except (SpecError, ValueError) as exc:
                    label = spec.code or f"event {number}"
                    lines.append(f"{label}: not applied: {exc}")
        finally:
            await services.db.dispose()
        return lines

    lines = asyncio.run(run())
    for line in lines:
        typer.echo(line, err="not applied" in line or line.startswith("WARNING"))
    if any("not applied" in line for line in lines):
        raise typer.Exit(1)


def create(
    file: Annotated[Path | None, typer.Option(help="A .yaml or .csv file of events")] = None,
    kind: Annotated[str | None, typer.Option(help=", ".join(KINDS))] = None,
    region: Annotated[str | None, typer.Option(help=", ".join(REGIONS))] = None,
    title: Annotated[list[str] | None, typer.Option(help="LANG=TEXT, repeat per language")] = None,
    starts: Annotated[str | None, typer.Option(help="e.g. 2026-03-10T14:00 in --time-zone")] = None,
    ends: Annotated[str | None, typer.Option()] = None,
    time_zone: Annotated[str, typer.Option(help="The venue's IANA zone")] = "UTC",
    code: Annotated[str | None, typer.Option(help="Public code (random when not given)")] = None,
    participant_link: Annotated[str | None, typer.Option()] = None,
    view_link: Annotated[str | None, typer.Option(help="View-only link (observers)")] = None,
    opens: Annotated[str | None, typer.Option(help="Registration opens")] = None,
    closes: Annotated[str | None, typer.Option(help="Registration closes")] = None,
    capacity: Annotated[int | None, typer.Option(min=1)] = None,
    reminders: Annotated[str | None, typer.Option(help="Offsets, default 7d,1d,1h")] = None,
) -> None:
    """Create events from arguments or a file (rows naming an existing code update it)."""
    try:
        if file is not None:
            specs = read_specs(file)
        else:
            specs = [
                parse_spec(
                    {
                        "code": code, "kind": kind, "region": region, "title": _pairs(title or []),
                        "starts": starts, "ends": ends, "time_zone": time_zone,
                        "participant_link": participant_link, "view_link": view_link, "opens": opens,
                        "closes": closes, "capacity": capacity, "reminders": reminders,
                    }
                )
            ]  # fmt: skip
    except (SpecError, OSError) as exc:
        raise typer.BadParameter(str(exc)) from None
    _apply_all(specs)


def update(
    code: str,
    starts: Annotated[str | None, typer.Option(help="New start, in the venue's zone")] = None,
    ends: Annotated[str | None, typer.Option()] = None,
    time_zone: Annotated[
        str | None, typer.Option(help="Zone of the times given (default: the venue's)")
    ] = None,
    participant_link: Annotated[str | None, typer.Option(help="New link ('' removes it)")] = None,
    view_link: Annotated[str | None, typer.Option()] = None,
    title: Annotated[list[str] | None, typer.Option(help="LANG=TEXT")] = None,
    capacity: Annotated[int | None, typer.Option(min=1)] = None,
    reminders: Annotated[str | None, typer.Option(help="Offsets, e.g. 7d,1d,1h")] = None,
) -> None:
    """Change an event; a move or a new link tells everyone concerned at once."""
    zone_name = time_zone or _venue_zone(code)
    try:
        spec = parse_spec(
            {
                "code": code,
                "starts": starts,
                "ends": ends,
                "time_zone": zone_name,
                "participant_link": participant_link,
                "view_link": view_link,
                "title": _pairs(title or []),
                "capacity": capacity,
                "reminders": reminders,
            }
        )
    except SpecError as exc:
        raise typer.BadParameter(str(exc)) from None
    if time_zone is None:
        spec.time_zone = None  # the zone only read the times; the venue's stays
    _apply_all([spec])


def cancel(code: str) -> None:
    """Cancel an event: registrants and subscribers are told, reminders stop, calendars get METHOD:CANCEL."""
    _apply_all([EventSpec(code=code.strip().upper(), cancel=True)])


def _pairs(values: list[str]) -> dict[str, str]:
    texts = {}
    for value in values:
        language, separator, text = value.partition("=")
        if not separator:
            raise typer.BadParameter("each --title is LANG=TEXT")
        texts[language.strip()] = text
    return texts


def _venue_zone(code: str) -> str:
    from bot.bootstrap import open_services
    from storage.repositories import events

    settings = _settings()

    async def find() -> str | None:
        services = await open_services(settings)
        try:
            async with services.db.session() as session:
                event = await events.by_code(session, code)
                return None if event is None else event.time_zone
        finally:
            await services.db.dispose()

    found = asyncio.run(find())
    if found is None:
        typer.echo("no event has that code", err=True)
        raise typer.Exit(1)
    return found


def install_event_commands(events_app: typer.Typer) -> None:
    """Add create, update and cancel to `liaison events`."""
    events_app.command("create")(create)
    events_app.command("update")(update)
    events_app.command("cancel")(cancel)


@calendar_app.command("export")
def export(
    region: Annotated[str, typer.Option(help=", ".join(REGIONS))],
    output: Annotated[Path | None, typer.Option(help="File to write (default: standard output)")] = None,
    language: Annotated[str, typer.Option(help=", ".join(LANGUAGES))] = "en",
    past_days: Annotated[
        int, typer.Option(min=0, help="Include events that started this many days ago")
    ] = 30,
) -> None:
    """Write a region's iCalendar feed (global events included; cancelled ones marked so)."""
    from bot.bootstrap import open_services

    if region not in REGIONS:
        raise typer.BadParameter(f"--region is one of {', '.join(REGIONS)}")
    if language not in LANGUAGES:
        raise typer.BadParameter(f"--language is one of {', '.join(LANGUAGES)}")
    settings = _settings()

    async def build() -> tuple[bytes, int]:
        from bot.application.calendar_feeds import region_feed

        services = await open_services(settings)
        try:
            return await region_feed(
                services, region, language, since=services.clock() - timedelta(days=past_days)
            )
        finally:
            await services.db.dispose()

    content, count = asyncio.run(build())
    if output is None:
        typer.echo(content.decode("utf-8"), nl=False)
    else:
        output.write_bytes(content)
        typer.echo(f"{count} events written to {output}", err=True)


@calendar_app.command("invitations")
def late_invitations() -> None:
    """Invitations recorded as going out less than six weeks before their meeting (R8)."""
    from bot.bootstrap import open_services
    from storage.repositories import calendar

    settings = _settings()

    async def listing() -> list[str]:
        services = await open_services(settings)
        try:
            async with services.db.session() as session:
                return [
                    f"{event.code:<8} {event.kind:<15} {event.starts_at:%Y-%m-%d}  invitations "
                    f"{record.send_at:%Y-%m-%d}  {record.lead_days} days ahead  "
                    f"{'queued ' + str(record.invited) if record.planned_at else 'not yet sent'}"
                    for record, event in await calendar.late_invitations(session)
                ]
        finally:
            await services.db.dispose()

    lines = asyncio.run(listing())
    if not lines:
        typer.echo("no invitation went out late")
    for line in lines:
        typer.echo(line)
