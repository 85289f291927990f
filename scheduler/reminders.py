"""Reminders: when to remind a registrant (plain functions), and the clock that plans them.

The rules are plain functions over plain data (aware UTC datetimes and zone names), tested
without bot or database: offsets before the start (default 7 days, 1 day, 1 hour), moved out
of the recipient's night unless the event is less than a day away.

The clock plans each offset of each event version as a "wave": when the wave may fall due
within the next `MAX_SHIFT`, every live registrant's reminder is queued in the outbox with its
own `send_after` (their local quiet hours), keyed per address, event, offset and version, so
repeated or overlapping ticks and restarts queue nothing twice. Later ticks plan only the
registrations that changed since the wave's mark, and cancel what was queued for those who
withdrew. A reschedule makes a new version, whose waves are planned afresh.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.criteria import calendar_note
from bot.i18n import Translation, Translator, zone_or_utc
from scheduler import ics
from scheduler.calendar_texts import OBSERVER, join, link_for, link_line
from scheduler.channels import form
from scheduler.clocks import ClockJob
from scheduler.notices import Text, delivery_for
from scheduler.outbox import Delivery, enqueue
from storage.models import Event
from storage.repositories import calendar

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

DEFAULT_OFFSETS: tuple[timedelta, ...] = (timedelta(days=7), timedelta(days=1), timedelta(hours=1))
MAX_OFFSET = timedelta(days=60)
MAX_OFFSETS = 6
# Quiet hours can move a reminder by at most this much (earlier or later); planning looks this far ahead.
MAX_SHIFT = timedelta(hours=12)
URGENT = timedelta(days=1)  # an event less than this far away is reminded of even at night


@dataclass(frozen=True)
class QuietHours:
    """Local night: no reminder starts in [start, end) unless the event is less than a day away.

    A reminder that falls at night moves to `end` (the morning) when the event is then still
    at least a day away, else to `evening` before the night began, so it never comes later
    than promised for the day-before reminder.
    """

    start: time = time(22, 0)
    end: time = time(7, 0)
    evening: time = time(21, 0)

    def is_quiet(self, local: time) -> bool:
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


NIGHT = QuietHours()


def _at(day: datetime, clock: time, zone: ZoneInfo) -> datetime:
    """`clock` on the local date of `day`, as aware UTC (a time skipped by DST is read as after the gap)."""
    local = datetime.combine(day.date(), clock, tzinfo=zone)
    return local.astimezone(UTC)


def send_time(
    nominal: datetime, event_start: datetime, time_zone: str | None, quiet: QuietHours = NIGHT
) -> datetime:
    """When to send a reminder nominally due at `nominal` (aware UTC) to someone in `time_zone`."""
    if event_start - nominal < URGENT:
        return nominal
    zone = zone_or_utc(time_zone)
    local = nominal.astimezone(zone)
    if not quiet.is_quiet(local.time().replace(tzinfo=None)):
        return nominal
    # The night that contains `local` began on the evening of this date, or of the day before.
    night_began_yesterday = local.time() < quiet.end
    evening_day = local - timedelta(days=1) if night_began_yesterday else local
    morning_day = local if night_began_yesterday else local + timedelta(days=1)
    morning = _at(morning_day, quiet.end, zone)
    if event_start - morning >= URGENT:
        return morning
    return _at(evening_day, quiet.evening, zone)


@dataclass(frozen=True)
class Reminder:
    offset: timedelta
    send_at: datetime  # aware UTC, after quiet hours


def reminder_times(
    event_start: datetime, offsets: Sequence[timedelta], time_zone: str | None, quiet: QuietHours = NIGHT
) -> list[Reminder]:
    """Each offset's reminder for someone in `time_zone`, the earliest first."""
    found = [
        Reminder(offset, send_time(event_start - offset, event_start, time_zone, quiet))
        for offset in sorted(set(offsets), reverse=True)
        if offset > timedelta(0)
    ]
    return sorted(found, key=lambda reminder: reminder.send_at)


def should_remind(
    reminder: Reminder,
    others: Sequence[Reminder],
    *,
    event_start: datetime,
    registered_at: datetime,
    now: datetime,
) -> bool:
    """Whether this reminder is still worth sending (it may be sent later, at `send_at`).

    Not when it was due before the person registered (they just heard of the event), not once
    the event started, and not when a nearer reminder is already due (after an outage only the
    nearest reminder goes out, not a burst of stale ones).
    """
    if now >= event_start or reminder.send_at < registered_at:
        return False
    return not any(
        other.offset < reminder.offset and other.send_at <= now and other.send_at >= registered_at
        for other in others
    )


def wave_is_open(event_start: datetime, offset: timedelta, now: datetime) -> bool:
    """Whether an offset's reminders may fall due within the planning horizon (quiet hours included)."""
    return event_start - offset - MAX_SHIFT <= now < event_start


_OFFSET = re.compile(r"^\s*(\d{1,4})\s*([dhm])\s*$")
_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}


def parse_offsets(text: str) -> list[timedelta]:
    """`7d,1d,1h` (days, hours, minutes) into offsets, the largest first; ValueError when malformed."""
    offsets: set[timedelta] = set()
    for part in text.split(","):
        match = _OFFSET.match(part)
        if match is None:
            raise ValueError("reminder offsets look like 7d,1d,1h (d days, h hours, m minutes)")
        offset = int(match.group(1)) * _UNITS[match.group(2)]
        if not timedelta(minutes=5) <= offset <= MAX_OFFSET:
            raise ValueError("each reminder offset is between 5 minutes and 60 days")
        offsets.add(offset)
    if len(offsets) > MAX_OFFSETS:
        raise ValueError(f"at most {MAX_OFFSETS} reminder offsets")
    return sorted(offsets, reverse=True)


def format_offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


# --- planning: the clock that puts due reminders into the outbox ---


@dataclass
class _Texts:
    """Rendered reminder texts and calendar files, per language, zone and kind of recipient."""

    translator: Translator
    event: Event
    bodies: dict[tuple[str | None, str | None, bool], tuple[str, str]] = field(default_factory=dict)
    files: dict[tuple[str, bool], tuple[str, bytes, str]] = field(default_factory=dict)

    def text(self, language: str | None, time_zone: str | None, kind: str | None) -> tuple[str, str]:
        observer = kind == OBSERVER
        key = (language, time_zone, observer)
        found = self.bodies.get(key)
        if found is None:
            found = reminder_text(self.translator.get(language), self.event, time_zone, kind)
            self.bodies[key] = found
        return found

    def attachment(self, language: str | None, kind: str | None) -> tuple[str, bytes, str]:
        # Keyed by what differs in the file: its language (title, description and the translated
        # criteria note) and whether it is an observer's.
        key = (language or "", kind == OBSERVER)
        found = self.files.get(key)
        if found is None:
            note = calendar_note(self.event, self.translator.get(language), self.event.time_zone)
            found = ics.attachment(self.event, language, link=link_for(self.event, kind), note=note)
            self.files[key] = found
        return found


def reminder_text(t: Translation, event: Event, time_zone: str | None, kind: str | None) -> tuple[str, str]:
    """(subject, body) of a reminder: short text, the start in the person's zone, the right link."""
    title = event.title(t.language)
    body = join(
        [
            t._("Reminder: {title} starts {when}.").format(
                title=title, when=t.datetime(event.starts_at, time_zone)
            ),
            link_line(t, event, kind),
            t._("To stop reminders for this event, send /mute to the bot."),
        ]
    )
    return t._("Reminder: {title}").format(title=title), body


def reminder_key(event: Event, offset: timedelta, address_id: uuid.UUID) -> str:
    """Unique per recipient address, event, offset and event version."""
    return _key_prefix(event, offset) + address_id.hex


def _key_prefix(event: Event, offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    return f"rem:{event.id.hex}:{event.version}:{minutes}:"


def plan_event_reminders(
    event: Event,
    offsets: Sequence[timedelta],
    recipients: Sequence[calendar.Recipient],
    *,
    muted: set[uuid.UUID],
    open_offsets: set[timedelta],
    now: datetime,
    texts: _Texts,
    quiet: QuietHours = NIGHT,
) -> list[Delivery]:
    """The deliveries due for these recipients in the open waves (pure: no database, no clock)."""
    starts_at = event.starts_at
    prefixes = {offset: _key_prefix(event, offset) for offset in open_offsets}
    # What many recipients share is worked out once: the schedule of a time zone, which of its
    # reminders are due for a registration time, and the text of a language, zone, kind and channel.
    schedules: dict[str | None, list[Reminder]] = {}
    due_for: dict[tuple[str | None, datetime], list[tuple[str, datetime]]] = {}
    contents: dict[tuple[str | None, str | None, bool, str], Text] = {}
    deliveries: list[Delivery] = []
    for recipient in recipients:
        if recipient.person_id in muted:
            continue
        time_zone = recipient.time_zone
        registered_at = recipient.registered_at or now
        due = due_for.get((time_zone, registered_at))
        if due is None:
            schedule = schedules.get(time_zone)
            if schedule is None:
                schedule = schedules[time_zone] = reminder_times(starts_at, offsets, time_zone, quiet)
            due = due_for[(time_zone, registered_at)] = [
                (prefixes[reminder.offset], max(reminder.send_at, now))
                for reminder in schedule
                if reminder.offset in open_offsets
                and should_remind(
                    reminder, schedule, event_start=starts_at, registered_at=registered_at, now=now
                )
            ]
        if not due:
            continue
        channel = recipient.channel
        observer = recipient.registration_kind == OBSERVER
        content_key = (recipient.language, time_zone, observer, channel)
        content = contents.get(content_key)
        if content is None:
            content = contents[content_key] = _content(texts, recipient, channel)
        address_hex = recipient.address_id.hex
        for prefix, send_after in due:
            deliveries.append(
                delivery_for(
                    recipient.address_id, channel, content, key=prefix + address_hex, send_after=send_after
                )
            )
    return deliveries


def _content(texts: _Texts, recipient: calendar.Recipient, channel: str) -> Text:
    subject, body = texts.text(recipient.language, recipient.time_zone, recipient.registration_kind)
    attachment = (
        texts.attachment(recipient.language, recipient.registration_kind)
        if form(channel).attachment
        else None
    )
    return Text(body, subject=subject, attachment=attachment)


async def _plan_event(
    session: AsyncSession,
    translator: Translator,
    event: Event,
    offsets: Sequence[timedelta],
    now: datetime,
    batch: int,
) -> int:
    open_offsets = {offset for offset in offsets if wave_is_open(event.starts_at, offset, now)}
    if not open_offsets:
        return 0
    marks = {
        offset: await calendar.wave(session, event.id, event.version, int(offset.total_seconds() // 60))
        for offset in open_offsets
    }
    # Registrations changed since the oldest mark need planning; a wave never planned needs everyone.
    since_all = [mark.planned_through for mark in marks.values() if mark is not None]
    since = None if len(since_all) < len(marks) else min(since_all)
    recipients = await calendar.registrants(session, event.id, changed_since=since)
    # After a change, reminders that fell due before it are not repeated (the change notice went out then).
    changed_at = await calendar.version_changed_at(session, event)
    if changed_at is not None:
        recipients = [
            replace(r, registered_at=max(r.registered_at or changed_at, changed_at)) for r in recipients
        ]
    texts = _Texts(translator, event)
    deliveries = plan_event_reminders(
        event,
        offsets,
        recipients,
        muted=await calendar.muted(session, event.id),
        open_offsets=open_offsets,
        now=now,
        texts=texts,
    )
    queued = 0
    for start in range(0, len(deliveries), batch):
        queued += await enqueue(session, deliveries[start : start + batch], now=now)
    if since is not None:
        # Registrations that stopped being live since then lose the reminders already queued for them.
        departed = await calendar.departed_addresses(session, event.id, changed_since=since)
        await calendar.cancel_queued(session, calendar.reminder_prefix(event.id), addresses=departed, now=now)
    for offset in open_offsets:
        await calendar.mark_wave(
            session, event.id, event.version, int(offset.total_seconds() // 60), through=now, planned=0
        )
    return queued


async def plan_reminders(services: Services, *, batch: int = 5000) -> int:
    """One tick: queue the reminders of every event whose reminder waves are open; returns rows queued."""
    now = services.clock()
    async with services.db.session() as session:
        events = await calendar.starting_between(session, now, now + MAX_OFFSET + MAX_SHIFT)
        custom = await calendar.all_offsets(session, [event.id for event in events])
    queued = 0
    for event in events:
        # One transaction per event: a failure in one leaves the others planned, and the next tick retries it.
        async with services.db.session() as session:
            queued += await _plan_event(
                session, services.translator, event, custom.get(event.id) or DEFAULT_OFFSETS, now, batch
            )
    if queued:
        log.info("reminders: %d queued across %d events", queued, len(events))
    return queued


async def plan_for_person(
    session: AsyncSession, translator: Translator, event: Event, person_id: uuid.UUID, *, now: datetime
) -> int:
    """Queue a person's due reminders of one event at once (after unmuting)."""
    offsets = await calendar.offsets(session, event.id) or DEFAULT_OFFSETS
    open_offsets = {offset for offset in offsets if wave_is_open(event.starts_at, offset, now)}
    recipients = [r for r in await calendar.registrants(session, event.id) if r.person_id == person_id]
    deliveries = plan_event_reminders(
        event,
        offsets,
        recipients,
        muted=set(),
        open_offsets=open_offsets,
        now=now,
        texts=_Texts(translator, event),
    )
    return await enqueue(session, deliveries, now=now)


CLOCK = ClockJob(
    id="calendar-reminders", every=timedelta(minutes=5), run=plan_reminders, first=timedelta(seconds=20)
)
