"""Building blocks of the calendar tests: people with channels and consents, events, registrations."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto.keyring import Keyring
from storage.models import Channel, Event, OutboxMessage, Person
from storage.repositories import events, people, profiles, registrations
from storage.repositories.registrations import Categories

CATEGORIES = Categories(stakeholder_type="civil_society", country="KE", subregion="014", region="africa")


@dataclass
class Someone:
    person: Person
    telegram: uuid.UUID | None
    email: uuid.UUID | None


async def someone(
    session: AsyncSession,
    keyring: Keyring,
    *,
    now: datetime,
    language: str = "en",
    time_zone: str | None = "UTC",
    telegram_id: int | None = None,
    email: str | None = None,
    updates: bool = False,
    regions: set[str] | None = None,
) -> Someone:
    person = await people.create(session, now=now, language=language, time_zone=time_zone)
    person.organisation = "Org"
    person.stakeholder_type = "civil_society"
    tg = em = None
    if telegram_id is not None:
        tg = (
            await people.add_address(
                session, keyring, person, Channel.TELEGRAM, str(telegram_id), now=now, verified=True
            )
        ).id
    if email is not None:
        em = (
            await people.add_address(session, keyring, person, Channel.EMAIL, email, now=now, verified=True)
        ).id
    if updates:
        await people.record_consent(session, person, "updates", granted=True, text_version="t", now=now)
    if regions:
        await profiles.set_subscriptions(session, person.id, "region", regions, now=now)
    await session.flush()
    return Someone(person, tg, em)


async def an_event(
    session: AsyncSession,
    *,
    now: datetime,
    starts_at: datetime,
    region: str = "africa",
    kind: str = "briefing",
    time_zone: str = "Africa/Nairobi",
    titles: dict[str, str] | None = None,
    participant_link: str | None = "https://meet.example/join",
    view_link: str | None = "https://watch.example/live",
    registration_opens_at: datetime | None = None,
) -> Event:
    return await events.create(
        session,
        region=region,
        kind=kind,
        titles=titles or {"en": "Regional briefing", "fr": "Briefing régional", "ar": "إحاطة إقليمية"},
        starts_at=starts_at,
        now=now,
        time_zone=time_zone,
        participant_link=participant_link,
        view_link=view_link,
        registration_opens_at=registration_opens_at,
    )


async def register(
    session: AsyncSession, event: Event, who: Someone, *, now: datetime, kind: str = "participant"
) -> None:
    await registrations.register(
        session, event=event, person=who.person, kind=kind, slot="attend", categories=CATEGORIES, now=now
    )


@dataclass
class Row:
    key: str
    address_id: uuid.UUID
    channel: str
    state: str
    send_after: datetime
    body: str
    subject: str | None
    attachment: str | None


async def outbox_rows(session: AsyncSession, prefix: str = "") -> list[Row]:
    """Outbox rows (opened), oldest first."""
    found = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.idempotency_key.startswith(prefix))
        .order_by(OutboxMessage.send_after, OutboxMessage.idempotency_key)
    )
    return [
        Row(
            m.idempotency_key,
            m.address_id,
            m.channel,
            m.state,
            m.send_after,
            m.body or "",
            m.subject,
            m.attachment,
        )
        for m in found
    ]
