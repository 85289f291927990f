"""Outreach contacts: de-duplicated by blind-indexed email against contacts and people; invitations.

Inviting a contact makes a `people` row with the contact's email as an unverified address,
so the outbox can reach it; that person has consented to nothing. Every import and
invitation is audited (ids and counts only).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto.keyring import Keyring
from storage.models import Channel, Contact, InvitationState, Person
from storage.repositories import audit, people

EMAIL_PURPOSE = "contact:email"


def email_index(keyring: Keyring, normalised_email: str) -> bytes:
    return keyring.blind_index(EMAIL_PURPOSE, normalised_email)


async def find(session: AsyncSession, keyring: Keyring, normalised_email: str) -> Contact | None:
    return await session.scalar(
        select(Contact).where(Contact.email_index == email_index(keyring, normalised_email))
    )


async def is_person(session: AsyncSession, keyring: Keyring, email: str) -> bool:
    """Whether someone who uses Liaison already has this email (a contact we invited does not count)."""
    found = await people.find_address(session, keyring, Channel.EMAIL, email)
    if found is None:
        return False
    invited = await session.scalar(select(Contact.id).where(Contact.person_id == found.person_id))
    return invited is None


async def add(
    session: AsyncSession,
    keyring: Keyring,
    *,
    email: str,
    normalised_email: str,
    name: str | None,
    organisation: str | None,
    country: str | None,
    language: str | None,
    source: str,
    now: datetime,
) -> Contact:
    contact = Contact(
        id=uuid.uuid4(),
        email=email,
        email_index=email_index(keyring, normalised_email),
        name=name,
        organisation=organisation,
        country=country,
        language=language,
        source=source,
        invitation=InvitationState.NOT_INVITED.value,
        created_at=now,
    )
    session.add(contact)
    await session.flush()
    return contact


async def not_invited(session: AsyncSession, *, source: str | None = None) -> list[Contact]:
    query = select(Contact).where(Contact.invitation == InvitationState.NOT_INVITED.value)
    if source is not None:
        query = query.where(Contact.source == source)
    return list(await session.scalars(query.order_by(Contact.created_at)))


async def address_for(
    session: AsyncSession, keyring: Keyring, contact: Contact, *, now: datetime, language: str
) -> uuid.UUID:
    """The email address row the outbox sends the invitation to (a person is made for it if needed)."""
    if contact.person_id is None:
        person = await people.create(session, now=now, language=contact.language or language)
        contact.person_id = person.id
        address = await people.add_address(
            session, keyring, person, Channel.EMAIL, contact.email, now=now, verified=False
        )
        return address.id
    found = await people.find_address(session, keyring, Channel.EMAIL, contact.email)
    if found is None:
        owner = await session.get(Person, contact.person_id)
        assert owner is not None
        found = await people.add_address(
            session, keyring, owner, Channel.EMAIL, contact.email, now=now, verified=False
        )
    return found.id


async def mark_invited(session: AsyncSession, contact: Contact, event_code: str, *, now: datetime) -> None:
    contact.invitation = InvitationState.QUEUED.value
    contact.invited_event = event_code
    contact.invited_at = now
    await audit.append(
        session,
        at=now,
        actor="cli",
        action="contact.invite",
        subject_type="contact",
        subject_id=str(contact.id),
    )
