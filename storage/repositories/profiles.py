"""A person's profile, balance data, subscriptions, email verification, export and erasure."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto.keyring import Keyring
from storage.models import (
    BalanceData,
    Channel,
    ChannelAddress,
    Consent,
    Contact,
    EmailVerification,
    InvitationState,
    Person,
    Preferences,
    Subscription,
)
from storage.models.registrations import Registration
from storage.models.submissions import Submission
from storage.repositories import inbox, people, proposals, registrations, submissions

CODE_LIFETIME = timedelta(minutes=15)
CODE_TRIES = 5
CODE_SENDS = 5  # codes one address may be sent, so the bot cannot be used to flood a mailbox
BALANCE_FIELDS = ("gender", "age_group", "migrant_led")


def is_onboarded(person: Person | None) -> bool:
    """Whether the profile is complete enough to register for events: organisation and type, not erased."""
    return (
        person is not None
        and person.erased_at is None
        and bool(person.organisation)
        and bool(person.stakeholder_type)
    )


async def get(session: AsyncSession, person_id: uuid.UUID) -> Person | None:
    return await session.get(Person, person_id)


async def ensure_person(
    session: AsyncSession, keyring: Keyring, telegram_user_id: int, *, now: datetime, language: str | None
) -> Person:
    """The person behind a Telegram account, created with their Telegram address if new."""
    found = await people.find_by_telegram(session, keyring, telegram_user_id)
    if found is not None:
        return found
    person = await people.create(session, now=now, language=language)
    await people.add_address(
        session, keyring, person, Channel.TELEGRAM, str(telegram_user_id), now=now, verified=True
    )
    return person


async def record_consent_once(
    session: AsyncSession, person: Person, purpose: str, *, granted: bool, text_version: str, now: datetime
) -> bool:
    """Record a decision unless the one in force already says the same; True when recorded."""
    current = (await people.consents_in_force(session, person.id)).get(purpose)
    if current is not None and current.granted == granted:
        return False
    await people.record_consent(session, person, purpose, granted=granted, text_version=text_version, now=now)
    return True


# --- balance data ---


async def balance(session: AsyncSession, person_id: uuid.UUID) -> BalanceData | None:
    return await session.get(BalanceData, person_id)


async def set_balance(
    session: AsyncSession, person_id: uuid.UUID, field_name: str, value: str | None, *, now: datetime
) -> None:
    if field_name not in BALANCE_FIELDS:
        raise ValueError("unknown balance field")
    row = await session.get(BalanceData, person_id)
    if row is None:
        row = BalanceData(person_id=person_id, updated_at=now)
        session.add(row)
    setattr(row, field_name, value)
    row.updated_at = now


# --- languages spoken and channel order (R2) ---


async def preferences(session: AsyncSession, person_id: uuid.UUID) -> Preferences | None:
    return await session.get(Preferences, person_id)


async def all_preferences(
    session: AsyncSession, person_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Preferences]:
    if not person_ids:
        return {}
    rows = await session.scalars(select(Preferences).where(Preferences.person_id.in_(list(person_ids))))
    return {row.person_id: row for row in rows}


async def set_preferences(
    session: AsyncSession,
    person_id: uuid.UUID,
    *,
    now: datetime,
    languages: list[str] | None = None,
    channels: str | None = None,
) -> Preferences:
    """Change what is given; leave the rest as it was."""
    row = await session.get(Preferences, person_id)
    if row is None:
        row = Preferences(person_id=person_id, languages=[], channels=None, updated_at=now)
        session.add(row)
    if languages is not None:
        row.languages = list(languages)
    if channels is not None:
        row.channels = channels
    row.updated_at = now
    await session.flush()
    return row


# --- subscriptions ---


async def subscriptions(session: AsyncSession, person_id: uuid.UUID, kind: str) -> set[str]:
    rows = await session.scalars(
        select(Subscription.value).where(Subscription.person_id == person_id, Subscription.kind == kind)
    )
    return set(rows)


async def set_subscriptions(
    session: AsyncSession, person_id: uuid.UUID, kind: str, values: set[str], *, now: datetime
) -> None:
    """Make the person's choices of `kind` exactly `values`."""
    current = await subscriptions(session, person_id, kind)
    removed = current - values
    if removed:
        await session.execute(
            delete(Subscription).where(
                Subscription.person_id == person_id,
                Subscription.kind == kind,
                Subscription.value.in_(removed),
            )
        )
    for value in sorted(values - current):
        session.add(
            Subscription(id=uuid.uuid4(), person_id=person_id, kind=kind, value=value, created_at=now)
        )
    await session.flush()


async def subscriber_ids(session: AsyncSession, kind: str, value: str) -> list[uuid.UUID]:
    """People following `value` whose newest "updates" consent is a yes (for whoever sends updates)."""
    candidates = list(
        await session.scalars(
            select(Subscription.person_id).where(Subscription.kind == kind, Subscription.value == value)
        )
    )
    found = []
    for person_id in candidates:
        consent = (await people.consents_in_force(session, person_id)).get("updates")
        if consent is not None and consent.granted:
            found.append(person_id)
    return found


# --- email verification ---


class CodeCheck(StrEnum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    EXPIRED = "expired"
    NO_TRIES = "no_tries"
    NONE_PENDING = "none_pending"


def judge_code(pending: EmailVerification | None, given_hash: bytes, now: datetime) -> tuple[CodeCheck, int]:
    """The outcome of typing a code, and the tries left after it (plain rule, no database)."""
    if pending is None:
        return CodeCheck.NONE_PENDING, 0
    if pending.tries_left <= 0:
        return CodeCheck.NO_TRIES, 0
    if now >= pending.expires_at:
        return CodeCheck.EXPIRED, pending.tries_left
    if secrets.compare_digest(pending.code_hash, given_hash):
        return CodeCheck.ACCEPTED, pending.tries_left
    return (CodeCheck.WRONG if pending.tries_left > 1 else CodeCheck.NO_TRIES), pending.tries_left - 1


def code_hash(keyring: Keyring, address_id: uuid.UUID, code: str) -> bytes:
    """A keyed hash of the code bound to its address: a copy of the database alone cannot try codes."""
    return keyring.blind_index("email-code", f"{address_id}:{code.strip()}")


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


class EmailTaken(Exception):
    """The address belongs to another person (one who uses Liaison, or verified it)."""


async def _invited_only(session: AsyncSession, address: ChannelAddress) -> bool:
    """Whether `address` is an invitation's unverified email, on a person made for the invitation
    who never used the bot (no Telegram address): the contact it was sent to may take it."""
    if address.verified_at is not None:
        return False
    invited = await session.scalar(select(Contact.id).where(Contact.person_id == address.person_id))
    if invited is None:
        return False
    chat = await session.scalar(
        select(ChannelAddress.id).where(
            ChannelAddress.person_id == address.person_id,
            ChannelAddress.channel == Channel.TELEGRAM.value,
        )
    )
    return chat is None


async def email_address(session: AsyncSession, person_id: uuid.UUID) -> ChannelAddress | None:
    return await session.scalar(
        select(ChannelAddress).where(
            ChannelAddress.person_id == person_id, ChannelAddress.channel == Channel.EMAIL.value
        )
    )


async def start_email_verification(
    session: AsyncSession, keyring: Keyring, person: Person, email: str, *, now: datetime
) -> tuple[ChannelAddress, str] | None:
    """Put `email` on the person (replacing any other) and make a fresh code; None when this
    address has been sent too many codes. Raises EmailTaken when another person has it."""
    existing = await people.find_address(session, keyring, Channel.EMAIL, email)
    if existing is not None and existing.person_id != person.id:
        if not await _invited_only(session, existing):
            raise EmailTaken
        # A contact answering the invitation sent to this address: it moves to them, still
        # unverified, and the contact follows (marked joined once the code comes back).
        await session.execute(
            update(Contact).where(Contact.person_id == existing.person_id).values(person_id=person.id)
        )
        existing.person_id = person.id
    current = await email_address(session, person.id)
    if current is not None and (existing is None or current.id != existing.id):
        await session.delete(current)
        await session.flush()
        current = None
    address = existing or await people.add_address(
        session, keyring, person, Channel.EMAIL, email, now=now, verified=False
    )
    address.verified_at = None
    pending = await session.get(EmailVerification, address.id)
    code = new_code()
    if pending is None:
        pending = EmailVerification(address_id=address.id, sent_count=0, created_at=now)
        session.add(pending)
    if pending.sent_count >= CODE_SENDS:
        return None
    pending.code_hash = code_hash(keyring, address.id, code)
    pending.expires_at = now + CODE_LIFETIME
    pending.tries_left = CODE_TRIES
    pending.sent_count += 1
    await session.flush()
    return address, code


async def check_email_code(
    session: AsyncSession, keyring: Keyring, person_id: uuid.UUID, code: str, *, now: datetime
) -> tuple[CodeCheck, int]:
    address = await email_address(session, person_id)
    pending = None if address is None else await session.get(EmailVerification, address.id)
    if address is None or pending is None:
        return CodeCheck.NONE_PENDING, 0
    outcome, left = judge_code(pending, code_hash(keyring, address.id, code), now)
    if outcome is CodeCheck.ACCEPTED:
        address.verified_at = now
        address.unreachable_at = None
        await session.delete(pending)
        await session.execute(
            update(Contact)
            .where(Contact.person_id == person_id, Contact.invitation == InvitationState.QUEUED.value)
            .values(invitation=InvitationState.JOINED.value)
        )
    elif outcome in (CodeCheck.WRONG, CodeCheck.NO_TRIES):
        pending.tries_left = max(left, 0)
    return outcome, left


async def remove_email(session: AsyncSession, person_id: uuid.UUID) -> bool:
    address = await email_address(session, person_id)
    if address is None:
        return False
    await session.delete(address)
    await session.flush()
    return True


# --- reachability ---


async def set_telegram_reachable(
    session: AsyncSession, keyring: Keyring, telegram_user_id: int, *, reachable: bool, now: datetime
) -> bool:
    """A person blocked (or unblocked) the bot; True when we know them."""
    address = await people.find_address(session, keyring, Channel.TELEGRAM, str(telegram_user_id))
    if address is None:
        return False
    if reachable:
        address.unreachable_at = None
        address.unreachable_reason = None
    else:
        await people.mark_unreachable(session, address, now=now, reason="blocked")
    return True


# --- export and erasure ---


async def export(session: AsyncSession, person_id: uuid.UUID) -> dict[str, Any]:
    """Everything held about one person, as plain JSON-ready data."""
    person = await session.get(Person, person_id)
    if person is None:
        return {}
    addresses = await session.scalars(
        select(ChannelAddress).where(ChannelAddress.person_id == person_id).order_by(ChannelAddress.id)
    )
    consents = await session.scalars(
        select(Consent).where(Consent.person_id == person_id).order_by(Consent.recorded_at, Consent.id)
    )
    balance_row = await session.get(BalanceData, person_id)
    subs = await session.scalars(
        select(Subscription)
        .where(Subscription.person_id == person_id)
        .order_by(Subscription.kind, Subscription.value)
    )
    data: dict[str, Any] = {
        "profile": {
            "id": str(person.id),
            "created_at": person.created_at.isoformat(),
            "language": person.language,
            "display_name": person.display_name,
            "organisation": person.organisation,
            "stakeholder_type": person.stakeholder_type,
            "country": person.country,
            "city": person.city,
            "time_zone": person.time_zone,
        },
        "addresses": [
            {
                "channel": address.channel,
                "address": address.address,
                "verified_at": address.verified_at.isoformat() if address.verified_at else None,
                "unreachable_at": address.unreachable_at.isoformat() if address.unreachable_at else None,
            }
            for address in addresses
        ],
        "consents": [
            {
                "purpose": consent.purpose,
                "granted": consent.granted,
                "text_version": consent.text_version,
                "recorded_at": consent.recorded_at.isoformat(),
            }
            for consent in consents
        ],
        "balance_data": None
        if balance_row is None
        else {name: getattr(balance_row, name) for name in BALANCE_FIELDS},
        "subscriptions": [{"kind": sub.kind, "value": sub.value} for sub in subs],
    }
    prefs = await session.get(Preferences, person_id)
    data["preferences"] = (
        None if prefs is None else {"languages_spoken": prefs.languages, "channel_order": prefs.channels}
    )
    # Other features' sections of the export are added here, one call each.
    data["registrations"] = await registrations.export_for_person(session, person_id)
    data["submissions"] = await submissions.export_for_person(session, person_id)
    data["questions"] = await inbox.export_for_person(session, person_id)
    data["event_proposals"] = await proposals.export_for_person(session, person_id)
    return data


@dataclass
class Erasure:
    """What /forget removed, counted, to tell the person."""

    profile: bool = False
    addresses: int = 0
    consents: int = 0
    balance_data: bool = False
    subscriptions: int = 0
    registrations_anonymised: int = 0
    submissions: int = 0
    questions: int = 0
    event_proposals: int = 0


async def _count(session: AsyncSession, model: Any, column: Any, person_id: uuid.UUID) -> int:
    return int(await session.scalar(select(func.count()).select_from(model).where(column == person_id)) or 0)


async def forget(session: AsyncSession, person_id: uuid.UUID) -> Erasure:
    """Delete the person row; addresses, consents, codes, balance data and subscriptions cascade,
    and other features' rows referring to people are set to NULL by their foreign keys."""
    person = await session.get(Person, person_id)
    if person is None:
        return Erasure()
    erasure = Erasure(
        profile=True,
        addresses=await _count(session, ChannelAddress, ChannelAddress.person_id, person_id),
        consents=await _count(session, Consent, Consent.person_id, person_id),
        balance_data=await session.get(BalanceData, person_id) is not None,
        subscriptions=await _count(session, Subscription, Subscription.person_id, person_id),
        registrations_anonymised=await _count(session, Registration, Registration.person_id, person_id),
        submissions=await _count(session, Submission, Submission.person_id, person_id),
        questions=await inbox.count_for_person(session, person_id),
        event_proposals=await proposals.count_for_person(session, person_id),
    )
    # Core deletes so the database's ON DELETE rules do the cascading, in one statement each.
    await session.execute(delete(Person).where(Person.id == person_id))
    session.expunge(person)
    return erasure
