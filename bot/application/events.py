"""Publishing and changing events (R8, R11, R14): one function each for the staff chat and the CLI.

Publishing an event records its invitations (and the six-week warning) and the audit entry;
changing one raises its version and tells everyone concerned at once, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from scheduler import change_notices, invitations
from storage.models import Event, EventStatus, InvitationRecord
from storage.repositories import audit, calendar, events


class EventRefused(ValueError):
    """An event that may not be published or changed as asked; the message says why."""


@dataclass(frozen=True)
class NewEvent:
    region: str
    kind: str
    titles: dict[str, str]
    starts_at: datetime
    time_zone: str = "UTC"
    code: str | None = None
    descriptions: dict[str, str] | None = None
    ends_at: datetime | None = None
    participant_link: str | None = None
    view_link: str | None = None
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    capacity: int | None = None
    reminders: Sequence[timedelta] | None = None


@dataclass(frozen=True)
class Published:
    event: Event
    invitation: InvitationRecord | None  # None for kinds nobody is invited to (a briefing, a deadline)


async def publish(session: AsyncSession, new: NewEvent, *, actor: str, now: datetime) -> Published:
    """Create the event, record its invitations, and audit it."""
    if new.starts_at <= now:
        raise EventRefused("that start time has passed")
    if not any(title.strip() for title in new.titles.values()):
        raise EventRefused("a new event needs a title")
    if new.capacity is not None and new.capacity < 1:
        raise EventRefused("the number of places is at least 1")
    event = await events.create(
        session,
        code=new.code,
        region=new.region,
        kind=new.kind,
        titles=new.titles,
        descriptions=new.descriptions,
        starts_at=new.starts_at,
        ends_at=new.ends_at,
        time_zone=new.time_zone,
        participant_link=new.participant_link,
        view_link=new.view_link,
        registration_opens_at=new.registration_opens_at,
        registration_closes_at=new.registration_closes_at,
        capacity=new.capacity,
        now=now,
    )
    if new.reminders is not None:
        await calendar.set_offsets(session, event.id, new.reminders)
    record = await invitations.publish(session, event, now=now)
    await audit.append(
        session, at=now, actor=actor, action="event.created", subject_type="event", subject_id=str(event.id)
    )
    return Published(event, record)


def _action(edit: change_notices.EventEdit) -> str:
    if edit.cancel:
        return "event.cancelled"
    if edit.starts_at is not None:
        return "event.moved"
    if edit.participant_link is not None:
        return "event.participant_link"
    if edit.view_link is not None:
        return "event.view_link"
    return "event.changed"


async def change(
    session: AsyncSession,
    translator: Translator,
    event: Event,
    edit: change_notices.EventEdit,
    *,
    reminders: Sequence[timedelta] | None = None,
    actor: str,
    now: datetime,
) -> change_notices.ChangeResult:
    """Apply staff's edit; registrants and subscribers hear what changed, in their language and zone."""
    if event.status == EventStatus.CANCELLED.value:
        raise EventRefused(f"{event.code} is cancelled; create a new event instead")
    result = await change_notices.update_event(session, translator, event, edit, now=now)
    if reminders is not None:
        await calendar.set_offsets(session, event.id, reminders)
    await audit.append(
        session, at=now, actor=actor, action=_action(edit), subject_type="event", subject_id=str(event.id)
    )
    return result
