"""Registrations: make (idempotently), list, change, withdraw, review (R9), export; references.

A registration copies the person's categories when it is made, so it still counts
(anonymously) after the person is erased and `person_id` became NULL.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Event,
    Person,
    ReferenceCounter,
    Registration,
    RegistrationStatement,
    RegistrationStatus,
)
from storage.upsert import insert_for


async def next_reference(session: AsyncSession, prefix: str, now: datetime) -> str:
    """The next human-readable reference for `prefix` this year: R-2026-0042.

    The counter row is created if missing and raised in one UPDATE … RETURNING, which
    serialises concurrent callers on the row (PostgreSQL) or the database (SQLite).
    """
    year = now.year
    dialect = session.get_bind().dialect.name
    insert = insert_for(dialect)
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


async def withdraw(session: AsyncSession, registration: Registration, *, now: datetime) -> None:
    """Write the person's withdrawal; what they wrote goes with it (the rule is the caller's)."""
    registration.status = RegistrationStatus.WITHDRAWN.value
    registration.reason_key = None
    registration.statement = None
    registration.updated_at = now
    await session.flush()


async def write_status(
    session: AsyncSession, registration: Registration, status: str, *, reason_key: str | None, now: datetime
) -> None:
    """Write a review outcome (the rules and the notice are `bot.application.registrations`')."""
    registration.status = RegistrationStatus(status).value
    registration.reason_key = reason_key
    registration.status_changes += 1
    registration.updated_at = now
    await session.flush()


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


async def seats_taken(session: AsyncSession, event_id: uuid.UUID, kinds: Collection[str]) -> int:
    """How many accepted registrations of `kinds` the event has."""
    count = await session.scalar(
        select(func.count()).where(
            Registration.event_id == event_id,
            Registration.kind.in_(sorted(kinds)),
            Registration.status == RegistrationStatus.ACCEPTED.value,
        )
    )
    return int(count or 0)


async def longest_waiting(
    session: AsyncSession, event_id: uuid.UUID, kinds: Collection[str]
) -> Registration | None:
    """The waitlisted registration of `kinds` that has waited longest, among people not erased.

    An erased person's registration is only an anonymous count: it can never take a place.
    """
    return await session.scalar(
        select(Registration)
        .where(
            Registration.event_id == event_id,
            Registration.kind.in_(sorted(kinds)),
            Registration.status == RegistrationStatus.WAITLISTED.value,
            Registration.person_id.is_not(None),
        )
        .order_by(Registration.updated_at, Registration.created_at)
        .limit(1)
    )
