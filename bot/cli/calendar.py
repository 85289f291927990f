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
import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
import yaml

from bot.settings import LANGUAGES, Settings

if TYPE_CHECKING:
    from storage.models import InvitationRecord

calendar_app = typer.Typer(no_args_is_help=True, help="Regional calendars: feeds and invitations.")

KINDS = ("briefing", "consultation", "review_meeting", "submission_deadline", "other")
REGIONS = (
    "africa",
    "arab_states",
    "asia_pacific",
    "europe_north_america",
    "latin_america_caribbean",
    "global",
)
MAX_TITLE = 200
MAX_DESCRIPTION = 2000
FIELDS = (
    "code",
    "kind",
    "region",
    "starts",
    "ends",
    "time_zone",
    "participant_link",
    "view_link",
    "opens",
    "closes",
    "capacity",
    "reminders",
    "cancel",
)


def _settings() -> Settings:
    from bot.cli.main import _settings as load

    return load()


class SpecError(ValueError):
    """A malformed event entry; the message names the entry and the field."""


@dataclass
class EventSpec:
    """One event as staff describe it; None means "not given" (keep it, on update)."""

    code: str | None = None
    kind: str | None = None
    region: str | None = None
    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    starts: datetime | None = None
    ends: datetime | None = None
    time_zone: str | None = None
    participant_link: str | None = None
    view_link: str | None = None
    opens: datetime | None = None
    closes: datetime | None = None
    capacity: int | None = None
    reminders: list[timedelta] | None = None
    cancel: bool = False


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SpecError(f"{name!r} is not an IANA time zone such as Africa/Nairobi") from None


def _moment(value: Any, zone: ZoneInfo, name: str) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise SpecError(f"{name}: {value!r} is not a date and time like 2026-03-10T14:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _texts(value: Any, name: str, limit: int) -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise SpecError(f"{name} is a mapping of language to text, e.g. {{en: ..., fr: ...}}")
    texts = {}
    for language, text in value.items():
        if language not in LANGUAGES:
            raise SpecError(f"{name}: {language!r} is not one of {', '.join(LANGUAGES)}")
        cleaned = " ".join(str(text).split()) if name == "title" else str(text).strip()
        if not cleaned or len(cleaned) > limit:
            raise SpecError(f"{name} in {language}: 1 to {limit} characters")
        texts[str(language)] = cleaned
    return texts


def parse_spec(entry: dict[str, Any]) -> EventSpec:
    """An entry of a YAML list or a CSV row (`title_en`, `description_fr` … columns) into an EventSpec."""
    from scheduler.reminders import parse_offsets

    unknown = set(entry) - set(FIELDS) - {"title", "description"}
    unknown -= {key for key in entry if key.startswith(("title_", "description_"))}
    if unknown:
        raise SpecError(f"unknown field(s): {', '.join(sorted(unknown))}")
    titles = _texts(entry.get("title"), "title", MAX_TITLE)
    descriptions = _texts(entry.get("description"), "description", MAX_DESCRIPTION)
    for key, value in entry.items():
        if key.startswith("title_") and value:
            titles |= _texts({key.removeprefix("title_"): value}, "title", MAX_TITLE)
        if key.startswith("description_") and value:
            descriptions |= _texts({key.removeprefix("description_"): value}, "description", MAX_DESCRIPTION)
    kind = entry.get("kind") or None
    if kind is not None and kind not in KINDS:
        raise SpecError(f"kind is one of {', '.join(KINDS)}")
    region = entry.get("region") or None
    if region is not None and region not in REGIONS:
        raise SpecError(f"region is one of {', '.join(REGIONS)}")
    time_zone = entry.get("time_zone") or None
    zone = _zone(time_zone or "UTC")
    capacity = entry.get("capacity")
    if capacity not in (None, ""):
        try:
            capacity = int(capacity)
        except (TypeError, ValueError):
            raise SpecError("capacity is a whole number") from None
        if capacity < 1:
            raise SpecError("capacity is at least 1")
    reminders = entry.get("reminders")
    try:
        offsets = parse_offsets(str(reminders)) if reminders not in (None, "") else None
    except ValueError as exc:
        raise SpecError(str(exc)) from None
    cancel = str(entry.get("cancel", "")).strip().lower() in {"1", "true", "yes"}
    return EventSpec(
        code=(str(entry["code"]).strip().upper() or None) if entry.get("code") else None,
        kind=kind,
        region=region,
        titles=titles,
        descriptions=descriptions,
        starts=_moment(entry.get("starts"), zone, "starts"),
        ends=_moment(entry.get("ends"), zone, "ends"),
        time_zone=time_zone,
        participant_link=entry.get("participant_link"),
        view_link=entry.get("view_link"),
        opens=_moment(entry.get("opens"), zone, "opens"),
        closes=_moment(entry.get("closes"), zone, "closes"),
        capacity=capacity if capacity not in (None, "") else None,
        reminders=offsets,
        cancel=cancel,
    )


def read_specs(path: Path) -> list[EventSpec]:
    """Events from a .yaml/.yml file (a list, or {events: [...]}) or a .csv file with a header row."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".csv":
        entries: list[Any] = [
            {key: value for key, value in row.items() if value not in (None, "")}
            for row in csv.DictReader(io.StringIO(text))
        ]
    elif path.suffix.lower() in {".yaml", ".yml"}:
        loaded = yaml.safe_load(text)
        entries = loaded.get("events", []) if isinstance(loaded, dict) else loaded
        if not isinstance(entries, list):
            raise SpecError("the YAML file holds a list of events (or `events:` with a list)")
    else:
        raise SpecError("the file ends in .yaml, .yml or .csv")
    specs = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise SpecError(f"event {number}: not a mapping of fields")
        try:
            specs.append(parse_spec({str(key): value for key, value in entry.items()}))
        except SpecError as exc:
            raise SpecError(f"event {number}: {exc}") from None
    return specs


def invitation_lines(code: str, record: InvitationRecord | None) -> list[str]:
    """When a new event's invitations go out, and the warning when that is late (R8)."""
    if record is None:
        return []
    lines = [f"invitations go out {record.send_at:%Y-%m-%d %H:%M}Z, {record.lead_days} days ahead"]
    if record.late:
        lines.append(f"WARNING: that is less than six weeks before {code}; recorded, and staff are told")
    return lines


async def apply_spec(services: Any, spec: EventSpec, *, actor: str = "cli") -> list[str]:
    """Create or update one event in its own transaction; returns the lines to print."""
    from bot.application import events as event_service
    from scheduler import change_notices
    from storage.repositories import events

    now = services.clock()
    async with services.db.session() as session:
        existing = await events.by_code(session, spec.code) if spec.code else None
        if existing is None:
            if spec.cancel:
                raise SpecError(f"no event {spec.code} to cancel")
            if not (spec.kind and spec.region and spec.titles and spec.starts):
                raise SpecError("a new event needs kind, region, title and starts")
            new = event_service.NewEvent(
                code=spec.code,
                region=spec.region,
                kind=spec.kind,
                titles=spec.titles,
                descriptions=spec.descriptions,
                starts_at=spec.starts,
                ends_at=spec.ends,
                time_zone=spec.time_zone or "UTC",
                participant_link=spec.participant_link,
                view_link=spec.view_link,
                registration_opens_at=spec.opens,
                registration_closes_at=spec.closes,
                capacity=spec.capacity,
                reminders=spec.reminders,
            )
            published = await event_service.publish(session, new, actor=actor, now=now)
            event, record = published.event, published.invitation
            return [f"event {event.code} created", *invitation_lines(event.code, record)]
        if (spec.kind and spec.kind != existing.kind) or (spec.region and spec.region != existing.region):
            raise SpecError(
                f"the kind and region of {existing.code} cannot change; cancel it and create another"
            )
        edit = change_notices.EventEdit(
            starts_at=spec.starts,
            ends_at=spec.ends,
            time_zone=spec.time_zone,
            participant_link=spec.participant_link,
            view_link=spec.view_link,
            titles=spec.titles,
            descriptions=spec.descriptions,
            capacity=spec.capacity,
            registration_opens_at=spec.opens,
            registration_closes_at=spec.closes,
            cancel=spec.cancel,
        )
        result = await event_service.change(
            session, services.translator, existing, edit, reminders=spec.reminders, actor=actor, now=now
        )
        if not result.changes:
            return [f"event {existing.code} updated (nothing people must hear of)"]
        return [
            f"event {existing.code} is now version {result.version} ({', '.join(result.changes)}); "
            f"{result.notices} notices queued, {result.reminders_cancelled} queued reminders replaced"
        ]


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


async def region_feed(services: Any, region: str, language: str, *, since: datetime) -> tuple[bytes, int]:
    """A region's feed and how many events it holds (shared by the CLI and the HTTP feed)."""
    from bot.domain.criteria import calendar_note
    from scheduler import community, ics
    from scheduler.calendar_texts import deep_link, region_label
    from storage.repositories import calendar

    async with services.db.session() as session:
        found = await calendar.in_regions(
            session, None if region == "global" else [region], since=since, include_cancelled=True
        )
        username = await calendar.setting(session, calendar.BOT_USERNAME)
        shared = await community.labels(session, [event.id for event in found])
    t = services.translator.get(language)
    links = {event.code: link for event in found if (link := deep_link(username, event.code))}
    # Criteria in advance (R8), and the mark of events organisations shared (R23).
    notes = {
        event.code: note
        for event in found
        if (
            note := "\n".join(
                part
                for part in (
                    community.mark(t, shared[event.id]) if event.id in shared else None,
                    calendar_note(event, t, event.time_zone),
                )
                if part
            )
        )
    }
    name = t._("Liaison calendar: {region}").format(region=region_label(t, region))
    return ics.region_feed(found, language, name=name, link_of=links, note_of=notes), len(found)


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
