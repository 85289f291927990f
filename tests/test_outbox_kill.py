"""A worker process killed with SIGKILL at random moments of one broadcast, restarted each time.

One broadcast to RECIPIENTS people; the worker is killed KILLS times, each when a random
number of messages has arrived, and restarted at once. Every recipient must get the message;
a message may arrive more than once only if it was in flight (claimed, outcome unwritten) at
a kill, once more per such kill; and the dead worker's claims must be sent again within a
lease of the restart (expired claims are taken first). The figures are printed (-s).
"""

from __future__ import annotations

import functools
import os
import random
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.sandbox.server import SandboxServer
from scheduler.outbox import Delivery, enqueue
from storage.db import Database
from storage.models import Broadcast, OutboxMessage
from tests.outbox_processes import WorkerProcess, delivered, go, imported, spare_worker
from tests.test_senders_telegram import eventually
from tests.worker_process import add_recipients, shareable_keyring

pytestmark = pytest.mark.slow

RECIPIENTS = 2000
KILLS = 20
LEASE = 1.0
# Time for the restarted worker to claim, send and record, beyond the lease, on a busy machine.
SLACK = 2.0


async def _keys_in_state(db: Database, keys: set[str], state: str) -> set[str]:
    async with db.session() as session:
        found = await session.scalars(
            select(OutboxMessage.idempotency_key).where(
                OutboxMessage.state == state, OutboxMessage.idempotency_key.like("kill:%")
            )
        )
        return keys & set(found)


async def test_killed_worker_loses_nothing(sqlite_url: str, sandbox: SandboxServer, tmp_path: Path) -> None:
    keyring, keyring_json = shareable_keyring()
    db = Database(sqlite_url, keyring)
    users = [sandbox.add_user(f"K{n}") for n in range(RECIPIENTS)]
    ids = await add_recipients(db, [str(user.id) for user in users])
    now = datetime.now(UTC)
    broadcast_id = uuid.uuid4()
    async with db.session() as session:
        session.add(
            Broadcast(id=broadcast_id, created_at=now, state="sending", audience="{}", total=RECIPIENTS)
        )
        await session.flush()
        await enqueue(
            session,
            [
                Delivery(f"kill:{n}", address, f"Kill {n}", broadcast_id=broadcast_id)
                for n, address in enumerate(ids)
            ],
            now=now,
        )
    rng = random.Random(os.environ.get("LIAISON_KILL_SEED") or time.time_ns())
    moments = sorted(rng.sample(range(20, RECIPIENTS - 20), KILLS))
    options = ("--lease", str(LEASE), "--rate", "400", "--concurrency", "16", "--batch", "16")
    in_flight_at: list[set[str]] = []
    resend_seconds: list[float] = []

    def arrived() -> int:
        return sum(delivered(sandbox, "Kill ").values())

    # Every process the test will start, imported ahead in parallel: a restart costs no import time.
    spares = [spare_worker(sqlite_url, sandbox, keyring_json, tmp_path, *options) for _ in range(KILLS + 1)]
    for spare in spares:
        await imported(spare)
    worker: WorkerProcess = await go(spares.pop(0))
    try:
        for moment in moments:
            await eventually(functools.partial(_reached, arrived, moment), timeout=60)
            worker.kill()
            async with db.session() as session:
                claimed = set(
                    await session.scalars(
                        select(OutboxMessage.idempotency_key).where(OutboxMessage.state == "claimed")
                    )
                )
            in_flight_at.append(claimed)
            worker = await go(spares.pop(0))
            restarted = time.monotonic()
            # The dead worker's claims go out first once their lease has run out.
            await eventually(functools.partial(_all_in, db, claimed), timeout=LEASE + SLACK + 10)
            resend_seconds.append(time.monotonic() - restarted)
        await eventually(lambda: len(delivered(sandbox, "Kill ")) == RECIPIENTS, timeout=60)
        await eventually(lambda: _sent_count(db, RECIPIENTS), timeout=30)
    finally:
        for spare in spares:
            spare.kill()
        await worker.stop()
        await db.dispose()
    counts = delivered(sandbox, "Kill ")
    assert len(counts) == RECIPIENTS  # nobody lost
    for text, count in counts.items():
        key = "kill:" + text.removeprefix("Kill ")
        kills_in_flight = sum(1 for claimed in in_flight_at if key in claimed)
        assert count <= 1 + kills_in_flight, (text, count, kills_in_flight)
    duplicates = sum(count - 1 for count in counts.values())
    in_flight_total = sum(len(claimed) for claimed in in_flight_at)
    print(
        f"{KILLS} kills in a broadcast to {RECIPIENTS}: in flight at the kills {in_flight_total} "
        f"(max {max(map(len, in_flight_at))}), duplicates {duplicates}; "
        f"dead worker's claims sent {max(resend_seconds):.2f} s after the restart at most (lease {LEASE} s)"
    )
    assert max(resend_seconds) <= LEASE + SLACK, resend_seconds


def _reached(count: Callable[[], int], moment: int) -> bool:
    return count() >= moment


async def _all_in(db: Database, keys: set[str]) -> bool:
    return await _keys_in_state(db, keys, "sent") == keys


async def _sent_count(db: Database, total: int) -> bool:
    async with db.session() as session:
        count = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state == "sent")
        )
    return count == total
