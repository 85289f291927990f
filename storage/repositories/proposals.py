"""Event proposals and the community events they became: rows in and out, nothing else."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CommunityEvent, EventProposal, ProposalStatus


async def add(session: AsyncSession, proposal: EventProposal) -> EventProposal:
    session.add(proposal)
    await session.flush()
    return proposal


async def get(session: AsyncSession, proposal_id: uuid.UUID) -> EventProposal | None:
    return await session.get(EventProposal, proposal_id)


async def count_since(session: AsyncSession, person_id: uuid.UUID, since: datetime) -> int:
    """Proposals a person made since `since`, for the rate limit."""
    query = (
        select(func.count())
        .select_from(EventProposal)
        .where(EventProposal.person_id == person_id, EventProposal.created_at >= since)
    )
    return int(await session.scalar(query) or 0)


async def next_pending(session: AsyncSession, *, after: datetime | None = None) -> EventProposal | None:
    query = select(EventProposal).where(EventProposal.status == ProposalStatus.PENDING.value)
    if after is not None:
        query = query.where(EventProposal.created_at > after)
    return await session.scalar(query.order_by(EventProposal.created_at, EventProposal.id).limit(1))


async def pending(session: AsyncSession, *, limit: int) -> list[EventProposal]:
    """Proposals awaiting a decision, oldest first (the order `/proposals` shows them in)."""
    query = (
        select(EventProposal)
        .where(EventProposal.status == ProposalStatus.PENDING.value)
        .order_by(EventProposal.created_at, EventProposal.id)
        .limit(limit)
    )
    return list(await session.scalars(query))


async def pending_count(session: AsyncSession) -> int:
    query = (
        select(func.count())
        .select_from(EventProposal)
        .where(EventProposal.status == ProposalStatus.PENDING.value)
    )
    return int(await session.scalar(query) or 0)


async def mark_community(
    session: AsyncSession, event_id: uuid.UUID, organiser_id: uuid.UUID, kind: str, languages: list[str]
) -> None:
    session.add(CommunityEvent(event_id=event_id, organiser_id=organiser_id, kind=kind, languages=languages))
    await session.flush()


async def community(
    session: AsyncSession, event_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, CommunityEvent]:
    if not event_ids:
        return {}
    rows = await session.scalars(select(CommunityEvent).where(CommunityEvent.event_id.in_(list(event_ids))))
    return {row.event_id: row for row in rows}


async def export_for_person(session: AsyncSession, person_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(EventProposal).where(EventProposal.person_id == person_id).order_by(EventProposal.created_at)
    )
    return [
        {
            "title": row.title,
            "kind": row.kind,
            "starts_at": row.starts_at.isoformat(),
            "time_zone": row.time_zone,
            "region": row.region,
            "link": row.link,
            "languages": row.languages,
            "status": row.status,
            "reason": row.reason,
            "proposed_at": row.created_at.isoformat(),
        }
        for row in rows
    ]


async def count_for_person(session: AsyncSession, person_id: uuid.UUID) -> int:
    query = select(func.count()).select_from(EventProposal).where(EventProposal.person_id == person_id)
    return int(await session.scalar(query) or 0)
