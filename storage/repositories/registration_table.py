"""An event's registrations as categories, for the browser console's review table.

Categories only (reference, kind, status, stakeholder type, country, sub-region and the
balance data); what a person wrote is read one registration at a time, audited, through
`review.card`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import UNKNOWN_CATEGORY, BalanceData, Registration, RegistrationStatus

FILTERS = ("status", "kind", "stakeholder_type", "subregion", "gender", "age_group", "migrant_led")
UNKNOWN = UNKNOWN_CATEGORY


@dataclass(frozen=True)
class TableRow:
    id: uuid.UUID
    reference: str
    created_at: datetime
    reason_key: str | None
    status: str
    kind: str
    stakeholder_type: str
    country: str
    subregion: str
    gender: str
    age_group: str
    migrant_led: str

    def value(self, name: str) -> str:
        return str(getattr(self, name))


async def rows(session: AsyncSession, event_id: uuid.UUID) -> list[TableRow]:
    """Every registration of the event, oldest first; missing categories read as `unknown`."""
    result = await session.execute(
        select(Registration, BalanceData)
        .outerjoin(BalanceData, BalanceData.person_id == Registration.person_id)
        .where(Registration.event_id == event_id)
        .order_by(Registration.created_at, Registration.id)
    )
    return [
        TableRow(
            registration.id,
            registration.reference,
            registration.created_at,
            registration.reason_key,
            registration.status,
            registration.kind,
            registration.stakeholder_type or UNKNOWN,
            registration.country or UNKNOWN,
            registration.subregion or UNKNOWN,
            (balance.gender if balance else None) or UNKNOWN,
            (balance.age_group if balance else None) or UNKNOWN,
            (balance.migrant_led if balance else None) or UNKNOWN,
        )
        for registration, balance in result.all()
    ]


def matching(found: list[TableRow], chosen: dict[str, str]) -> list[TableRow]:
    """The rows whose category equals every chosen filter value (an empty choice matches all)."""
    wanted = {name: value for name, value in chosen.items() if name in FILTERS and value}
    return [row for row in found if all(row.value(name) == value for name, value in wanted.items())]


async def pending_kinds(session: AsyncSession, event_id: uuid.UUID) -> list[str]:
    """The kinds of request of the event still waiting for a decision."""
    found = await session.scalars(
        select(Registration.kind)
        .where(Registration.event_id == event_id, Registration.status == RegistrationStatus.PENDING.value)
        .distinct()
    )
    return sorted(found)
