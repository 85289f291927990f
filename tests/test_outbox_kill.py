"""A worker process killed with SIGKILL at random points, then restarted: nothing is lost.

Each run queues a message for every recipient, starts a real worker process, kills it when a
random number of messages has arrived, and starts another. Every recipient must get the
message; a message may arrive twice only if it was in flight (claimed, not recorded) at the
kill, and never more than twice. The duplicate count is printed (run with -s to see it).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.sandbox.server import SandboxServer
from scheduler.outbox import Delivery, enqueue
from storage.db import Database
from storage.models import OutboxMessage
from tests.test_senders_telegram import eventually
from tests.worker_process import add_recipients, shareable_keyring

ROOT = Path(__file__).resolve().parent.parent
RUNS = 4
RECIPIENTS = 120


def start_worker(
    url: str, sandbox: SandboxServer, keyring_json: str, tmp_path: Path
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.worker_process",
            "--database",
            url,
            "--base-url",
            sandbox.base_url,
            "--data-dir",
            str(tmp_path),
            "--rate",
            "100",
            "--lease",
            "1.5",
            "--concurrency",
            "16",
            "--batch",
            "40",
        ],
        cwd=ROOT,
        env={**os.environ, "LIAISON_TEST_KEYRING": keyring_json},
        stdout=subprocess.DEVNULL,
    )


async def test_killed_worker_loses_nothing(sqlite_url: str, sandbox: SandboxServer, tmp_path: Path) -> None:
    keyring, keyring_json = shareable_keyring()
    db = Database(sqlite_url, keyring)
    users = [sandbox.add_user(f"K{n}") for n in range(RECIPIENTS)]
    ids = await add_recipients(db, [str(user.id) for user in users])
    rng = random.Random(os.environ.get("LIAISON_KILL_SEED") or time.time_ns())
    duplicates_total = 0
    try:
        for run in range(RUNS):
            text_of = {n: f"Run {run} message {n}" for n in range(RECIPIENTS)}
            async with db.session() as session:
                await enqueue(
                    session,
                    [Delivery(f"kill:{run}:{n}", address, text_of[n]) for n, address in enumerate(ids)],
                    now=datetime.now(UTC),
                )

            def arrived(run: int = run) -> Counter[str]:
                prefix = f"Run {run} "
                return Counter(
                    str(call.params.get("text"))
                    for call in sandbox.calls_to("sendMessage")
                    if call.ok and str(call.params.get("text", "")).startswith(prefix)
                )

            kill_after = rng.randint(1, RECIPIENTS - 10)
            worker = start_worker(sqlite_url, sandbox, keyring_json, tmp_path)
            try:
                await eventually(lambda k=kill_after: sum(arrived().values()) >= k, timeout=30)
                worker.send_signal(signal.SIGKILL)
                worker.wait()
            finally:
                if worker.poll() is None:
                    worker.kill()
            async with db.session() as session:
                in_flight = {
                    row.idempotency_key
                    for row in await session.scalars(
                        select(OutboxMessage).where(
                            OutboxMessage.state == "claimed",
                            OutboxMessage.idempotency_key.like(f"kill:{run}:%"),
                        )
                    )
                }
            restarted = start_worker(sqlite_url, sandbox, keyring_json, tmp_path)
            try:
                await eventually(lambda: len(arrived()) == RECIPIENTS, timeout=30)
                await eventually(lambda r=run: _all_sent(db, r), timeout=30)
            finally:
                restarted.send_signal(signal.SIGTERM)
                await asyncio.to_thread(restarted.wait, 10)
            counts = arrived()
            assert set(counts) == set(text_of.values())  # every recipient got it
            twice = {text for text, count in counts.items() if count > 1}
            assert all(count <= 2 for count in counts.values())
            # Only messages claimed and unrecorded at the kill may arrive twice.
            keys_twice = {f"kill:{run}:{n}" for n, text in text_of.items() if text in twice}
            assert keys_twice <= in_flight, (keys_twice, in_flight)
            duplicates_total += len(twice)
            print(
                f"run {run}: killed after {kill_after}, in flight {len(in_flight)}, duplicates {len(twice)}"
            )
    finally:
        await db.dispose()
    print(f"duplicates over {RUNS} runs of {RECIPIENTS} messages: {duplicates_total}")


async def _all_sent(db: Database, run: int) -> bool:
    async with db.session() as session:
        states = Counter(
            row.state
            for row in await session.scalars(
                select(OutboxMessage).where(OutboxMessage.idempotency_key.like(f"kill:{run}:%"))
            )
        )
    return states == Counter({"sent": RECIPIENTS})
