"""Remembering handled update ids in the database, bounded to the newest `keep`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
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
