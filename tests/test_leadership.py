"""Exactly one process runs the clocks on PostgreSQL; another takes over when it dies."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from scheduler.leadership import Leadership


async def test_sqlite_process_always_leads(sqlite_url: str) -> None:
    engine = create_async_engine(sqlite_url)
    leadership = Leadership(engine)
    await leadership.start()
    assert leadership.is_leader
    await leadership.stop()
    await engine.dispose()


async def test_one_leader_and_takeover_on_postgres(postgres_url: str | None) -> None:
    if postgres_url is None:
        pytest.skip("LIAISON_TEST_POSTGRES_URL is not set")
    first_engine, second_engine = create_async_engine(postgres_url), create_async_engine(postgres_url)
    first = Leadership(first_engine, retry=0.05, lock_id=4242)
    second = Leadership(second_engine, retry=0.05, lock_id=4242)
    await first.start()
    await second.start()
    try:
        await asyncio.sleep(0.2)
        assert first.is_leader
        assert not second.is_leader
        # The leader's process dies: its connection to the server is cut without an unlock.
        if first._task is not None:
            first._task.cancel()
        assert first._connection is not None
        await first._connection.invalidate()
        first._connection = None
        async with asyncio.timeout(5):
            while not second.is_leader:
                await asyncio.sleep(0.05)
        assert second.is_leader
    finally:
        await second.stop()
        await first.stop()
        await second_engine.dispose()
        await first_engine.dispose()
