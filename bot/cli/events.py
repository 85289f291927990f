"""`liaison events …`: add and list events, see registrations by reference, review one (R9).

Minimal on purpose; the calendar issue extends it. Times are given in the venue's time
zone (or with an explicit offset) and stored as UTC.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from bot.settings import LANGUAGES, Settings

events_app = typer.Typer(no_args_is_help=True, help="Events people can register for.")

KINDS = "briefing, consultation, review_meeting, submission_deadline or other"
REGIONS = "africa, arab_states, asia_pacific, europe_north_america, latin_america_caribbean or global"


def _settings() -> Settings:
    from bot.cli.main import _settings as load

    return load()


def parse_moment(value: str, zone: ZoneInfo) -> datetime:
    """`2026-03-10T14:00` in the venue's zone, or with an explicit offset; returned as aware UTC."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date and time like 2026-03-10T14:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def parse_texts(values: list[str], what: str) -> dict[str, str]:
    """`en=Regional review` pairs, one per language."""
    texts: dict[str, str] = {}
    for value in values:
        language, separator, text = value.partition("=")
        if not separator or language not in LANGUAGES or not text.strip():
            raise typer.BadParameter(f"each {what} is LANG=TEXT with LANG one of {', '.join(LANGUAGES)}")
        texts[language] = text.strip()
    return texts


@events_app.command("add")
def add(
    kind: Annotated[str, typer.Option(help=KINDS)],
    region: Annotated[str, typer.Option(help=REGIONS)],
    title: Annotated[
        list[str], typer.Option(help="LANG=TEXT; repeat per language (English is the fallback)")
    ],
    starts: Annotated[str, typer.Option(help="Start, e.g. 2026-03-10T14:00, in --time-zone")],
    time_zone: Annotated[str, typer.Option(help="The venue's IANA time zone")] = "UTC",
    ends: Annotated[str | None, typer.Option(help="End, same form as --starts")] = None,
    code: Annotated[str | None, typer.Option(help="Public code for links (random when not given)")] = None,
    description: Annotated[list[str] | None, typer.Option(help="LANG=TEXT; repeat per language")] = None,
    participant_link: Annotated[str | None, typer.Option(help="Link for participants")] = None,
    view_link: Annotated[str | None, typer.Option(help="View-only link (the one observers get)")] = None,
    opens: Annotated[str | None, typer.Option(help="Registration opens (default: now)")] = None,
    closes: Annotated[str | None, typer.Option(help="Registration closes (default: the start)")] = None,
    capacity: Annotated[int | None, typer.Option(min=1, help="Places")] = None,
) -> None:
    """Add an event; prints its code and the invitation link payload."""
    from bot.application import events as event_service
    from bot.bootstrap import open_services
    from bot.cli.calendar import invitation_lines
    from bot.reference.countries import Region
    from storage.models import EventKind

    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise typer.BadParameter(f"{time_zone!r} is not an IANA time zone such as Africa/Nairobi") from None
    if kind not in {k.value for k in EventKind}:
        raise typer.BadParameter(f"--kind is one of {KINDS}")
    if region not in {r.value for r in Region}:
        raise typer.BadParameter(f"--region is one of {REGIONS}")
    titles = parse_texts(title, "--title")
    descriptions = parse_texts(description or [], "--description")
    settings = _settings()

    async def create() -> list[str]:
        services = await open_services(settings)
        try:
            new = event_service.NewEvent(
                code=code,
                region=region,
                kind=kind,
                titles=titles,
                descriptions=descriptions,
                starts_at=parse_moment(starts, zone),
                ends_at=parse_moment(ends, zone) if ends else None,
                time_zone=time_zone,
                participant_link=participant_link,
                view_link=view_link,
                registration_opens_at=parse_moment(opens, zone) if opens else None,
                registration_closes_at=parse_moment(closes, zone) if closes else None,
                capacity=capacity,
            )
            async with services.db.session() as session:
                published = await event_service.publish(session, new, actor="cli", now=services.clock())
            code_ = published.event.code
            return [
                f"event {code_} added; invitation link: https://t.me/<your bot>?start=ev_{code_}",
                *invitation_lines(code_, published.invitation),
            ]
        finally:
            await services.db.dispose()

    try:
        lines = asyncio.run(create())
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    for line in lines:
        typer.echo(line)


@events_app.command("list")
def list_events(
    all_events: Annotated[bool, typer.Option("--all", help="Include past events")] = False,
) -> None:
    """Events (upcoming unless --all) with their registrations counted by status."""
    from bot.bootstrap import open_services
    from storage.repositories import events, registrations

    settings = _settings()

    async def listing() -> list[str]:
        services = await open_services(settings)
        try:
            async with services.db.session() as session:
                found = await events.all_events(session, since=None if all_events else services.clock())
                lines = []
                for event in found:
                    counted = await registrations.counts(session, event.id)
                    by_status: dict[str, int] = {}
                    for (_, status), count in counted.items():
                        by_status[status] = by_status.get(status, 0) + count
                    summary = ", ".join(f"{status} {count}" for status, count in sorted(by_status.items()))
                    lines.append(
                        f"{event.code:<8} {event.starts_at:%Y-%m-%d %H:%M}Z  {event.kind:<19} {event.region:<23} "
                        f"{event.status:<11} {event.title('en')}  [{summary or 'no registrations'}]"
                    )
                return lines
        finally:
            await services.db.dispose()

    lines = asyncio.run(listing())
    for line in lines:
        typer.echo(line)
    if not lines:
        typer.echo("no events" if all_events else "no upcoming events (--all shows past ones too)")


@events_app.command("registrations")
def list_registrations(code: str) -> None:
    """An event's registrations: reference, kind, status and categories; no names."""
    from bot.bootstrap import open_services
    from storage.repositories import events, registrations

    settings = _settings()

    async def listing() -> list[str] | None:
        services = await open_services(settings)
        try:
            async with services.db.session() as session:
                event = await events.by_code(session, code)
                if event is None:
                    return None
                return [
                    f"{r.reference}  {r.kind:<14} {r.status:<11} {r.stakeholder_type or '-':<28} {r.country or '-'}"
                    for r in await registrations.for_event(session, event.id)
                ]
        finally:
            await services.db.dispose()

    lines = asyncio.run(listing())
    if lines is None:
        typer.echo("no event has that code", err=True)
        raise typer.Exit(1)
    for line in lines:
        typer.echo(line)


@events_app.command("review")
def review(
    reference: str,
    status: Annotated[str, typer.Argument(help="accepted, waitlisted, declined or pending")],
    reason: Annotated[
        str | None, typer.Option(help="capacity, balance, criteria, late, duplicate or other")
    ] = None,
) -> None:
    """Set a registration's status; the person is told in their language (through the outbox)."""
    from bot.application import registrations as decisions
    from bot.bootstrap import open_services
    from storage.repositories import registrations

    settings = _settings()

    async def decide() -> decisions.Decision:
        services = await open_services(settings)
        try:
            async with services.db.session() as session:
                found = await registrations.by_reference(session, reference)
                if found is None:
                    raise decisions.DecisionRefused(
                        decisions.Refusal.NOT_FOUND, "no registration has that reference"
                    )
                return await decisions.decide(
                    session,
                    services.notices,
                    found.id,
                    status,
                    reason_key=reason,
                    actor="cli",
                    now=services.clock(),
                )
        finally:
            await services.db.dispose()

    try:
        decision = asyncio.run(decide())
    except decisions.DecisionRefused as refused:
        typer.echo(f"liaison: {refused}", err=True)
        raise typer.Exit(1) from None
    if not decision.changed:
        typer.echo(f"{reference.upper()} was already {status}; nobody was told again")
    elif decision.told is None or not decision.told.reached:
        typer.echo(f"{reference.upper()} is now {status}; the person cannot be reached, so nobody was told")
    else:
        typer.echo(
            f"{reference.upper()} is now {status}; the person is told by {', '.join(decision.told.channels)}"
        )
    if decision.promoted is not None:
        typer.echo(
            f"{decision.promoted.registration.reference} took the place from the waiting list and is told"
        )
