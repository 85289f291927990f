"""Three worker processes on one PostgreSQL database deliver 4,000 messages to 400 chats, none twice.

Runs only when LIAISON_TEST_POSTGRES_URL is set. The rate limit is lifted to keep it short.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.sandbox.server import SandboxServer
from scheduler.outbox import Delivery, enqueue
from storage.db import Database
from storage.repositories import outbox as repository
from tests.database_fixtures import POSTGRES_ENV
from tests.test_senders_telegram import eventually
from tests.worker_process import add_recipients, shareable_keyring

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = 4_000  # enough for the three to contend on every batch; 10,000 took 45-100 s of CI
CHATS = 400
PROCESSES = 3

pytestmark = pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason=f"needs {POSTGRES_ENV}")


@pytest.fixture
def only_postgres(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    return database_url


async def test_three_workers_no_duplicates(
    only_postgres: str, sandbox: SandboxServer, tmp_path: Path
) -> None:
    keyring, keyring_json = shareable_keyring()
    db = Database(only_postgres, keyring)
    users = [sandbox.add_user(f"P{n}") for n in range(CHATS)]
    ids = await add_recipients(db, [str(user.id) for user in users])
    async with db.session() as session:
        inserted = await enqueue(
            session,
            [Delivery(f"pg:{n}", ids[n % CHATS], f"Message {n}") for n in range(MESSAGES)],
            now=datetime.now(UTC),
        )
    assert inserted == MESSAGES
    workers = [
        subprocess.Popen(  # noqa: ASYNC220 - starting a process does not block the loop
            [
                sys.executable,
                "-m",
                "tests.worker_process",
                "--database",
                only_postgres,
                "--base-url",
                sandbox.base_url,
                "--data-dir",
                str(tmp_path),
                "--unlimited",
                "--concurrency",
                "32",
                "--batch",
                "200",
                "--lease",
                "60",
            ],
            cwd=ROOT,
            env={**os.environ, "LIAISON_TEST_KEYRING": keyring_json},
            stdout=subprocess.DEVNULL,
        )
        for _ in range(PROCESSES)
    ]

    def delivered() -> int:
        return sum(1 for call in sandbox.calls_to("sendMessage") if call.ok)

    async def done() -> bool:
        async with db.session() as session:
            counts = await repository.counts_by_state(session)
        return counts.get(("telegram", "sent"), 0) == MESSAGES

    try:
        await eventually(lambda: delivered() >= MESSAGES, timeout=240)
        await eventually(done, timeout=30)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            await asyncio.to_thread(worker.wait, 15)
        await db.dispose()
    texts = Counter(str(call.params.get("text")) for call in sandbox.calls_to("sendMessage") if call.ok)
    assert len(texts) == MESSAGES
    assert max(texts.values()) == 1, [text for text, count in texts.items() if count > 1][:5]
    senders = {call.params.get("text") for call in sandbox.calls_to("sendMessage")}
    assert len(senders) == MESSAGES
