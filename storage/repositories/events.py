"""Events: create, find by public code, list what is coming up in a person's regions."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Event, EventStatus

GLOBAL = "global"
# Codes go into links and are read aloud on calls: no 0/O or 1/I.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
MAX_CODE = 16


def normalise_code(code: str) -> str:
    return code.strip().upper()


def is_valid_code(code: str) -> bool:
    return 2 <= len(code) <= MAX_CODE and code.isascii() and code.isalnum()


async def new_code(session: AsyncSession) -> str:
    """A short random public code no other event has."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if await by_code(session, code) is None:
            return code


async def create(
    session: AsyncSession,
    *,
    region: str,
    kind: str,
    titles: dict[str, str],
    starts_at: datetime,
    now: datetime,
    code: str | None = None,
    descriptions: dict[str, str] | None = None,
    ends_at: datetime | None = None,
    time_zone: str = "UTC",
    participant_link: str | None = None,
    view_link: str | None = None,
    registration_opens_at: datetime | None = None,
    registration_closes_at: datetime | None = None,
    capacity: int | None = None,
) -> Event:
    chosen = normalise_code(code) if code else await new_code(session)
    if not is_valid_code(chosen):
        raise ValueError("an event code is 2 to 16 letters and digits")
    if ends_at is not None and ends_at < starts_at:
        raise ValueError("an event cannot end before it starts")
    event = Event(
        id=uuid.uuid4(),
        code=chosen,
        region=region,
        kind=kind,
        titles=dict(titles),
        descriptions=dict(descriptions or {}),
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=time_zone,
        participant_link=participant_link,
        view_link=view_link,
        registration_opens_at=registration_opens_at,
        registration_closes_at=registration_closes_at,
        capacity=capacity,
        status=EventStatus.SCHEDULED.value,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(event)
    await session.flush()
    return event


async def by_code(session: AsyncSession, code: str) -> Event | None:
    return await session.scalar(select(Event).where(Event.code == normalise_code(code)))


async def get(session: AsyncSession, event_id: uuid.UUID) -> Event | None:
    return await session.get(Event, event_id)


async def upcoming(
    session: AsyncSession, *, now: datetime, regions: set[str] | None = None, limit: int = 10
) -> list[Event]:
    """Events not yet over and not cancelled, soonest first: in `regions` plus global ones, or all."""
    query = (
        select(Event)
        .where(
            Event.status != EventStatus.CANCELLED.value,
            or_(Event.starts_at >= now, Event.ends_at >= now),
        )
        .order_by(Event.starts_at, Event.code)
        .limit(limit)
    )
    if regions:
        query = query.where(Event.region.in_(sorted(regions | {GLOBAL})))
    return list(await session.scalars(query))


async def all_events(session: AsyncSession, *, since: datetime | None = None) -> list[Event]:
    query = select(Event).order_by(Event.starts_at, Event.code)
    if since is not None:
        query = query.where(Event.starts_at >= since)
    return list(await session.scalars(query))
