"""iCalendar files of events, built with the `icalendar` package.

Times are written in the venue's zone with its VTIMEZONE (trimmed to the years around the
events, so files stay small); UID is the event's id, the same across updates; SEQUENCE is the
event's version, so calendar apps replace the old copy; a cancelled event is sent with
METHOD:CANCEL and STATUS:CANCELLED. Which link goes in is the caller's choice: observers and
public feeds only ever get the view-only link.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.i18n import zone_or_utc
from storage.models import Event, EventStatus

if TYPE_CHECKING:
    from icalendar import Calendar, Timezone
    from icalendar import Event as VEvent

PRODID = "-//Liaison//Regional calendar//EN"
UID_DOMAIN = "liaison.calendar"
MIME = "text/calendar"
DEFAULT_LENGTH = timedelta(hours=1)


def uid(event: Event) -> str:
    return f"{event.id}@{UID_DOMAIN}"


def filename(event: Event) -> str:
    return f"event-{event.code}.ics"


def _component(event: Event, language: str | None, link: str | None, note: str | None = None) -> VEvent:
    from icalendar import Event as VEvent

    zone = zone_or_utc(event.time_zone)
    component = VEvent()
    component.add("uid", uid(event))
    component.add("sequence", event.version)
    component.add("dtstamp", event.updated_at)
    component.add("dtstart", event.starts_at.astimezone(zone))
    component.add("dtend", (event.ends_at or event.starts_at + DEFAULT_LENGTH).astimezone(zone))
    component.add("summary", event.title(language))
    description = event.description(language)
    if note:  # the criteria, deadline and what happens after registering (R8); a community mark
        description = f"{description}\n\n{note}".strip()
    if link:
        component.add("url", link)
        description = f"{description}\n\n{link}".strip()
    if description:
        component.add("description", description)
    cancelled = event.status == EventStatus.CANCELLED
    component.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    component.add("categories", [event.kind])
    return component


def _calendar(method: str, name: str | None = None) -> Calendar:
    # icalendar is imported by the first file built, not with the bot, which may never build one.
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


@lru_cache(maxsize=128)
def _timezone(name: str, first_year: int, last_year: int) -> Timezone:
    """The VTIMEZONE of a zone over a few years; computing its transitions is slow, so it is made once."""
    from icalendar import Timezone

    return Timezone.from_tzinfo(
        zone_or_utc(name), tzid=name, first_date=date(first_year, 1, 1), last_date=date(last_year, 1, 1)
    )


def _finish(calendar: Calendar, events: Sequence[Event]) -> bytes:
    zones = sorted({zone_or_utc(event.time_zone).key for event in events} - {"UTC"})
    if zones:
        first = min(event.starts_at for event in events).year - 1
        last = max(event.ends_at or event.starts_at for event in events).year + 2
        for name in zones:
            calendar.add_component(_timezone(name, first, last))
    return bytes(calendar.to_ical())


def event_file(event: Event, language: str | None, *, link: str | None, note: str | None = None) -> bytes:
    """One event for a person's calendar: METHOD:CANCEL when it is cancelled, else PUBLISH."""
    cancelled = event.status == EventStatus.CANCELLED
    calendar = _calendar("CANCEL" if cancelled else "PUBLISH")
    calendar.add_component(_component(event, language, link, note))
    return _finish(calendar, [event])


def region_feed(
    events: Sequence[Event],
    language: str | None,
    *,
    name: str,
    link_of: dict[str, str] | None = None,
    note_of: dict[str, str] | None = None,
) -> bytes:
    """A region's feed (cancelled events included, marked so); `link_of` maps codes to public links,
    `note_of` to text added to the description (criteria, a community mark)."""
    calendar = _calendar("PUBLISH", name)
    for event in events:
        calendar.add_component(
            _component(event, language, (link_of or {}).get(event.code), (note_of or {}).get(event.code))
        )
    return _finish(calendar, list(events))


def attachment(
    event: Event, language: str | None, *, link: str | None, note: str | None = None
) -> tuple[str, bytes, str]:
    """(filename, content, mime) for an outbox delivery."""
    return filename(event), event_file(event, language, link=link, note=note), MIME
