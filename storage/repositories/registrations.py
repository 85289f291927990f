"""Registrations: make (idempotently), list, change, withdraw, review (R9), export; references.

A registration copies the person's categories when it is made, so it still counts
(anonymously) after the person is erased and `person_id` became NULL.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Channel,
    ChannelAddress,
    Event,
    Person,
    ReferenceCounter,
    Registration,
    RegistrationStatement,
    RegistrationStatus,
)

if TYPE_CHECKING:
    from bot.i18n import Translator

log = logging.getLogger(__name__)


async def next_reference(session: AsyncSession, prefix: str, now: datetime) -> str:
    """The next human-readable reference for `prefix` this year: R-2026-0042.

    The counter row is created if missing and raised in one UPDATE … RETURNING, which
    serialises concurrent callers on the row (PostgreSQL) or the database (SQLite).
    """
    year = now.year
    dialect = session.get_bind().dialect.name
    insert = postgres_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(ReferenceCounter).values(prefix=prefix, year=year, last=0).on_conflict_do_nothing()
    )
    number = await session.scalar(
        update(ReferenceCounter)
        .where(ReferenceCounter.prefix == prefix, ReferenceCounter.year == year)
        .values(last=ReferenceCounter.last + 1)
        .returning(ReferenceCounter.last)
    )
    assert number is not None
    return f"{prefix}-{year}-{number:04d}"


@dataclass(frozen=True)
class Categories:
    """Non-identifying categories copied onto a registration, for anonymous counts and balance (R10)."""

    stakeholder_type: str | None
    country: str | None
    subregion: str | None
    region: str | None


class Outcome(StrEnum):
    CREATED = "created"
    ALREADY = "already"  # the same registration exists: a double tap, or asked twice
    CHANGED = "changed"  # the same slot, another kind (or renewed after a withdrawal)


@dataclass(frozen=True)
class Registered:
    registration: Registration
    outcome: Outcome


@dataclass(frozen=True)
class FloorAnswers:
    represents_entity: bool
    authorised: bool
    migration_expertise: bool


async def in_slot(
    session: AsyncSession, event_id: uuid.UUID, person_id: uuid.UUID, slot: str
) -> Registration | None:
    return await session.scalar(
        select(Registration).where(
            Registration.event_id == event_id, Registration.person_id == person_id, Registration.slot == slot
        )
    )


async def register(
    session: AsyncSession,
    *,
    event: Event,
    person: Person,
    kind: str,
    slot: str,
    categories: Categories,
    now: datetime,
    floor: FloorAnswers | None = None,
    motivation: str | None = None,
) -> Registered:
    """Register `person` for `event`; asking again for the same thing returns the row already made."""
    existing = await in_slot(session, event.id, person.id, slot)
    if existing is not None:
        live = existing.status != RegistrationStatus.WITHDRAWN
        if live and existing.kind == kind and (motivation is None or existing.motivation == motivation):
            return Registered(existing, Outcome.ALREADY)
        _fill(existing, person, kind, categories, now, floor, motivation)
        existing.status = RegistrationStatus.PENDING.value
        existing.reason_key = None
        await session.flush()
        return Registered(existing, Outcome.CHANGED)
    registration = Registration(
        id=uuid.uuid4(),
        reference=await next_reference(session, "R", now),
        event_id=event.id,
        person_id=person.id,
        slot=slot,
        status=RegistrationStatus.PENDING.value,
        status_changes=0,
        created_at=now,
    )
    _fill(registration, person, kind, categories, now, floor, motivation)
    try:
        async with session.begin_nested():
            session.add(registration)
            await session.flush()
    except IntegrityError:
        # Another update of the same person made it in between: that one stands.
        found = await in_slot(session, event.id, person.id, slot)
        if found is None:
            raise
        return Registered(found, Outcome.ALREADY)
    return Registered(registration, Outcome.CREATED)


def _fill(
    registration: Registration,
    person: Person,
    kind: str,
    categories: Categories,
    now: datetime,
    floor: FloorAnswers | None,
    motivation: str | None,
) -> None:
    registration.kind = kind
    registration.represents_entity = None if floor is None else floor.represents_entity
    registration.authorised = None if floor is None else floor.authorised
    registration.migration_expertise = None if floor is None else floor.migration_expertise
    registration.stakeholder_type = categories.stakeholder_type
    registration.country = categories.country
    registration.subregion = categories.subregion
    registration.region = categories.region
    registration.updated_at = now
    if motivation is None:
        registration.statement = None
    elif registration.statement is None:
        registration.statement = RegistrationStatement(
            id=uuid.uuid4(), person_id=person.id, motivation=motivation, created_at=now
        )
    else:
        registration.statement.motivation = motivation


async def for_person(session: AsyncSession, person_id: uuid.UUID) -> list[tuple[Registration, Event]]:
    """A person's registrations with their events, the soonest event first."""
    rows = await session.execute(
        select(Registration, Event)
        .join(Event, Event.id == Registration.event_id)
        .where(Registration.person_id == person_id)
        .order_by(Event.starts_at, Registration.created_at)
    )
    return [(registration, event) for registration, event in rows]


async def of_person(
    session: AsyncSession, registration_id: uuid.UUID, person_id: uuid.UUID
) -> tuple[Registration, Event] | None:
    """One registration, only if it is this person's."""
    row = (
        await session.execute(
            select(Registration, Event)
            .join(Event, Event.id == Registration.event_id)
            .where(Registration.id == registration_id, Registration.person_id == person_id)
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def for_event(session: AsyncSession, event_id: uuid.UUID) -> list[Registration]:
    return list(
        await session.scalars(
            select(Registration).where(Registration.event_id == event_id).order_by(Registration.reference)
        )
    )


async def by_reference(session: AsyncSession, reference: str) -> Registration | None:
    return await session.scalar(
        select(Registration).where(Registration.reference == reference.strip().upper())
    )


async def withdraw(session: AsyncSession, registration: Registration, *, now: datetime) -> bool:
    """The person withdraws; False when it was not live (already withdrawn or declined)."""
    if registration.status not in (
        RegistrationStatus.PENDING,
        RegistrationStatus.ACCEPTED,
        RegistrationStatus.WAITLISTED,
    ):
        return False
    freed_a_place = registration.status == RegistrationStatus.ACCEPTED
    registration.status = RegistrationStatus.WITHDRAWN.value
    registration.reason_key = None
    registration.statement = None  # what they wrote goes with the withdrawal
    registration.updated_at = now
    await session.flush()
    if freed_a_place:
        await promote_from_waitlist(session, registration.event_id, now=now)  # issue 7: R9
    return True


class ReviewError(ValueError):
    """A status change staff may not make (the message names no person)."""


async def set_status(
    session: AsyncSession,
    registration_id: uuid.UUID,
    status: str,
    *,
    reason_key: str | None,
    now: datetime,
    translator: Translator | None = None,
) -> Registration:
    """Staff review (R9): set the status and, when it changed, queue the person's notice in their language.

    Repeating the same decision changes nothing and sends nothing. The notice goes through the
    outbox to the person's Telegram chat, or to their verified email when Telegram cannot reach them.
    """
    from bot.domain import eligibility
    from bot.domain.registration_texts import REASONS

    registration = await session.get(Registration, registration_id)
    if registration is None:
        raise LookupError(f"no registration {registration_id}")
    if not eligibility.can_review(registration.status, status):
        raise ReviewError(f"registration {registration_id} cannot go from {registration.status} to {status}")
    if reason_key is not None and reason_key not in REASONS:
        raise ReviewError(f"unknown reason {reason_key!r}; one of {', '.join(REASONS)}")
    if registration.status == status and registration.reason_key == reason_key:
        return registration
    registration.status = RegistrationStatus(status).value
    registration.reason_key = reason_key
    registration.status_changes += 1
    registration.updated_at = now
    await session.flush()
    await _queue_notice(session, registration, now=now, translator=translator)
    return registration


async def _queue_notice(
    session: AsyncSession, registration: Registration, *, now: datetime, translator: Translator | None
) -> None:
    from bot.domain.registration_texts import status_notice
    from bot.i18n import Translator as Catalogs
    from scheduler.outbox import Delivery, enqueue

    if registration.person_id is None:
        return  # erased: nobody to tell
    person = await session.get(Person, registration.person_id)
    event = await session.get(Event, registration.event_id)
    assert event is not None
    address = _reachable_address(person)
    if person is None or address is None:
        log.info("registration %s: status changed, the person has no reachable address", registration.id)
        return
    t = (translator or Catalogs()).get(person.language)
    notice = status_notice(
        t,
        status=registration.status,
        reason_key=registration.reason_key,
        reference=registration.reference,
        kind=registration.kind,
        event=event,
        time_zone=person.time_zone,
    )
    delivery = Delivery(
        idempotency_key=f"reg-status:{registration.id}:{registration.status}:{registration.status_changes}",
        address_id=address.id,
        body=notice.body,
        subject=notice.subject if address.channel == Channel.EMAIL else None,
    )
    await enqueue(session, [delivery], now=now)


def _reachable_address(person: Person | None) -> ChannelAddress | None:
    """Telegram while it reaches the person, else a verified email address."""
    if person is None:
        return None
    usable = [address for address in person.addresses if address.unreachable_at is None]
    for channel in (Channel.TELEGRAM, Channel.EMAIL):
        for address in usable:
            if address.channel == channel and (
                channel == Channel.TELEGRAM or address.verified_at is not None
            ):
                return address
    return None


async def counts(session: AsyncSession, event_id: uuid.UUID) -> dict[tuple[str, str], int]:
    """(kind, status) → how many, including registrations whose person was erased."""
    rows = await session.execute(
        select(Registration.kind, Registration.status, func.count())
        .where(Registration.event_id == event_id)
        .group_by(Registration.kind, Registration.status)
    )
    return {(kind, status): int(count) for kind, status, count in rows}


async def export_for_person(session: AsyncSession, person_id: uuid.UUID) -> list[dict[str, Any]]:
    """The person's registrations for /mydata, with what they wrote."""
    return [
        {
            "reference": registration.reference,
            "event_code": event.code,
            "event_title": event.titles,
            "event_starts_at": event.starts_at.isoformat(),
            "kind": registration.kind,
            "status": registration.status,
            "reason": registration.reason_key,
            "floor_criteria": None
            if registration.represents_entity is None
            else {
                "represents_entity": registration.represents_entity,
                "authorised": registration.authorised,
                "migration_expertise": registration.migration_expertise,
            },
            "motivation": registration.motivation,
            "created_at": registration.created_at.isoformat(),
            "updated_at": registration.updated_at.isoformat(),
        }
        for registration, event in await for_person(session, person_id)
    ]


async def accepted_count(session: AsyncSession, event_id: uuid.UUID, slot: str = "attend") -> int:
    """How many places of `event_id` are taken (accepted registrations in the attendance slot)."""
    count = await session.scalar(
        select(func.count()).where(
            Registration.event_id == event_id,
            Registration.slot == slot,
            Registration.status == RegistrationStatus.ACCEPTED.value,
        )
    )
    return int(count or 0)


async def promote_from_waitlist(
    session: AsyncSession, event_id: uuid.UUID, *, now: datetime, translator: Translator | None = None
) -> Registration | None:
    """After a withdrawal (issue 7): the longest-waiting waitlisted registration takes a freed place,
    and is told in their language (through `set_status`). None when no place is free or nobody waits."""
    event = await session.get(Event, event_id)
    if event is None or event.capacity is None or await accepted_count(session, event_id) >= event.capacity:
        return None
    waiting = await session.scalar(
        select(Registration)
        .where(
            Registration.event_id == event_id,
            Registration.slot == "attend",
            Registration.status == RegistrationStatus.WAITLISTED.value,
        )
        .order_by(Registration.updated_at, Registration.created_at)
        .limit(1)
    )
    if waiting is None:
        return None
    return await set_status(
        session,
        waiting.id,
        RegistrationStatus.ACCEPTED.value,
        reason_key=None,
        now=now,
        translator=translator,
    )
