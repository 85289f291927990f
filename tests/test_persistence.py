"""The dialog store: batched writes, and /forget erasing exactly one person's rows."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.persistence import DatabasePersistence
from scheduler.clock import ManualClock
from storage.db import Database
from storage.models import DialogState

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


async def _owners(db: Database) -> set[tuple[str, str, str]]:
    async with db.session() as session:
        return {(row.kind, row.name, row.owner) for row in await session.scalars(select(DialogState))}


async def test_forget_erases_one_persons_rows_only(database: Database) -> None:
    writer = DatabasePersistence(database, ManualClock(NOW))
    await writer.update_user_data(111, {"language": "ar"})
    await writer.update_user_data(222, {"language": "fr"})
    await writer.update_conversation("onboarding", (111, 111), "organisation")
    await writer.update_conversation("retired_dialog", (111, 111), "step")
    await writer.update_conversation("onboarding", (222, 222), "country")
    await writer.flush()
    assert len(await _owners(database)) == 5

    # A new process: nothing cached, and "retired_dialog" is no longer loaded by any handler.
    fresh = DatabasePersistence(database, ManualClock(NOW))
    await fresh.get_user_data()
    await fresh.get_conversations("onboarding")
    await fresh.forget_person(111)
    assert await _owners(database) == {
        ("user_data", "", "222"),
        ("conversation", "onboarding", "[222, 222]"),
    }


async def test_unchanged_payloads_are_not_written_again(database: Database) -> None:
    clock = ManualClock(NOW)
    persistence = DatabasePersistence(database, clock)
    await persistence.update_user_data(333, {"language": "zh"})
    await persistence.flush()
    clock.set(datetime(2026, 11, 26, tzinfo=UTC))
    await persistence.update_user_data(333, {"language": "zh"})
    await persistence.flush()
    async with database.session() as session:
        row = await session.scalar(select(DialogState))
    assert row is not None
    assert row.updated_at == NOW
