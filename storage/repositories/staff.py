"""Staff accounts: added and removed by administrators, checked on every staff call."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto.keyring import Keyring
from storage.models import StaffMember, StaffRole


def telegram_index(keyring: Keyring, telegram_id: int) -> bytes:
    return keyring.blind_index("staff:telegram", str(telegram_id))


async def find_active(session: AsyncSession, keyring: Keyring, telegram_id: int) -> StaffMember | None:
    """The staff member behind a Telegram account, if they still hold a role."""
    return await session.scalar(
        select(StaffMember).where(
            StaffMember.telegram_index == telegram_index(keyring, telegram_id),
            StaffMember.removed_at.is_(None),
        )
    )


async def add(
    session: AsyncSession,
    keyring: Keyring,
    telegram_id: int,
    role: StaffRole,
    *,
    now: datetime,
    display_name: str | None = None,
) -> StaffMember:
    index = telegram_index(keyring, telegram_id)
    member = await session.scalar(select(StaffMember).where(StaffMember.telegram_index == index))
    if member is None:
        member = StaffMember(
            id=uuid.uuid4(),
            telegram_index=index,
            telegram_id=str(telegram_id),
            role=role.value,
            added_at=now,
            display_name=display_name,
        )
        session.add(member)
    else:
        member.role, member.removed_at, member.added_at = role.value, None, now
        if display_name is not None:
            member.display_name = display_name
    await session.flush()
    return member


async def remove(session: AsyncSession, keyring: Keyring, telegram_id: int, *, now: datetime) -> bool:
    member = await find_active(session, keyring, telegram_id)
    if member is None:
        return False
    member.removed_at = now
    return True


async def list_active(session: AsyncSession) -> list[StaffMember]:
    rows = await session.scalars(
        select(StaffMember).where(StaffMember.removed_at.is_(None)).order_by(StaffMember.added_at)
    )
    return list(rows)
