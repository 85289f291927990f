"""Remembering handled update ids in the database, bounded to the newest `keep`."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.seen_updates import SeenUpdate
from storage.upsert import insert_for

KEEP = 10_000
PRUNE_EVERY = 100


async def first_time(session: AsyncSession, update_id: int, *, now: datetime, keep: int = KEEP) -> bool:
    """Record `update_id`; False when it was already recorded (a repeat or a replay)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = insert_for(dialect)
    result = await session.execute(
        insert(SeenUpdate)
        .values(update_id=update_id, seen_at=now)
        .on_conflict_do_nothing(index_elements=["update_id"])
    )
    if not getattr(result, "rowcount", 0):
        return False
    # Telegram numbers updates one by one, so the newest `keep` ids are those within `keep` of this one.
    if update_id % PRUNE_EVERY == 0:
        await session.execute(delete(SeenUpdate).where(SeenUpdate.update_id <= update_id - keep))
    return True


async def handled(session: AsyncSession, update_id: int, *, since: datetime) -> bool:
    """Whether `update_id` was recorded at `since` or later, without recording it."""
    found = await session.scalar(
        select(SeenUpdate.update_id).where(SeenUpdate.update_id == update_id, SeenUpdate.seen_at >= since)
    )
    return found is not None


async def record(session: AsyncSession, update_ids: Collection[int], *, now: datetime) -> None:
    """Record update ids whose effects this transaction commits; ids already recorded are kept."""
    if not update_ids:
        return
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    await session.execute(
        insert_for(dialect)(SeenUpdate)
        .values([{"update_id": update_id, "seen_at": now} for update_id in sorted(update_ids)])
        .on_conflict_do_nothing(index_elements=["update_id"])
    )
    newest = max(update_ids)
    if any(update_id % PRUNE_EVERY == 0 for update_id in update_ids):
        await session.execute(delete(SeenUpdate).where(SeenUpdate.update_id <= newest - KEEP))
