"""The Telegram sender against the sandbox: faults per chat, pacing per chat and overall."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.sandbox.server import SandboxServer
from scheduler.outbox import Delivery, enqueue
from storage.db import Database
from storage.models import Broadcast, ChannelAddress, OutboxMessage
from storage.repositories import outbox as repository
from tests.waiting import eventually  # also imported from here by older tests
from tests.worker_process import add_recipients, app_settings, fast_settings, running_workers


async def rows_by_key(db: Database) -> dict[str, OutboxMessage]:
    async with db.session() as session:
        return {row.idempotency_key: row for row in await session.scalars(select(OutboxMessage))}


async def all_final(db: Database) -> bool:
    async with db.session() as session:
        counts = await repository.counts_by_state(session)
    return not any(state in ("queued", "claimed") for _channel, state in counts)


def texts(sandbox: SandboxServer, chat_id: int) -> list[str]:
    return [message.text or message.caption or "" for message in sandbox.chat(chat_id).bot_messages]


async def test_faults_injected_per_chat(database: Database, sandbox: SandboxServer, tmp_path: Path) -> None:
    names = ["rate", "blocked", "missing", "flaky", "timeout", "retimeout", "dropped", "fine"]
    users = {name: sandbox.add_user(name.title()) for name in names}
    ids = dict(zip(names, await add_recipients(database, [str(u.id) for u in users.values()]), strict=True))
    chat = {name: user.id for name, user in users.items()}
    sandbox.faults.add(kind="retry_after", method="sendMessage", chat_id=chat["rate"], retry_after=1)
    sandbox.faults.add(kind="blocked", chat_id=chat["blocked"], times=None)
    sandbox.faults.add(kind="chat_not_found", chat_id=chat["missing"])
    sandbox.faults.add(kind="server_error", chat_id=chat["flaky"], times=2)
    sandbox.faults.add(kind="timeout", chat_id=chat["timeout"], delay=3.0)
    sandbox.faults.add(kind="timeout", chat_id=chat["retimeout"], delay=3.0)
    sandbox.faults.add(kind="drop", chat_id=chat["dropped"])
    now = datetime.now(UTC)
    retrying = uuid.uuid4()
    async with database.session() as session:
        # Unknown outcomes are retried only where the broadcast says so.
        session.add(
            Broadcast(
                id=retrying, created_at=now, state="sending", retry_unknown=True, audience="{}", total=1
            )
        )
        await session.flush()
        deliveries = [
            Delivery(
                f"m:{name}",
                ids[name],
                f"Hello {name}",
                broadcast_id=retrying if name == "retimeout" else None,
            )
            for name in names
        ]
        deliveries.append(
            Delivery("m:blocked:2", ids["blocked"], "Later", send_after=now + timedelta(seconds=0.5))
        )
        await enqueue(session, deliveries, now=now)
    delivery = fast_settings(telegram_timeout_seconds=0.5, retry_unknown=False)
    async with running_workers(
        database, base_url=sandbox.base_url, settings=app_settings(tmp_path), delivery=delivery
    ) as workers:
        await eventually(lambda: texts(sandbox, chat["fine"]))
        await eventually(lambda: all_final(database))
        await workers.recorder.drain()
        sent = workers.metrics.sent.labels("telegram")._value.get()
    rows = await rows_by_key(database)
    async with database.session() as session:
        addresses = {name: await session.get(ChannelAddress, ids[name]) for name in names}

    # A 429 for one chat delays that chat only, by retry_after, and is not a failure.
    assert texts(sandbox, chat["rate"]) == ["Hello rate"]
    assert rows["m:rate"].state == "sent" and rows["m:rate"].attempts == 1
    rate_calls = [call for call in sandbox.calls_to("sendMessage") if call.chat_id == chat["rate"]]
    assert (rate_calls[-1].at - rate_calls[0].at).total_seconds() >= 0.9
    fine_calls = [call for call in sandbox.calls_to("sendMessage") if call.chat_id == chat["fine"]]
    assert fine_calls[0].at < rate_calls[-1].at  # the fine chat did not wait for the paused one
    # 403 and "chat not found" make the address unreachable; what was queued for it is cancelled.
    assert rows["m:blocked"].state == "failed" and rows["m:blocked:2"].state == "cancelled"
    assert addresses["blocked"].unreachable_reason == "blocked"  # type: ignore[union-attr]
    assert rows["m:missing"].state == "failed"
    assert addresses["missing"].unreachable_reason == "chat_not_found"  # type: ignore[union-attr]
    assert addresses["fine"].unreachable_at is None  # type: ignore[union-attr]
    # 5xx are retried with backoff until they go through.
    assert rows["m:flaky"].state == "sent" and rows["m:flaky"].attempts == 3
    assert texts(sandbox, chat["flaky"]) == ["Hello flaky"]
    # A timeout after the request left: unknown, counted; not sent again unless the broadcast says so.
    assert rows["m:timeout"].state == "unknown" and rows["m:timeout"].unknown_outcomes == 1
    assert texts(sandbox, chat["timeout"]) == ["Hello timeout"]
    assert rows["m:retimeout"].state == "sent" and rows["m:retimeout"].unknown_outcomes == 1
    assert texts(sandbox, chat["retimeout"]) == ["Hello retimeout", "Hello retimeout"]
    # A dropped connection is retried.
    assert rows["m:dropped"].state == "sent" and texts(sandbox, chat["dropped"]) == ["Hello dropped"]
    assert sent == 5
    assert rows["m:fine"].body is None  # delivered content is not kept


async def test_pacing_per_chat_does_not_hold_up_other_chats(
    sqlite_database: Database, sandbox: SandboxServer, tmp_path: Path
) -> None:
    busy = sandbox.add_user("Busy")
    others = [sandbox.add_user(f"P{n}") for n in range(10)]
    busy_id, *other_ids = await add_recipients(sqlite_database, [str(busy.id)] + [str(u.id) for u in others])
    now = datetime.now(UTC)
    async with sqlite_database.session() as session:
        await enqueue(session, [Delivery(f"busy:{n}", busy_id, f"Busy {n}") for n in range(3)], now=now)
        await enqueue(
            session, [Delivery(f"o:{n}", address, "Hi") for n, address in enumerate(other_ids)], now=now
        )
    delivery = fast_settings(private_chat_interval=1.0)
    async with running_workers(
        sqlite_database, base_url=sandbox.base_url, settings=app_settings(tmp_path), delivery=delivery
    ):
        await eventually(lambda: all(texts(sandbox, user.id) for user in others))
        await eventually(lambda: len(texts(sandbox, busy.id)) == 3)
    sends = [call for call in sandbox.calls_to("sendMessage") if call.ok]
    busy_calls = [call.at for call in sends if call.chat_id == busy.id]
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(busy_calls)]
    assert all(gap >= 0.95 for gap in gaps), gaps
    # Not held up: every other chat had its message before the busy chat's pace let its second go
    # (an order, not a wall-clock bound: the worker's start-up time varies with the machine's load).
    others_last = max(call.at for call in sends if call.chat_id != busy.id)
    assert others_last < busy_calls[1], (others_last, busy_calls)


async def test_global_rate_is_kept(sqlite_database: Database, sandbox: SandboxServer, tmp_path: Path) -> None:
    users = [sandbox.add_user(f"R{n}") for n in range(31)]
    ids = await add_recipients(sqlite_database, [str(u.id) for u in users])
    async with sqlite_database.session() as session:
        await enqueue(
            session,
            [Delivery(f"r:{n}", address, "Hi") for n, address in enumerate(ids)],
            now=datetime.now(UTC),
        )
    async with running_workers(
        sqlite_database,
        base_url=sandbox.base_url,
        settings=app_settings(tmp_path, telegram_rate=20.0),
        delivery=fast_settings(),
    ):
        await eventually(lambda: len(sandbox.calls_to("sendMessage")) == 31)
    moments = sorted(call.at for call in sandbox.calls_to("sendMessage"))
    span = (moments[-1] - moments[0]).total_seconds()
    assert 30 / span <= 20 * 1.05, 30 / span
    assert 30 / span >= 20 * 0.8, 30 / span
