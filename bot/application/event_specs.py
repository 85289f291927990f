"""Events as staff describe them in a file or in arguments: each entry checked into an `EventSpec`
(the message names the entry and the field), then created or changed through the application
service. Shared by `liaison events create|update|cancel` and the web console's import page."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.event_input import KINDS, MAX_TITLE, REGIONS
from bot.settings import LANGUAGES

if TYPE_CHECKING:
    from storage.models import InvitationRecord

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
    return parse_specs(path.read_text(encoding="utf-8"), path.suffix)


def parse_specs(text: str, suffix: str) -> list[EventSpec]:
    """Events from the text of a file whose name ends in `suffix` (.yaml, .yml or .csv)."""
    if suffix.lower() == ".csv":
        entries: list[Any] = [
            {key: value for key, value in row.items() if value not in (None, "")}
            for row in csv.DictReader(io.StringIO(text))
        ]
    elif suffix.lower() in {".yaml", ".yml"}:
        import yaml  # only these files need it, and the bot loads this module at start

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
