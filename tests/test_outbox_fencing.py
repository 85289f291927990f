"""Fencing on both databases: claim tokens, outcomes written only under their claim, expired
claims first, a 429 that holds every send to its chat, and stopping when nothing can be recorded."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from scheduler.metrics import DeliveryMetrics
from scheduler.outbox import Delivery, OutboxState, enqueue
from scheduler.rate_limits import ChatPacing, TelegramLimiter
from scheduler.recording_health import DISK_FULL, LOCKED, UNREACHABLE, RecordingHealth, cause_of
from storage.db import Database
from storage.models import OutboxMessage
from storage.repositories import outbox as repository
from tests.worker_process import add_recipients

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


async def _claim(db: Database, worker: str, now: datetime, limit: int = 10) -> list[repository.ClaimedRow]:
    async with db.session() as session:
        return await repository.claim(
            session, channel="telegram", worker=worker, now=now, lease=LEASE, limit=limit
        )


async def test_expired_claims_are_taken_before_newer_queued_rows(database: Database) -> None:
    ids = await add_recipients(database, [str(7000 + n) for n in range(5)])
    async with database.session() as session:
        await enqueue(session, [Delivery(f"old{n}", ids[n], "a") for n in range(2)], now=NOW)
    dead = await _claim(database, "dead-worker", NOW)
    assert len(dead) == 2
    async with database.session() as session:
        # Queued later, but due earlier than the dead worker's rows: still not first.
        await enqueue(
            session,
            [Delivery(f"new{n}", ids[n], "b", send_after=NOW - timedelta(hours=1)) for n in range(2, 5)],
            now=NOW + timedelta(seconds=5),
        )
    taken = await _claim(database, "next-worker", NOW + LEASE + timedelta(seconds=1), limit=2)
    assert {row.id for row in taken} == {row.id for row in dead}
    assert all(row.claims == 2 for row in taken)  # the second claim of each


async def test_outcome_is_written_only_under_its_claim(database: Database) -> None:
    ids = await add_recipients(database, ["7101"])
    async with database.session() as session:
        await enqueue(session, [Delivery("fenced", ids[0], "a"), Delivery("fenced2", ids[0], "b")], now=NOW)
    first = {row.id: row for row in await _claim(database, "slow", NOW)}
    assert {row.claims for row in first.values()} == {1}
    # The slow worker's lease ran out; another claimed the rows (token 2) and will send them.
    second = {row.id: row for row in await _claim(database, "fast", NOW + LEASE * 2)}
    assert set(second) == set(first) and {row.claims for row in second.values()} == {2}
    one, two = sorted(first)
    async with database.session() as session:
        stale = await repository.record(
            session,
            [
                repository.RowUpdate(one, ids[0], OutboxState.SENT, 1, claim=1),
                repository.RowUpdate(
                    two, ids[0], OutboxState.QUEUED, 1, send_after=NOW + timedelta(hours=1), claim=1
                ),
            ],
            now=NOW,
        )
    assert stale == 1  # the sent outcome under the old token; the other is refused too
    async with database.session() as session:
        rows = {row.id: row for row in await session.scalars(select(OutboxMessage))}
    assert {row.state for row in rows.values()} == {"claimed"}
    assert {row.claimed_by for row in rows.values()} == {"fast"}
    async with database.session() as session:
        await repository.record(
            session,
            [
                repository.RowUpdate(one, ids[0], OutboxState.SENT, 1, claim=2),
                repository.RowUpdate(two, ids[0], OutboxState.SENT, 1, claim=2),
            ],
            now=NOW,
        )
    async with database.session() as session:
        states = {row.state for row in await session.scalars(select(OutboxMessage))}
    assert states == {"sent"}


async def test_a_refused_final_outcome_leaves_the_newer_claims_text(database: Database) -> None:
    ids = await add_recipients(database, ["7201"])
    async with database.session() as session:
        await enqueue(session, [Delivery("kept", ids[0], "Still to be sent")], now=NOW)
    [old] = await _claim(database, "slow", NOW)
    [new] = await _claim(database, "fast", NOW + LEASE * 2)
    assert new.claims == 2
    async with database.session() as session:
        await repository.record(
            session, [repository.RowUpdate(old.id, ids[0], OutboxState.DEAD, 8, claim=1)], now=NOW
        )
    async with database.session() as session:
        row = await session.get(OutboxMessage, old.id)
        assert row is not None and row.state == "claimed" and row.body == "Still to be sent"


async def test_a_429_holds_sends_already_waiting_for_that_chat() -> None:
    """A send that reserved its slot before the 429 arrived waits for the pause, or hands back."""
    limiter = TelegramLimiter(None, ChatPacing(private_interval=0.2))
    started = time.monotonic()
    assert await limiter.wait_turn(42) is None
    waiting = asyncio.create_task(limiter.wait_turn(42))  # reserved 0.2 s from now
    later = asyncio.create_task(limiter.wait_turn(42, deadline=started + 0.8))
    await asyncio.sleep(0.05)
    limiter.pause_chat(42, 1.0)  # the 429
    assert await waiting is None
    assert time.monotonic() - started >= 1.0  # not at its old slot
    handed_back = await later
    assert handed_back is not None and handed_back > 0  # its turn is past its deadline
    assert time.monotonic() - started < 1.5
    assert await limiter.wait_turn(7, deadline=time.monotonic() + 5) is None  # other chats go on


def test_causes_in_words() -> None:
    import sqlite3

    from sqlalchemy.exc import OperationalError

    full = OperationalError("UPDATE outbox", {}, sqlite3.OperationalError("database or disk is full"))
    locked = OperationalError("UPDATE outbox", {}, sqlite3.OperationalError("database is locked"))
    assert cause_of(full) == DISK_FULL
    assert cause_of(locked) == LOCKED
    assert cause_of(ConnectionRefusedError(111, "Connect call failed")) == UNREACHABLE
    assert cause_of(OSError("anything")) == UNREACHABLE


def test_one_log_line_per_state_change(caplog: pytest.LogCaptureFixture) -> None:
    metrics = DeliveryMetrics()
    health = RecordingHealth(metrics)
    with caplog.at_level(logging.INFO, logger="scheduler.recording_health"):
        for _ in range(5):
            health.failed(ConnectionRefusedError(111, "Connect call failed"))
        for _ in range(3):
            health.recovered()
    errors = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert len(errors) == 1 and "database unreachable" in errors[0].getMessage()
    assert len(caplog.records) == 2 and not health.blind
    assert metrics.blind.labels("")._value.get() == 0


async def test_health_endpoint_reports_blind_workers(database: Database, tmp_path: Path) -> None:
    import aiohttp

    from bot.i18n import Translator
    from scheduler.http import DeliveryHttp, LinkHooks

    metrics = DeliveryMetrics()
    health = RecordingHealth(metrics)
    http = DeliveryHttp(
        db=database,
        translator=Translator(),
        metrics=metrics,
        clock=lambda: datetime.now(UTC),
        hooks=LinkHooks(),
        recording_problem=lambda: health.reason,
    )
    await http.start("127.0.0.1", 0)
    try:
        async with aiohttp.ClientSession() as client:
            async with client.get(f"{http.address}/healthz") as answer:
                assert answer.status == 200
            health.failed(DISK_FULL)
            async with client.get(f"{http.address}/healthz") as answer:
                assert answer.status == 503
                assert (await answer.json())["reason"] == DISK_FULL
            async with client.get(f"{http.address}/metrics") as page:
                assert 'liaison_outbox_blind{reason="disk full"} 1.0' in await page.text()
            health.recovered()
            async with client.get(f"{http.address}/healthz") as answer:
                assert answer.status == 200
    finally:
        await http.stop()
