"""Real worker processes against faults that used to duplicate messages (issue 13).

- a 429 whose retry_after is longer than the lease, with several broadcasts to one chat;
- PostgreSQL cut (connections dropped, new ones refused) for longer than the lease;
- SQLite's disk full in the middle of a broadcast.

Each asserts every message arrives exactly once. Slow (a few seconds each): marked, still in CI.
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.sandbox.server import SandboxServer
from scheduler.outbox import Delivery, enqueue
from storage.db import Database
from storage.models import Broadcast, OutboxMessage
from tests.outbox_processes import CuttableProxy, delivered, start_worker
from tests.smtp_fixtures import free_port
from tests.test_senders_telegram import eventually
from tests.worker_process import add_recipients, shareable_keyring

pytestmark = pytest.mark.slow


async def _states(db: Database, prefix: str) -> dict[str, int]:
    async with db.session() as session:
        rows = await session.execute(
            select(OutboxMessage.state, func.count())
            .where(OutboxMessage.idempotency_key.like(f"{prefix}%"))
            .group_by(OutboxMessage.state)
        )
        return {state: int(count) for state, count in rows}


async def _broadcast(db: Database, deliveries: list[tuple[str, uuid.UUID, str]]) -> uuid.UUID:
    now = datetime.now(UTC)
    broadcast_id = uuid.uuid4()
    async with db.session() as session:
        session.add(Broadcast(id=broadcast_id, created_at=now, state="sending", audience="{}", total=1))
        await session.flush()
        await enqueue(
            session,
            [Delivery(key, address, text, broadcast_id=broadcast_id) for key, address, text in deliveries],
            now=now,
        )
    return broadcast_id


async def test_429_longer_than_the_lease_sends_nothing_twice(
    database_url: str, sandbox: SandboxServer, tmp_path: Path
) -> None:
    keyring, keyring_json = shareable_keyring()
    db = Database(database_url, keyring)
    target = sandbox.add_user("Target")
    others = [sandbox.add_user(f"Other{n}") for n in range(3)]
    ids = await add_recipients(db, [str(target.id)] + [str(user.id) for user in others])
    pause = 4
    sandbox.faults.add(kind="retry_after", method="sendMessage", chat_id=target.id, retry_after=pause)
    # Three broadcasts to the same chat, queued together: the second and third have their slots
    # reserved when the first one's 429 arrives.
    for n in range(3):
        await _broadcast(db, [(f"r:{n}:{i}", address, f"R{n} to {i}") for i, address in enumerate(ids)])
    worker = await start_worker(
        database_url,
        sandbox,
        keyring_json,
        tmp_path,
        "--lease",
        "2",
        "--private-interval",
        "0.5",
        "--rate",
        "100",
    )
    try:
        await eventually(lambda: any(call.error_code == 429 for call in sandbox.calls_to("sendMessage")))
        refused_at = next(call.at for call in sandbox.calls_to("sendMessage") if call.error_code == 429)
        # Two more broadcasts claimed while the chat is paused for longer than their lease.
        for n in range(3, 5):
            await _broadcast(db, [(f"r:{n}:{i}", address, f"R{n} to {i}") for i, address in enumerate(ids)])
        await eventually(lambda: len(delivered(sandbox, "R")) == 5 * len(ids), timeout=30)
        await eventually(lambda: _all_sent(db, "r:", 5 * len(ids)), timeout=15)
        await asyncio.sleep(0.5)  # room for a wrong second copy
    finally:
        await worker.stop()
        await db.dispose()
    counts = delivered(sandbox, "R")
    assert max(counts.values()) == 1, sorted(text for text, count in counts.items() if count > 1)
    to_target = [call.at for call in sandbox.calls_to("sendMessage") if call.ok and call.chat_id == target.id]
    assert len(to_target) == 5
    # Nothing reached the chat while it was paused, not even sends already scheduled.
    early = [moment for moment in to_target if moment < refused_at + timedelta(seconds=pause - 0.05)]
    assert early == [], [(moment - refused_at).total_seconds() for moment in early]
    assert worker.errors() == []


async def _all_sent(db: Database, prefix: str, total: int) -> bool:
    return await _states(db, prefix) == {"sent": total}


@pytest.fixture
def postgres_only(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("a TCP proxy in front of PostgreSQL")
    return database_url


async def test_database_cut_longer_than_the_lease(
    postgres_only: str, sandbox: SandboxServer, tmp_path: Path
) -> None:
    keyring, keyring_json = shareable_keyring()
    db = Database(postgres_only, keyring)
    url = make_url(postgres_only)
    proxy = CuttableProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    through_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    users = [sandbox.add_user(f"C{n}") for n in range(300)]
    ids = await add_recipients(db, [str(user.id) for user in users])
    await _broadcast(db, [(f"cut:{n}", address, f"Cut {n}") for n, address in enumerate(ids)])
    worker = await start_worker(
        through_proxy,
        sandbox,
        keyring_json,
        tmp_path,
        "--lease",
        "2",
        "--rate",
        "60",
        "--record-timeout",
        "1",
    )
    try:
        await eventually(lambda: sum(delivered(sandbox, "Cut ").values()) >= 60, timeout=30)
        await proxy.cut()
        cut_at = sum(delivered(sandbox, "Cut ").values())
        await eventually(lambda: len(worker.errors()) >= 1, timeout=10)
        await asyncio.sleep(4)  # twice the lease
        sent_blind = sum(delivered(sandbox, "Cut ").values()) - cut_at
        await proxy.restore()
        await eventually(lambda: len(delivered(sandbox, "Cut ")) == len(ids), timeout=60)
        await eventually(lambda: _all_sent(db, "cut:", len(ids)), timeout=20)
        await asyncio.sleep(0.5)
    finally:
        await worker.stop()
        await proxy.stop()
        await db.dispose()
    counts = delivered(sandbox, "Cut ")
    assert len(counts) == len(ids)  # none lost
    assert max(counts.values()) == 1, sorted(
        text for text, count in counts.items() if count > 1
    )  # none twice
    errors = worker.errors()
    assert len(errors) == 1 and "database unreachable" in errors[0], worker.tail()
    assert any("recorded again" in line for line in worker.lines())
    print(f"database cut: {sent_blind} sends after the cut, 0 duplicates")


async def test_sqlite_disk_full_stops_and_resumes(
    sqlite_url: str, sandbox: SandboxServer, tmp_path: Path
) -> None:
    keyring, keyring_json = shareable_keyring()
    db = Database(sqlite_url, keyring)
    users = [sandbox.add_user(f"F{n}") for n in range(150)]
    ids = await add_recipients(db, [str(user.id) for user in users])
    await _broadcast(db, [(f"full:{n}", address, f"Full {n}") for n, address in enumerate(ids)])
    await db.dispose()
    path = make_url(sqlite_url).database
    assert path is not None
    with sqlite3.connect(path) as raw:
        # No free pages left, then 2 MB of filler the test can free later: the worker's connections
        # may not grow the file (max_page_count), so the first write that needs a page fails.
        raw.execute("VACUUM")
        raw.execute("CREATE TABLE filler (data BLOB)")
        raw.executemany("INSERT INTO filler VALUES (zeroblob(50000))", [()] * 40)
    port = free_port()
    worker = await start_worker(
        sqlite_url,
        sandbox,
        keyring_json,
        tmp_path,
        "--lease",
        "2",
        "--rate",
        "60",
        "--cap-sqlite-growth",
        "--http-port",
        str(port),
    )
    db = Database(sqlite_url, keyring)
    try:
        await eventually(lambda: len(worker.errors()) >= 1, timeout=20)
        async with aiohttp.ClientSession() as client:
            async with client.get(f"http://127.0.0.1:{port}/healthz") as answer:
                assert answer.status == 503 and (await answer.json())["reason"] == "disk full"
            async with client.get(f"http://127.0.0.1:{port}/metrics") as page:
                assert 'liaison_outbox_blind{reason="disk full"} 1.0' in await page.text()
        await asyncio.sleep(3)  # longer than the lease
        with sqlite3.connect(path, timeout=30) as raw:
            raw.execute("DELETE FROM filler")  # room again
        await eventually(lambda: len(delivered(sandbox, "Full ")) == len(ids), timeout=60)
        await eventually(lambda: _all_sent(db, "full:", len(ids)), timeout=20)
        async with aiohttp.ClientSession() as client:
            async with client.get(f"http://127.0.0.1:{port}/healthz") as answer:
                assert answer.status == 200
        await asyncio.sleep(0.5)
    finally:
        await worker.stop()
        await db.dispose()
    counts = delivered(sandbox, "Full ")
    assert max(counts.values()) == 1, sorted(text for text, count in counts.items() if count > 1)
    errors = worker.errors()
    assert len(errors) == 1 and "disk full" in errors[0], worker.tail()
    assert any("recorded again" in line for line in worker.lines())
