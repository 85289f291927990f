"""Calendar queries: reminder offsets, waves and mutes, recipients in bulk, changes, invitations.

Recipient queries read category columns only (language, time zone, address ids and
channels), never sealed values, so planning for 100,000 people opens no envelope.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    CalendarSetting,
    ChannelAddress,
    Consent,
    Event,
    EventChange,
    EventReminderSettings,
    EventStatus,
    InvitationRecord,
    OutboxMessage,
    OutboxState,
    Person,
    Registration,
    RegistrationStatus,
    ReminderMute,
    ReminderWave,
    Subscription,
)
from storage.repositories import outbox

GLOBAL = "global"
# Registrations that are reminded: waiting for review or accepted (not waitlisted, declined, withdrawn).
LIVE_STATUSES = (RegistrationStatus.PENDING.value, RegistrationStatus.ACCEPTED.value)
BOT_USERNAME = "bot_username"


def reachable() -> object:
    """Addresses we may send to (`ChannelAddress.usable`, the one rule)."""
    return ChannelAddress.usable


# --- offsets ---


async def offsets(session: AsyncSession, event_id: uuid.UUID) -> list[timedelta] | None:
    """The event's own offsets, or None for the default."""
    row = await session.get(EventReminderSettings, event_id)
    return None if row is None else [timedelta(minutes=m) for m in row.offsets_minutes]


async def set_offsets(session: AsyncSession, event_id: uuid.UUID, chosen: Sequence[timedelta]) -> None:
    minutes = sorted({int(offset.total_seconds() // 60) for offset in chosen}, reverse=True)
    row = await session.get(EventReminderSettings, event_id)
    if row is None:
        session.add(EventReminderSettings(event_id=event_id, offsets_minutes=minutes))
    else:
        row.offsets_minutes = minutes
    await session.flush()


async def all_offsets(
    session: AsyncSession, event_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[timedelta]]:
    if not event_ids:
        return {}
    rows = await session.scalars(
        select(EventReminderSettings).where(EventReminderSettings.event_id.in_(list(event_ids)))
    )
    return {row.event_id: [timedelta(minutes=m) for m in row.offsets_minutes] for row in rows}


# --- events ---


async def starting_between(session: AsyncSession, start: datetime, end: datetime) -> list[Event]:
    """Events not cancelled that start in [start, end), soonest first."""
    return list(
        await session.scalars(
            select(Event)
            .where(
                Event.status != EventStatus.CANCELLED.value, Event.starts_at >= start, Event.starts_at < end
            )
            .order_by(Event.starts_at, Event.code)
        )
    )


async def in_regions(
    session: AsyncSession,
    regions: Collection[str] | None,
    *,
    since: datetime,
    until: datetime | None = None,
    include_cancelled: bool = False,
    limit: int | None = None,
) -> list[Event]:
    """Events of `regions` (global events always included; None means every region) from `since`."""
    query = select(Event).where(or_(Event.starts_at >= since, Event.ends_at >= since))
    if until is not None:
        query = query.where(Event.starts_at < until)
    if regions is not None:
        query = query.where(Event.region.in_(sorted(set(regions) | {GLOBAL})))
    if not include_cancelled:
        query = query.where(Event.status != EventStatus.CANCELLED.value)
    query = query.order_by(Event.starts_at, Event.code)
    if limit is not None:
        query = query.limit(limit)
    return list(await session.scalars(query))


# --- waves ---


async def wave(
    session: AsyncSession, event_id: uuid.UUID, version: int, offset_minutes: int
) -> ReminderWave | None:
    return await session.get(ReminderWave, (event_id, version, offset_minutes))


async def mark_wave(
    session: AsyncSession,
    event_id: uuid.UUID,
    version: int,
    offset_minutes: int,
    *,
    through: datetime,
    planned: int,
) -> None:
    row = await wave(session, event_id, version, offset_minutes)
    if row is None:
        session.add(
            ReminderWave(
                event_id=event_id,
                version=version,
                offset_minutes=offset_minutes,
                planned_through=through,
                planned=planned,
            )
        )
    else:
        row.planned_through = through
        row.planned += planned
    await session.flush()


# --- recipients ---


@dataclass(frozen=True)
class Recipient:
    """One address of one person, with what is needed to write to them (no sealed values)."""

    person_id: uuid.UUID
    address_id: uuid.UUID
    channel: str
    language: str | None
    time_zone: str | None
    registration_kind: str | None = None
    registered_at: datetime | None = None


async def registrants(
    session: AsyncSession,
    event_id: uuid.UUID,
    *,
    changed_since: datetime | None = None,
    statuses: Sequence[str] = LIVE_STATUSES,
) -> list[Recipient]:
    """Every reachable address of people registered with one of `statuses` (changed since a time, if given)."""
    query = (
        select(
            Registration.person_id,
            ChannelAddress.id,
            ChannelAddress.channel,
            Person.language,
            Person.time_zone,
            Registration.kind,
            Registration.created_at,
        )
        .join(Person, Person.id == Registration.person_id)
        .join(ChannelAddress, ChannelAddress.person_id == Person.id)
        .where(
            Registration.event_id == event_id,
            Registration.status.in_(list(statuses)),
            Person.erased_at.is_(None),
            reachable(),  # type: ignore[arg-type]
        )
    )
    if changed_since is not None:
        query = query.where(Registration.updated_at >= changed_since)
    # Plain rows through the connection: the ORM's loading machinery would cost more per row than
    # the query itself when an event has thousands of registrants. The connection does not
    # autoflush, so pending changes are flushed first, as `session.execute` would.
    await session.flush()
    connection = await session.connection()
    rows = await connection.execute(query.order_by(Registration.created_at, ChannelAddress.id))
    recipients: dict[uuid.UUID, Recipient] = {}  # by address (an address belongs to one person)
    for person_id, address_id, channel, language, time_zone, kind, created_at in rows:
        assert person_id is not None
        known = recipients.get(address_id)
        # Someone registered twice (to attend and as a speaker) is reminded once, as a participant if either is.
        if known is None or (known.registration_kind == "observer" and kind != "observer"):
            recipients[address_id] = Recipient(
                person_id,
                address_id,
                channel,
                language,
                time_zone,
                kind,
                created_at if known is None else min(created_at, known.registered_at or created_at),
            )
    return list(recipients.values())


async def departed_addresses(
    session: AsyncSession, event_id: uuid.UUID, *, changed_since: datetime
) -> list[uuid.UUID]:
    """Addresses of people whose registration stopped being live since a time (withdrawn, declined, waitlisted)."""
    rows = await session.scalars(
        select(ChannelAddress.id)
        .join(Registration, Registration.person_id == ChannelAddress.person_id)
        .where(
            Registration.event_id == event_id,
            Registration.status.not_in(LIVE_STATUSES),
            Registration.updated_at >= changed_since,
        )
    )
    return list(rows)


def _updates_consent_granted() -> object:
    """People whose newest "updates" decision is a yes."""
    newest = (
        select(Consent.person_id, func.max(Consent.recorded_at).label("at"))
        .where(Consent.purpose == "updates")
        .group_by(Consent.person_id)
        .subquery()
    )
    return (
        select(Consent.person_id)
        .join(newest, and_(newest.c.person_id == Consent.person_id, newest.c.at == Consent.recorded_at))
        .where(Consent.purpose == "updates", Consent.granted.is_(True))
    )


@dataclass(frozen=True)
class Subscriber:
    person_id: uuid.UUID
    language: str | None
    time_zone: str | None
    regions: frozenset[str]
    addresses: tuple[tuple[uuid.UUID, str], ...]  # (address id, channel)


async def subscribers(
    session: AsyncSession,
    regions: Collection[str] | None,
    *,
    time_zones: Collection[str | None] | None = None,
) -> list[Subscriber]:
    """People following any of `regions` (every region when None or when it holds "global") whose
    "updates" consent is in force, with their reachable addresses; optionally only some time zones."""
    query = (
        select(Subscription.person_id, Subscription.value, Person.language, Person.time_zone)
        .join(Person, Person.id == Subscription.person_id)
        .where(
            Subscription.kind == "region",
            Person.erased_at.is_(None),
            Subscription.person_id.in_(_updates_consent_granted()),  # type: ignore[arg-type]
        )
    )
    if regions is not None and GLOBAL not in regions:
        query = query.where(Subscription.value.in_(sorted(set(regions) | {GLOBAL})))
    if time_zones is not None:
        named = [zone for zone in time_zones if zone is not None]
        condition = Person.time_zone.in_(named)
        query = query.where(or_(condition, Person.time_zone.is_(None)) if None in time_zones else condition)
    people: dict[uuid.UUID, tuple[str | None, str | None, set[str]]] = {}
    for person_id, region, language, time_zone in await session.execute(query):
        people.setdefault(person_id, (language, time_zone, set()))[2].add(region)
    addresses = await reachable_addresses(session, people)
    return [
        Subscriber(person_id, language, zone, frozenset(followed), tuple(addresses.get(person_id, ())))
        for person_id, (language, zone, followed) in people.items()
        if addresses.get(person_id)
    ]


async def subscriber_time_zones(session: AsyncSession) -> set[str | None]:
    rows = await session.scalars(
        select(Person.time_zone).join(Subscription, Subscription.person_id == Person.id).distinct()
    )
    return set(rows)


async def reachable_addresses(
    session: AsyncSession, person_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[uuid.UUID, str]]]:
    ids = list(person_ids)
    found: dict[uuid.UUID, list[tuple[uuid.UUID, str]]] = {}
    for start in range(0, len(ids), 5000):
        rows = await session.execute(
            select(ChannelAddress.person_id, ChannelAddress.id, ChannelAddress.channel)
            .where(ChannelAddress.person_id.in_(ids[start : start + 5000]), reachable())  # type: ignore[arg-type]
            .order_by(ChannelAddress.channel.desc(), ChannelAddress.id)
        )
        for person_id, address_id, channel in rows:
            found.setdefault(person_id, []).append((address_id, channel))
    return found


# --- mutes ---


async def muted(session: AsyncSession, event_id: uuid.UUID) -> set[uuid.UUID]:
    return set(await session.scalars(select(ReminderMute.person_id).where(ReminderMute.event_id == event_id)))


async def is_muted(session: AsyncSession, event_id: uuid.UUID, person_id: uuid.UUID) -> bool:
    return await session.get(ReminderMute, (event_id, person_id)) is not None


async def mute(session: AsyncSession, event_id: uuid.UUID, person_id: uuid.UUID, *, now: datetime) -> int:
    """Mute an event's reminders for a person and cancel those already queued; returns how many were cancelled."""
    if not await is_muted(session, event_id, person_id):
        session.add(ReminderMute(event_id=event_id, person_id=person_id, created_at=now))
        await session.flush()
    addresses = list(
        await session.scalars(select(ChannelAddress.id).where(ChannelAddress.person_id == person_id))
    )
    return await cancel_queued(session, reminder_prefix(event_id), addresses=addresses, now=now)


async def unmute(session: AsyncSession, event_id: uuid.UUID, person_id: uuid.UUID) -> bool:
    result = await session.execute(
        delete(ReminderMute).where(ReminderMute.event_id == event_id, ReminderMute.person_id == person_id)
    )
    return bool(getattr(result, "rowcount", 0))


async def muted_events(session: AsyncSession, person_id: uuid.UUID) -> set[uuid.UUID]:
    return set(
        await session.scalars(select(ReminderMute.event_id).where(ReminderMute.person_id == person_id))
    )


# --- the outbox rows we planned ---


def reminder_prefix(event_id: uuid.UUID) -> str:
    return f"rem:{event_id.hex}:"


async def cancel_queued(
    session: AsyncSession, key_prefix: str, *, addresses: Collection[uuid.UUID] | None = None, now: datetime
) -> int:
    """Cancel queued (not yet claimed) outbox rows whose idempotency key starts with `key_prefix`."""
    query = update(OutboxMessage).where(
        OutboxMessage.idempotency_key.startswith(key_prefix, autoescape=True),
        OutboxMessage.state == OutboxState.QUEUED.value,
    )
    if addresses is not None:
        if not addresses:
            return 0
        query = query.where(OutboxMessage.address_id.in_(list(addresses)))
    # A cancelled row is never sent: its content goes, as on every other terminal state.
    result = await session.execute(
        query.values(
            state=OutboxState.CANCELLED.value, finished_at=now, **outbox.NO_CONTENT
        ).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def keys_with_prefix(session: AsyncSession, key_prefix: str) -> set[str]:
    return set(
        await session.scalars(
            select(OutboxMessage.idempotency_key).where(
                OutboxMessage.idempotency_key.startswith(key_prefix, autoescape=True)
            )
        )
    )


# --- changes and invitations ---


async def record_change(
    session: AsyncSession, event: Event, changes: dict[str, list[str | None]], *, now: datetime
) -> EventChange:
    change = EventChange(
        id=uuid.uuid4(), event_id=event.id, version=event.version, changes=changes, recorded_at=now, notices=0
    )
    session.add(change)
    await session.flush()
    return change


async def version_changed_at(session: AsyncSession, event: Event) -> datetime | None:
    """When the event's current version was made by a change (None for the first version)."""
    return await session.scalar(
        select(EventChange.recorded_at).where(
            EventChange.event_id == event.id, EventChange.version == event.version
        )
    )


async def changes_of(session: AsyncSession, event_id: uuid.UUID) -> list[EventChange]:
    return list(
        await session.scalars(
            select(EventChange).where(EventChange.event_id == event_id).order_by(EventChange.version)
        )
    )


async def invitation(session: AsyncSession, event_id: uuid.UUID) -> InvitationRecord | None:
    return await session.get(InvitationRecord, event_id)


async def add_invitation(session: AsyncSession, record: InvitationRecord) -> None:
    session.add(record)
    await session.flush()


async def unplanned_invitations(session: AsyncSession, *, due_by: datetime) -> list[InvitationRecord]:
    return list(
        await session.scalars(
            select(InvitationRecord)
            .where(InvitationRecord.planned_at.is_(None), InvitationRecord.send_at <= due_by)
            .order_by(InvitationRecord.send_at)
        )
    )


async def unwarned_late_invitations(session: AsyncSession) -> list[InvitationRecord]:
    return list(
        await session.scalars(
            select(InvitationRecord).where(
                InvitationRecord.late.is_(True), InvitationRecord.staff_warned_at.is_(None)
            )
        )
    )


async def late_invitations(session: AsyncSession) -> list[tuple[InvitationRecord, Event]]:
    rows = await session.execute(
        select(InvitationRecord, Event)
        .join(Event, Event.id == InvitationRecord.event_id)
        .where(InvitationRecord.late.is_(True))
        .order_by(Event.starts_at)
    )
    return [(record, event) for record, event in rows]


# --- settings ---


async def setting(session: AsyncSession, key: str) -> str | None:
    row = await session.get(CalendarSetting, key)
    return None if row is None else row.value


async def set_setting(session: AsyncSession, key: str, value: str) -> None:
    row = await session.get(CalendarSetting, key)
    if row is None:
        session.add(CalendarSetting(key=key, value=value))
    else:
        row.value = value
    await session.flush()
