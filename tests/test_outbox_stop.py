"""Stopping the outbox workers while a lane is inside a database session.

A lane cancelled in the middle of its claim can have committed the claim and not yet made
jobs of the rows: they would wait a whole lease (two minutes by default) after a restart. The
lanes are asked to stop and left to finish the claim they are in, within a bound; what they
claimed is then sent within the grace period or handed back.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.sandbox.server import SandboxServer
from storage.db import Database
from tests.worker_process import app_settings, fast_settings, running_workers

HELD = 0.5


@asynccontextmanager
async def outbox_locked(database: Database, url: str) -> AsyncIterator[Callable[[], None]]:
    """The outbox locked by another connection; the callable lets go of it HELD seconds later."""
    if database.is_sqlite:
        path = make_url(url).database
        assert path is not None
        taken, release = threading.Event(), threading.Event()

        def hold() -> None:
            with sqlite3.connect(path, timeout=30) as raw:
                raw.execute("BEGIN IMMEDIATE")
                taken.set()
                release.wait(10)
                raw.rollback()

        holder = threading.Thread(target=hold)
        holder.start()
        await asyncio.to_thread(taken.wait, 10)
        try:
            yield lambda: threading.Timer(HELD, release.set).start()
        finally:
            release.set()
            await asyncio.to_thread(holder.join, 10)
        return
    engine = create_async_engine(url)
    tasks: list[asyncio.Task[None]] = []
    try:
        async with engine.connect() as connection:
            await connection.execute(text("LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE"))

            async def release() -> None:
                await asyncio.sleep(HELD)
                await connection.rollback()

            yield lambda: tasks.append(asyncio.create_task(release()))
            await asyncio.gather(*tasks)
    finally:
        await engine.dispose()


async def test_stop_lets_a_claim_in_progress_finish(
    database: Database,
    database_url: str,
    sandbox: SandboxServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    delivery = fast_settings(record_timeout_seconds=5.0)
    async with outbox_locked(database, database_url) as let_go:
        async with running_workers(
            database, base_url=sandbox.base_url, settings=app_settings(tmp_path), delivery=delivery
        ) as workers:
            await asyncio.sleep(0.3)  # the lane polls every 0.05 s: it now waits for the lock
            assert workers.lanes[0].claims == 0
            let_go()
            stopping = time.monotonic()
        stopped_after = time.monotonic() - stopping
    # The stop waited for the claim to end by itself when the lock went, instead of cancelling it.
    assert HELD * 0.9 <= stopped_after < delivery.record_timeout_seconds, stopped_after
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert not errors, [f"{record.name}: {record.getMessage()}" for record in errors]
