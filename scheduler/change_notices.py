"""Changes people must hear of at once (R14): rescheduled, cancelled, a new link.

`update_event` applies staff's edits; when the start or end moves, the event is cancelled or
a link changes, it raises the event's version, records what changed (old and new), cancels
the reminders queued for the old version, and queues a notice to every registrant and
regional subscriber in the same transaction, each in their language with old and new times
in their own zone. Registrants' emails carry the updated calendar file (a higher SEQUENCE, or
METHOD:CANCEL). Who gets a link follows R5: observers only ever see the view-only link, and
subscribers who did not register see no link.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.criteria import calendar_note
from bot.i18n import Translation, Translator
from scheduler import ics
from scheduler.calendar_texts import OBSERVER, join
from scheduler.channels import form
from scheduler.notices import Text, delivery_for
from scheduler.outbox import Delivery, enqueue
from storage.models import Event, EventStatus, RegistrationStatus
from storage.repositories import calendar

log = logging.getLogger(__name__)

STARTS, ENDS, STATUS, PARTICIPANT_LINK, VIEW_LINK = (
    "starts_at",
    "ends_at",
    "status",
    "participant_link",
    "view_link",
)
NOTICE_FIELDS = (STARTS, ENDS, STATUS, PARTICIPANT_LINK, VIEW_LINK)
# Waitlisted people are concerned by a change too, though they get no reminders.
CONCERNED = (
    RegistrationStatus.PENDING.value,
    RegistrationStatus.ACCEPTED.value,
    RegistrationStatus.WAITLISTED.value,
)
MAX_LINK = 500


@dataclass(frozen=True)
class Snapshot:
    """What people are told about, before and after a change."""

    starts_at: datetime
    ends_at: datetime | None
    status: str
    participant_link: str | None
    view_link: str | None

    @classmethod
    def of(cls, event: Event) -> Snapshot:
        return cls(event.starts_at, event.ends_at, event.status, event.participant_link, event.view_link)


def _plain(value: object) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, datetime) else str(value)


def what_changed(before: Snapshot, after: Snapshot) -> dict[str, list[str | None]]:
    """Field → [old, new] (times as ISO UTC) for every field people must hear of."""
    return {
        item.name: [_plain(getattr(before, item.name)), _plain(getattr(after, item.name))]
        for item in fields(Snapshot)
        if getattr(before, item.name) != getattr(after, item.name)
    }


@dataclass
class EventEdit:
    """Staff's edits; None leaves a field as it is (an empty string clears a link)."""

    starts_at: datetime | None = None
    ends_at: datetime | None = None
    time_zone: str | None = None
    participant_link: str | None = None
    view_link: str | None = None
    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    capacity: int | None = None
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    cancel: bool = False


@dataclass(frozen=True)
class ChangeResult:
    changes: dict[str, list[str | None]]
    version: int
    notices: int
    reminders_cancelled: int


def _link(value: str | None, current: str | None) -> str | None:
    if value is None:
        return current
    value = value.strip()
    if not value:
        return None
    if len(value) > MAX_LINK or not value.startswith(("https://", "http://")):
        raise ValueError("a link starts with https:// and has at most 500 characters")
    return value


def apply_edit(event: Event, edit: EventEdit, *, now: datetime) -> None:
    """Change the event in memory; ValueError (naming no person) when the result would be inconsistent."""
    if event.status == EventStatus.CANCELLED and not edit.cancel:
        raise ValueError(f"event {event.code} is cancelled; create a new event instead")
    starts_at = edit.starts_at or event.starts_at
    ends_at = edit.ends_at if edit.ends_at is not None else event.ends_at
    if edit.starts_at is not None and edit.ends_at is None and event.ends_at is not None:
        ends_at = event.ends_at + (edit.starts_at - event.starts_at)  # moving keeps the length
    if ends_at is not None and ends_at < starts_at:
        raise ValueError("an event cannot end before it starts")
    event.starts_at, event.ends_at = starts_at, ends_at
    event.participant_link = _link(edit.participant_link, event.participant_link)
    event.view_link = _link(edit.view_link, event.view_link)
    if edit.time_zone is not None:
        event.time_zone = edit.time_zone
    if edit.titles:
        event.titles = {**event.titles, **edit.titles}
    if edit.descriptions:
        event.descriptions = {**(event.descriptions or {}), **edit.descriptions}
    if edit.capacity is not None:
        event.capacity = edit.capacity
    if edit.registration_opens_at is not None:
        event.registration_opens_at = edit.registration_opens_at
    if edit.registration_closes_at is not None:
        event.registration_closes_at = edit.registration_closes_at
    if edit.cancel:
        event.status = EventStatus.CANCELLED.value
    event.updated_at = now


async def update_event(
    session: AsyncSession, translator: Translator, event: Event, edit: EventEdit, *, now: datetime
) -> ChangeResult:
    """Apply staff's edits; when people must hear of them, a new version and notices go out at once."""
    before = Snapshot.of(event)
    apply_edit(event, edit, now=now)
    changes = what_changed(before, Snapshot.of(event))
    if not changes:
        await session.flush()
        return ChangeResult({}, event.version, 0, 0)
    if (STARTS in changes or ENDS in changes) and event.status != EventStatus.CANCELLED:
        event.status = EventStatus.RESCHEDULED.value
    event.version += 1
    await session.flush()
    cancelled = await calendar.cancel_queued(session, calendar.reminder_prefix(event.id), now=now)
    change = await calendar.record_change(session, event, changes, now=now)
    notices = await notify(session, translator, event, before, now=now)
    change.notices = notices
    log.info(
        "event %s: version %d (%s), %d notices queued", event.code, event.version, ", ".join(changes), notices
    )
    return ChangeResult(changes, event.version, notices, cancelled)


def notice_text(
    t: Translation, event: Event, before: Snapshot, time_zone: str | None, *, registered: str | None
) -> tuple[str, str] | None:
    """(subject, body) telling one kind of recipient what changed, or None when nothing concerns them.

    `registered` is the registration kind, or None for a subscriber who did not register.
    """
    title = event.title(t.language)
    lines: list[str | None] = []
    if event.status == EventStatus.CANCELLED and before.status != EventStatus.CANCELLED:
        lines.append(
            t._("{title} on {when} is cancelled.").format(
                title=title, when=t.datetime(before.starts_at, time_zone)
            )
        )
        subject = t._("Cancelled: {title}").format(title=title)
    else:
        subject = t._("Changed: {title}").format(title=title)
        if event.starts_at != before.starts_at:
            lines.append(
                t._("{title} has moved from {old} to {new}.").format(
                    title=title,
                    old=t.datetime(before.starts_at, time_zone),
                    new=t.datetime(event.starts_at, time_zone),
                )
            )
        elif event.ends_at != before.ends_at and event.ends_at is not None:
            lines.append(
                t._("{title} now ends {new}.").format(title=title, new=t.datetime(event.ends_at, time_zone))
            )
        if (
            registered is not None
            and registered != OBSERVER
            and event.participant_link != before.participant_link
        ):
            if event.participant_link:
                lines.append(t._("New link to join: {link}").format(link=event.participant_link))
            else:
                lines.append(t._("The link to join was withdrawn; a new one will follow."))
        if registered is not None and event.view_link != before.view_link and event.view_link:
            lines.append(t._("New link to watch: {link}").format(link=event.view_link))
    if not lines:
        return None
    return subject, join(lines)


async def notify(
    session: AsyncSession, translator: Translator, event: Event, before: Snapshot, *, now: datetime
) -> int:
    """Queue the notices of the event's current version to registrants and the region's subscribers."""
    registrants = await calendar.registrants(session, event.id, statuses=CONCERNED)
    seen = {recipient.address_id for recipient in registrants}
    recipients: list[tuple[uuid.UUID, str, str | None, str | None, str | None]] = [
        (r.address_id, r.channel, r.language, r.time_zone, r.registration_kind) for r in registrants
    ]
    for subscriber in await calendar.subscribers(session, [event.region]):
        for address_id, channel in subscriber.addresses:
            if address_id not in seen:
                seen.add(address_id)
                recipients.append((address_id, channel, subscriber.language, subscriber.time_zone, None))
    texts: dict[tuple[str | None, str | None, str | None], tuple[str, str] | None] = {}
    files: dict[tuple[str | None, bool], tuple[str, bytes, str]] = {}
    deliveries: list[Delivery] = []
    for address_id, channel, language, time_zone, kind in recipients:
        audience = None if kind is None else (OBSERVER if kind == OBSERVER else "participant")
        key = (language, time_zone, audience)
        if key not in texts:
            texts[key] = notice_text(translator.get(language), event, before, time_zone, registered=audience)
        text = texts[key]
        if text is None:
            continue
        attachment = None
        if form(channel).attachment and kind is not None:
            file_key = (language, kind == OBSERVER)
            if file_key not in files:
                link = event.view_link if kind == OBSERVER else (event.participant_link or event.view_link)
                note = calendar_note(event, translator.get(language), event.time_zone)
                files[file_key] = ics.attachment(event, language, link=link, note=note)
            attachment = files[file_key]
        deliveries.append(
            delivery_for(
                address_id,
                channel,
                Text(text[1], subject=text[0], attachment=attachment),
                key=f"chg:{event.id.hex}:{event.version}:{address_id.hex}",
            )
        )
    return await _enqueue_all(session, deliveries, now=now)


async def _enqueue_all(
    session: AsyncSession, deliveries: Sequence[Delivery], *, now: datetime, batch: int = 5000
) -> int:
    queued = 0
    for start in range(0, len(deliveries), batch):
        queued += await enqueue(session, deliveries[start : start + batch], now=now)
    return queued
