"""People and their channel addresses, found by blind index."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto.blind_index import normalise_email
from storage.crypto.keyring import Keyring
from storage.models import Channel, ChannelAddress, Consent, Person


def address_index(keyring: Keyring, channel: Channel, address: str) -> bytes:
    """The blind index of an address, normalised per channel so lookups ignore case and spacing."""
    normalised = normalise_email(address) if channel is Channel.EMAIL else address.strip()
    return keyring.blind_index(f"address:{channel.value}", normalised)


async def find_address(
    session: AsyncSession, keyring: Keyring, channel: Channel, address: str
) -> ChannelAddress | None:
    return await session.scalar(
        select(ChannelAddress).where(
            ChannelAddress.channel == channel.value,
            ChannelAddress.address_index == address_index(keyring, channel, address),
        )
    )


async def find_by_telegram(session: AsyncSession, keyring: Keyring, user_id: int) -> Person | None:
    found = await find_address(session, keyring, Channel.TELEGRAM, str(user_id))
    return None if found is None else await session.get(Person, found.person_id)


async def find_by_email(session: AsyncSession, keyring: Keyring, email: str) -> Person | None:
    found = await find_address(session, keyring, Channel.EMAIL, email)
    return None if found is None else await session.get(Person, found.person_id)


async def create(
    session: AsyncSession, *, now: datetime, language: str | None = None, time_zone: str | None = None
) -> Person:
    person = Person(id=uuid.uuid4(), created_at=now, language=language, time_zone=time_zone)
    session.add(person)
    await session.flush()
    return person


async def add_address(
    session: AsyncSession,
    keyring: Keyring,
    person: Person,
    channel: Channel,
    address: str,
    *,
    now: datetime,
    verified: bool,
) -> ChannelAddress:
    entry = ChannelAddress(
        id=uuid.uuid4(),
        person_id=person.id,
        channel=channel.value,
        address=address.strip(),
        address_index=address_index(keyring, channel, address),
        created_at=now,
        verified_at=now if verified else None,
    )
    session.add(entry)
    await session.flush()
    return entry


async def mark_unreachable(
    session: AsyncSession, address: ChannelAddress, *, now: datetime, reason: str
) -> None:
    address.unreachable_at = now
    address.unreachable_reason = reason


async def record_consent(
    session: AsyncSession, person: Person, purpose: str, *, granted: bool, text_version: str, now: datetime
) -> Consent:
    consent = Consent(
        id=uuid.uuid4(),
        person_id=person.id,
        purpose=purpose,
        granted=granted,
        text_version=text_version,
        recorded_at=now,
    )
    session.add(consent)
    await session.flush()
    return consent


async def consents_in_force(session: AsyncSession, person_id: uuid.UUID) -> dict[str, Consent]:
    """The newest decision per purpose."""
    rows = await session.scalars(
        select(Consent).where(Consent.person_id == person_id).order_by(Consent.recorded_at, Consent.id)
    )
    latest: dict[str, Consent] = {}
    for row in rows:
        latest[row.purpose] = row
    return latest


async def living(
    session: AsyncSession, person_ids: Collection[uuid.UUID]
) -> list[tuple[Person, list[ChannelAddress]]]:
    """The people of `person_ids` who were not erased, each with their addresses as stored now."""
    if not person_ids:
        return []
    found = list(
        await session.scalars(
            select(Person).where(Person.id.in_(list(person_ids)), Person.erased_at.is_(None))
        )
    )
    addresses: dict[uuid.UUID, list[ChannelAddress]] = {}
    rows = await session.scalars(
        select(ChannelAddress)
        .where(ChannelAddress.person_id.in_([p.id for p in found]))
        .order_by(ChannelAddress.created_at, ChannelAddress.id)
    )
    for row in rows:
        addresses.setdefault(row.person_id, []).append(row)
    return [(person, addresses.get(person.id, [])) for person in found]
