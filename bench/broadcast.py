"""Delivery benchmarks: Telegram rate accuracy, engine headroom, email pool, enqueue speed, peak RSS.

    .venv/bin/python -m bench.broadcast            # the sizes of issue 5 (about 10 minutes)
    .venv/bin/python -m bench.broadcast --quick    # smaller sizes, about a minute
    LIAISON_TEST_POSTGRES_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test .venv/bin/python -m bench.broadcast

Everything runs in this process on loopback (the sandbox Bot API, aiosmtpd in a thread), so the
figures include the fake servers' own CPU; on a shared machine they vary from run to run.
Each figure is printed with its ratio to its target. The engine headroom compares the outbox's
delivery rate with bare PTB sends built with the same HTTP settings (`--headroom-rounds`, default 3:
the two alternate, which goes first alternates too, and the median of the rounds' ratios counts).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import delete, func, insert, select, text

from bot.sandbox.server import SandboxServer
from bot.settings import Settings
from scheduler import broadcasts
from scheduler.delivery import email_sender, telegram_bot, telegram_sender
from scheduler.delivery_settings import DeliverySettings, delivery_settings
from scheduler.outbox import Delivery, enqueue
from scheduler.senders import Message
from scheduler.workers import OutboxWorkers
from storage.crypto.keyring import DataKey, Keyring
from storage.db import Database
from storage.migrate import upgrade
from storage.models import ChannelAddress, Person
from storage.repositories import outbox as repository
from storage.repositories.people import address_index

TOKEN = "123456:SANDBOX-not-a-real-token-for-local-use"


def report(name: str, value: float, unit: str, target: float, *, lower_is_better: bool = False) -> None:
    ratio = (target / value if value else float("inf")) if lower_is_better else value / target
    mark = "ok" if ratio >= 1 else "BELOW TARGET"
    sign = "<" if lower_is_better else "≥"
    print(
        f"{name:<58} {value:>12,.2f} {unit:<10} target {sign} {target:,.2f}  ratio {ratio:5.2f}  {mark}",
        flush=True,
    )


def new_keyring() -> Keyring:
    return Keyring([DataKey("k1", os.urandom(32))], os.urandom(32))


async def fresh_database(url: str | None, folder: Path) -> Database:
    if url is None:
        url = f"sqlite+aiosqlite:///{folder / f'bench-{uuid.uuid4().hex[:6]}.db'}"
        await asyncio.to_thread(upgrade, url)
    else:
        await asyncio.to_thread(upgrade, url)
    return Database(url, new_keyring())


async def admin(url: str, sql: str) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(sql))
    await engine.dispose()


async def scratch_postgres(admin_url: str) -> str:
    """A new database beside the one named in LIAISON_TEST_POSTGRES_URL, dropped afterwards."""
    name = f"liaison_bench_{uuid.uuid4().hex[:8]}"
    await admin(admin_url, f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


async def bulk_addresses(db: Database, chats: list[str], channel: str = "telegram") -> list[uuid.UUID]:
    """People and addresses in bulk (Core inserts with explicit sealing), for benchmark set-up only."""
    from storage.crypto.keyring import field_aad
    from storage.models.people import Channel
    from storage.sealed import Envelope

    now = datetime.now(UTC)
    person_rows, address_rows, ids = [], [], []
    for chat in chats:
        person_id, address_id = uuid.uuid4(), uuid.uuid4()
        person_rows.append({"id": person_id, "created_at": now, "language": "en"})
        sealed = db.keyring.seal_text(chat, field_aad("channel_addresses", "address", address_id))
        address_rows.append(
            {
                "id": address_id,
                "person_id": person_id,
                "channel": channel,
                "address": Envelope(sealed),
                "address_index": address_index(db.keyring, Channel(channel), chat),
                "created_at": now,
                "verified_at": now,
            }
        )
        ids.append(address_id)
    async with db.session() as session:
        for start in range(0, len(chats), 5000):
            await session.execute(insert(Person), person_rows[start : start + 5000])
            await session.execute(insert(ChannelAddress), address_rows[start : start + 5000])
    return ids


def settings(tmp: Path, **overrides: Any) -> Settings:
    return Settings(_env_file=None, data_dir=tmp, **overrides)  # type: ignore[call-arg]


async def wait_sent(db: Database, total: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with db.session() as session:
            counts = await repository.counts_by_state(session)
        if sum(count for (_channel, state), count in counts.items() if state == "sent") >= total:
            return
        await asyncio.sleep(0.2)
    raise TimeoutError("not all messages were sent in time")


# --- Telegram ---


async def telegram_rate(tmp: Path, db_url: str | None, count: int, rate: float) -> None:
    db = await fresh_database(db_url, tmp)
    async with SandboxServer() as sandbox:
        users = [sandbox.add_user(f"U{n}") for n in range(count)]
        ids = await bulk_addresses(db, [str(user.id) for user in users])
        async with db.session() as session:
            await enqueue(
                session,
                [Delivery(f"r{n}", address, "Rate test") for n, address in enumerate(ids)],
                now=datetime.now(UTC),
            )
        delivery = delivery_settings(poll_seconds=0.1, http_enabled=False)
        bot = telegram_bot(TOKEN, sandbox.base_url + TOKEN, delivery)
        sender = telegram_sender(bot, settings(tmp, telegram_rate=rate), delivery, own_bot=True)
        workers = OutboxWorkers(db, [sender], delivery, clock=lambda: datetime.now(UTC))
        await workers.start()
        try:
            await wait_sent(db, count, timeout=count / rate * 2 + 30)
        finally:
            await workers.stop()
        moments = sorted(call.at for call in sandbox.calls_to("sendMessage") if call.ok)
    await db.dispose()
    span = (moments[-1] - moments[0]).total_seconds()
    achieved = (len(moments) - 1) / span
    print(f"  {len(moments)} messages over {span:.1f} s at a configured {rate:g}/s")
    report("Telegram achieved rate / configured rate", achieved / rate, "ratio", 0.95)
    report("Telegram achieved rate (must not exceed the configured rate)", rate / achieved, "ratio", 1.0)


HEADROOM_CHATS = 1000
FIRST_CHAT_ID = 7_000_000_000  # the same chats in every round's fresh sandbox


def headroom_delivery(concurrency: int) -> DeliverySettings:
    """The outbox unthrottled (no Telegram rate, no per-chat pacing), so it runs as fast as it can."""
    return delivery_settings(
        poll_seconds=0.05,
        http_enabled=False,
        telegram_unlimited=True,
        private_chat_interval=0,
        group_chat_interval=0,
        telegram_concurrency=concurrency,
        batch_size=max(concurrency * 4, 500),
    )


def sends_per_second(sandbox: SandboxServer, started: datetime, count: int) -> float:
    """`count` sendMessage calls over the time from `started` to the sandbox's record of the last."""
    moments = [call.at for call in sandbox.calls_to("sendMessage") if call.ok]
    if len(moments) != count:
        raise RuntimeError(f"the sandbox recorded {len(moments)} sends, expected {count}")
    return count / (max(moments) - started).total_seconds()


async def bare_sends(sandbox: SandboxServer, delivery: DeliverySettings, count: int) -> float:
    """The baseline: PTB's Bot alone, built as the outbox builds its own (same pool and timeouts),
    `telegram_concurrency` sends in flight; no database, no limiter."""
    bot = telegram_bot(TOKEN, sandbox.base_url + TOKEN, delivery)
    gate = asyncio.Semaphore(delivery.telegram_concurrency)

    async def one(n: int) -> None:
        async with gate:
            await bot.send_message(FIRST_CHAT_ID + n % HEADROOM_CHATS, "Headroom test")

    async with bot:
        started = datetime.now(UTC)
        await asyncio.gather(*(one(n) for n in range(count)))
    return sends_per_second(sandbox, started, count)


async def outbox_sends(
    tmp: Path,
    db: Database,
    sandbox: SandboxServer,
    delivery: DeliverySettings,
    count: int,
    ids: list[uuid.UUID],
) -> float:
    """The outbox: `count` rows queued beforehand (not timed), then its workers deliver them."""
    async with db.session() as session:
        await session.execute(delete(repository.OUTBOX))  # each round starts from an empty outbox
        await enqueue(
            session,
            [
                Delivery(f"h{uuid.uuid4().hex}", ids[n % HEADROOM_CHATS], "Headroom test")
                for n in range(count)
            ],
            now=datetime.now(UTC),
        )
    sender = telegram_sender(
        telegram_bot(TOKEN, sandbox.base_url + TOKEN, delivery), settings(tmp), delivery, own_bot=True
    )
    workers = OutboxWorkers(db, [sender], delivery, clock=lambda: datetime.now(UTC))
    started = datetime.now(UTC)
    await workers.start()
    try:
        # Watch the sandbox, not the database, so the measurement adds no queries to the outbox's;
        # then check the outbox recorded every row as sent.
        deadline = time.monotonic() + count / 20 + 60
        while len(sandbox.calls) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await wait_sent(db, count, timeout=30)
    finally:
        await workers.stop()
    return sends_per_second(sandbox, started, count)


async def headroom(tmp: Path, db_url: str | None, count: int, concurrency: int, rounds: int) -> None:
    """Outbox delivery rate against bare PTB sends under the same HTTP settings: `rounds` rounds of
    each, alternating (which goes first alternates too), each in a fresh sandbox; medians."""
    db = await fresh_database(db_url, tmp)
    ids = await bulk_addresses(db, [str(FIRST_CHAT_ID + n) for n in range(HEADROOM_CHATS)])
    delivery = headroom_delivery(concurrency)
    rates: dict[str, list[float]] = {"bare": [], "outbox": []}
    ratios: list[float] = []
    print(
        f"  {count} messages to {HEADROOM_CHATS} chats per run, concurrency {concurrency}, "
        f"HTTP timeouts {delivery.telegram_timeout_seconds:g} s and pool {concurrency} for both"
    )
    for number in range(rounds):
        for kind in ("bare", "outbox") if number % 2 == 0 else ("outbox", "bare"):
            async with SandboxServer() as sandbox:
                for n in range(HEADROOM_CHATS):
                    sandbox.add_user(f"H{n}", user_id=FIRST_CHAT_ID + n)
                if kind == "bare":
                    rate = await bare_sends(sandbox, delivery, count)
                else:
                    rate = await outbox_sends(tmp, db, sandbox, delivery, count, ids)
            rates[kind].append(rate)
            print(f"  round {number + 1}: {kind:<6} {rate:,.0f} messages/s  [load {os.getloadavg()[0]:.1f}]")
        ratios.append(rates["outbox"][-1] / rates["bare"][-1])
    await db.dispose()
    print(
        f"  medians of {rounds} rounds: bare sends {statistics.median(rates['bare']):,.0f}/s, "
        f"outbox {statistics.median(rates['outbox']):,.0f}/s; "
        f"outbox/bare per round {' '.join(f'{r:.2f}' for r in ratios)}"
    )
    report("Engine headroom: outbox / bare sends, median of rounds", statistics.median(ratios), "ratio", 0.8)


# --- email ---


class CountingHandler:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 OK"


async def email(tmp: Path, count: int, connections: int) -> None:
    handler = CountingHandler()
    from tests.smtp_fixtures import free_port

    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        config = settings(tmp, smtp_host="127.0.0.1", smtp_port=port, smtp_security="none")
        db = Database(f"sqlite+aiosqlite:///{tmp / 'email.db'}", new_keyring())
        template = uuid.uuid4()

        def message(n: int) -> Message:
            return Message(
                row_id=uuid.uuid4(),
                address_id=uuid.uuid4(),
                address=f"person{n}@example.org",
                body="Regional review on Friday.\n\nDetails inside.",
                subject="Regional review",
                language="en",
                render_key=template,
            )

        async def run(sender: Any, total: int) -> float:
            gate = asyncio.Semaphore(connections)

            async def one(n: int) -> None:
                async with gate:
                    outcome = await sender.send(message(n))
                    assert outcome.kind.value == "sent", outcome

            started = time.perf_counter()
            await asyncio.gather(*(one(n) for n in range(total)))
            return total / (time.perf_counter() - started)

        pooled = email_sender(config, delivery_settings(email_connections=connections), db)
        assert pooled is not None
        pool_rate = await run(pooled, count)
        await pooled.close()

        class OneConnectionPerMessage:
            def __init__(self) -> None:
                self.inner = email_sender(config, delivery_settings(email_connections=1), db)

            async def send(self, item: Message) -> Any:
                sender = email_sender(config, delivery_settings(email_connections=1), db)
                assert sender is not None and self.inner is not None
                sender._rendered = self.inner._rendered  # same rendering cost: only connections differ
                try:
                    return await sender.send(item)
                finally:
                    await sender.close()

        single_rate = await run(OneConnectionPerMessage(), max(count // 10, 500))
        await db.dispose()
    finally:
        controller.stop()
    print(f"  pool of {connections}: {pool_rate:,.0f}/s; one connection per message: {single_rate:,.0f}/s")
    report("Email messages/s with the pool", pool_rate, "msg/s", 2000)
    report("Email pool / one connection per message", pool_rate / single_rate, "ratio", 3.0)


# --- enqueue ---


async def enqueue_speed(tmp: Path, url: str | None, count: int, label: str, target: float) -> None:
    db = await fresh_database(url, tmp)
    ids = await bulk_addresses(db, [str(1_000_000 + n) for n in range(1000)])
    deliveries = [Delivery(f"e{n}", ids[n % 1000], "Queued text") for n in range(count)]
    started = time.perf_counter()
    async with db.session() as session:
        inserted = await enqueue(session, deliveries, now=datetime.now(UTC))
    sealed = time.perf_counter() - started
    assert inserted == count
    recipients = [broadcasts.Recipient(ids[n % 1000], "telegram", "en") for n in range(1000)]
    # A broadcast: per-language templates, no per-row sealing; 1000 recipients × count/1000 broadcasts.
    started = time.perf_counter()
    async with db.session() as session:
        for _ in range(count // 1000):
            await broadcasts.create(
                session,
                audience=broadcasts.Audience(),
                versions={"en": broadcasts.Version("Hello")},
                recipients=recipients,
                default_language="en",
                now=datetime.now(UTC),
            )
    templated = time.perf_counter() - started
    async with db.session() as session:
        total = await session.scalar(select(func.count()).select_from(repository.OUTBOX))
    assert total == 2 * count
    await db.dispose()
    report(
        f"Enqueue {count:,} rows, {label}, sealed content per row (s)",
        sealed,
        "s",
        target,
        lower_is_better=True,
    )
    report(
        f"Enqueue {count:,} rows, {label}, broadcast templates (s)",
        templated,
        "s",
        target,
        lower_is_better=True,
    )


async def main(arguments: argparse.Namespace) -> None:
    quick = arguments.quick
    rate_count = arguments.rate_messages or (300 if quick else 2000)
    headroom_count = arguments.headroom_messages or (5_000 if quick else 100_000)
    email_count = arguments.email_messages or (5_000 if quick else 50_000)
    enqueue_count = arguments.enqueue_rows or (20_000 if quick else 100_000)
    postgres = os.environ.get("LIAISON_TEST_POSTGRES_URL")
    print(
        f"Delivery benchmarks ({'quick' if quick else 'full'}); CPUs: {os.cpu_count()}; Python {sys.version.split()[0]}"
    )
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        parts = set(arguments.only or ["enqueue", "email", "headroom", "rate"])
        if "enqueue" in parts:
            print("Enqueue")
            await enqueue_speed(tmp, None, enqueue_count, "SQLite", 2.0)
        if "enqueue" in parts and postgres:
            url = await scratch_postgres(postgres)
            try:
                await enqueue_speed(tmp, url, enqueue_count, "PostgreSQL", 5.0)
            finally:
                await admin(postgres, f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
        if "email" in parts:
            print("Email")
            await email(tmp, email_count, arguments.email_connections)
        if "headroom" in parts:
            print("Telegram headroom")
            await headroom(tmp, None, headroom_count, arguments.concurrency, arguments.headroom_rounds)
        if "rate" in parts:
            print("Telegram rate")
            await telegram_rate(tmp, None, rate_count, arguments.rate)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report("Peak RSS (MB)", peak, "MB", 300, lower_is_better=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes (about a minute)")
    parser.add_argument("--rate", type=float, default=25.0)
    parser.add_argument("--rate-messages", type=int)
    parser.add_argument("--headroom-messages", type=int)
    parser.add_argument("--email-messages", type=int)
    parser.add_argument("--enqueue-rows", type=int)
    parser.add_argument(
        "--only",
        action="append",
        choices=["enqueue", "email", "headroom", "rate"],
        help="run only these parts",
    )
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument(
        "--headroom-rounds", type=int, default=3, help="rounds of outbox and bare sends, alternating"
    )
    parser.add_argument("--email-connections", type=int, default=8)
    asyncio.run(main(parser.parse_args()))
