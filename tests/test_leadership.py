"""Exactly one process runs the clocks on PostgreSQL; another takes over when it dies."""

from __future__ import annotations

import asyncio
import signal
import sys
import time

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


async def _line(process: asyncio.subprocess.Process, timeout: float) -> str:
    assert process.stdout is not None
    async with asyncio.timeout(timeout):
        return (await process.stdout.readline()).decode().strip()


async def _spawn(url: str, lock_id: int) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.leader_process", url, "--retry", "0.2", "--lock-id", str(lock_id),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert await _line(process, 20) == "started"
    return process


async def test_takeover_when_the_leader_process_is_killed(postgres_url: str | None) -> None:
    """Two real processes; SIGKILL the leader; the other leads within a few seconds (retry 0.2 s here)."""
    if postgres_url is None:
        pytest.skip("LIAISON_TEST_POSTGRES_URL is not set")
    lock_id = 4343
    first = await _spawn(postgres_url, lock_id)
    second: asyncio.subprocess.Process | None = None
    try:
        assert await _line(first, 10) == "leading"
        second = await _spawn(postgres_url, lock_id)
        with pytest.raises(TimeoutError):  # the lock is held: the second only follows
            await _line(second, 1.0)
        first.send_signal(signal.SIGKILL)  # no unlock, no goodbye: the server sees the socket close
        await first.wait()
        killed_at = time.monotonic()
        assert await _line(second, 5.0) == "leading"
        assert time.monotonic() - killed_at < 5.0
    finally:
        for process in (first, second):
            if process is not None and process.returncode is None:
                process.kill()
                await process.wait()
