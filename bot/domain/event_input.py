"""What staff type about an event, checked as plain text: time zone, local start, capacity, and
the kinds, regions and lengths allowed. Shared by the chat's /event and the web console's forms;
tested without bot or database."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.reference.countries import Region
from storage.models import EventKind

MAX_TITLE = 200
MAX_ZONE = 64
MAX_MOMENT = 32
MAX_CAPACITY = 100_000

KINDS = tuple(kind.value for kind in EventKind)
REGIONS = tuple(region.value for region in Region)


def parse_zone(text: str) -> str | None:
    """An IANA zone name such as Africa/Nairobi, or None."""
    name = text.strip()
    if not name or len(name) > MAX_ZONE or " " in name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def parse_local_moment(text: str, time_zone: str) -> datetime | None:
    """`2026-06-10 09:00` (or with a T) read in `time_zone`, as aware UTC; None when malformed."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(time_zone))
    return moment.astimezone(UTC)


def parse_capacity(text: str) -> int | None:
    cleaned = text.strip().replace(",", "").replace(" ", "")
    if not cleaned.isdigit():
        return None
    value = int(cleaned)
    return value if 1 <= value <= MAX_CAPACITY else None
