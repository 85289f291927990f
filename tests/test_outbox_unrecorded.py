"""A worker never takes back a row whose outcome it holds unwritten.

On a loaded machine (or a slow disk) writing outcomes can take longer than a lease. The rows
already sent then look like expired claims, which come first in the next claim: the same
process would send them again. CI saw it in the disk-full test under load.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.sandbox.server import SandboxServer
from scheduler.outbox import Delivery, enqueue
from scheduler.workers import Recorder, RowUpdate
from storage.db import Database
from tests.outbox_processes import delivered
from tests.test_senders_telegram import all_final
from tests.waiting import eventually
from tests.worker_process import add_recipients, app_settings, fast_settings, running_workers

LEASE = 0.6


async def test_outcomes_written_after_the_lease_are_not_sent_again(
    database: Database, sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = [sandbox.add_user(f"U{n}") for n in range(6)]
    ids = await add_recipients(database, [str(user.id) for user in users])
    async with database.session() as session:
        await enqueue(
            session,
            [Delivery(f"slow:{n}", address, f"Slow {n}") for n, address in enumerate(ids)],
            now=datetime.now(UTC),
        )
    write = Recorder._write

    async def slow_write(recorder: Recorder, batch: list[RowUpdate]) -> int:
        await asyncio.sleep(LEASE * 2.5)  # a database slower than the lease
        return await write(recorder, batch)

    monkeypatch.setattr(Recorder, "_write", slow_write)
    delivery = fast_settings(lease_seconds=LEASE, record_timeout_seconds=10.0)
    async with running_workers(
        database, base_url=sandbox.base_url, settings=app_settings(tmp_path), delivery=delivery
    ) as workers:
        await eventually(lambda: len(delivered(sandbox, "Slow ")) == len(ids))
        await eventually(lambda: all_final(database), timeout=20)
        await workers.recorder.drain()
    counts = delivered(sandbox, "Slow ")
    assert len(counts) == len(ids)
    assert max(counts.values()) == 1, counts
