"""What registration review (R9) and the statistics (R22) read: counts by category, pending rows.

Counts come from the categories copied onto each registration and from balance data,
so they hold no names. Reading a registration's details for review is audited.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    UNKNOWN_CATEGORY,
    BalanceData,
    Channel,
    ChannelAddress,
    ConsentPurpose,
    Event,
    Person,
    Registration,
    RegistrationStatus,
)
from storage.repositories import audit, people
from storage.repositories.audit import staff_actor

UNKNOWN = UNKNOWN_CATEGORY


@dataclass(frozen=True)
class EventQueue:
    event: Event
    pending: int
    waitlisted: int
    accepted: int


async def events_to_review(session: AsyncSession) -> list[EventQueue]:
    """Events with pending or waitlisted registrations, soonest first."""
    rows = await session.execute(
        select(Registration.event_id, Registration.status, func.count())
        .where(
            Registration.status.in_(
                [
                    RegistrationStatus.PENDING.value,
                    RegistrationStatus.WAITLISTED.value,
                    RegistrationStatus.ACCEPTED.value,
                ]
            )
        )
        .group_by(Registration.event_id, Registration.status)
    )
    counts: dict[uuid.UUID, Counter[str]] = {}
    for event_id, status, count in rows.all():
        counts.setdefault(event_id, Counter())[status] = int(count)
    queues = []
    for event_id, by_status in counts.items():
        if not by_status[RegistrationStatus.PENDING.value]:
            continue
        event = await session.get(Event, event_id)
        if event is None:
            continue
        queues.append(
            EventQueue(
                event,
                by_status[RegistrationStatus.PENDING.value],
                by_status[RegistrationStatus.WAITLISTED.value],
                by_status[RegistrationStatus.ACCEPTED.value],
            )
        )
    return sorted(queues, key=lambda q: q.event.starts_at)


async def next_pending(
    session: AsyncSession, event_id: uuid.UUID, *, after: datetime | None = None
) -> Registration | None:
    """The oldest pending registration of the event (after `after`, to skip one)."""
    query = select(Registration).where(
        Registration.event_id == event_id, Registration.status == RegistrationStatus.PENDING.value
    )
    if after is not None:
        query = query.where(Registration.created_at > after)
    return await session.scalar(query.order_by(Registration.created_at, Registration.id).limit(1))


@dataclass(frozen=True)
class ReviewCard:
    """What staff see to decide: categories, the criteria answers, the organisation and the motivation."""

    registration: Registration
    organisation: str | None
    motivation: str | None


async def card(
    session: AsyncSession, registration: Registration, *, staff_member_id: uuid.UUID, now: datetime
) -> ReviewCard:
    """The details of one registration for review; the read is written to the audit log."""
    person = await session.get(Person, registration.person_id) if registration.person_id else None
    await audit.append(
        session, at=now, actor=staff_actor(staff_member_id), action="registration.read",
        subject_type="registration", subject_id=str(registration.id),
    )  # fmt: skip
    return ReviewCard(registration, person.organisation if person else None, registration.motivation)


# --- statistics ---

DIMENSIONS = ("status", "kind", "stakeholder_type", "subregion", "gender", "age_group", "migrant_led")


@dataclass(frozen=True)
class StatRow:
    """One registration as categories only."""

    event_id: uuid.UUID
    region: str
    status: str
    kind: str
    stakeholder_type: str
    subregion: str
    gender: str
    age_group: str
    migrant_led: str


async def stat_rows(session: AsyncSession, *, event_id: uuid.UUID | None = None) -> list[StatRow]:
    """Every registration (of one event, or all) as categories; erased people count, as unknown balance."""
    query = (
        select(Registration, Event.region, BalanceData)
        .join(Event, Event.id == Registration.event_id)
        .outerjoin(BalanceData, BalanceData.person_id == Registration.person_id)
    )
    if event_id is not None:
        query = query.where(Registration.event_id == event_id)
    rows = await session.execute(query)
    found = []
    for registration, event_region, balance in rows.all():
        found.append(
            StatRow(
                registration.event_id,
                registration.region or event_region or UNKNOWN,
                registration.status,
                registration.kind,
                registration.stakeholder_type or UNKNOWN,
                registration.subregion or UNKNOWN,
                (balance.gender if balance else None) or UNKNOWN,
                (balance.age_group if balance else None) or UNKNOWN,
                (balance.migrant_led if balance else None) or UNKNOWN,
            )
        )
    return found


def tally(rows: list[StatRow], dimension: str) -> Counter[str]:
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}; one of {', '.join(DIMENSIONS)}")
    return Counter(str(getattr(row, dimension)) for row in rows)


# --- participant lists ---


@dataclass(frozen=True)
class Participant:
    reference: str
    status: str
    kind: str
    stakeholder_type: str | None
    country: str | None
    subregion: str | None
    name: str | None  # only with the person's consent to share with the network
    organisation: str | None  # likewise
    email: str | None  # likewise
    # The balance answers (R10, R22), as categories: counted, never named.
    gender: str | None = None
    age_group: str | None = None
    migrant_led: str | None = None


async def _sharing(session: AsyncSession, person_id: uuid.UUID) -> bool:
    consent = (await people.consents_in_force(session, person_id)).get(
        ConsentPurpose.SHARE_WITH_NETWORK.value
    )
    return consent is not None and consent.granted


async def participants(
    session: AsyncSession,
    event_id: uuid.UUID,
    *,
    actor: str,
    now: datetime,
    statuses: tuple[str, ...] | None = None,
) -> list[Participant]:
    """The registrations of an event for an export: names, organisations and emails only where the
    person's share-with-network consent is in force now. The export is audited."""
    query = select(Registration).where(Registration.event_id == event_id)
    if statuses:
        query = query.where(Registration.status.in_(statuses))
    found = []
    for registration in await session.scalars(query.order_by(Registration.created_at)):
        name = organisation = email = None
        balance = (
            await session.get(BalanceData, registration.person_id)
            if registration.person_id is not None
            else None
        )
        if registration.person_id is not None and await _sharing(session, registration.person_id):
            person = await session.get(Person, registration.person_id)
            if person is not None and person.erased_at is None:
                name, organisation = person.display_name, person.organisation
                emails = await session.scalars(
                    select(ChannelAddress).where(
                        ChannelAddress.person_id == person.id, ChannelAddress.channel == Channel.EMAIL.value
                    )
                )
                email = next((a.address for a in emails if a.usable), None)
        found.append(
            Participant(
                registration.reference,
                registration.status,
                registration.kind,
                registration.stakeholder_type,
                registration.country,
                registration.subregion,
                name,
                organisation,
                email,
                balance.gender if balance else None,
                balance.age_group if balance else None,
                balance.migrant_led if balance else None,
            )
        )
    await audit.append(
        session,
        at=now,
        actor=actor,
        action="registration.export",
        subject_type="event",
        subject_id=str(event_id),
    )
    return found
