"""Helpers for the outbox tests, and a worker process to kill (`python -m tests.worker_process`).

As a program it runs the outbox workers alone against a database and a sandbox (or any Bot
API URL) until killed, like `liaison worker`, with short polls and leases for tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bot.i18n import Translator
from bot.settings import Settings
from scheduler.delivery import email_sender, telegram_bot, telegram_sender
from scheduler.delivery_settings import DeliverySettings, delivery_settings
from scheduler.http import DeliveryHttp, LinkHooks
from scheduler.metrics import DeliveryMetrics
from scheduler.senders import Sender
from scheduler.workers import OutboxWorkers
from storage.crypto.keyring import DataKey, Keyring
from storage.db import Database
from storage.models import Channel
from storage.repositories import people

TOKEN = "123456:SANDBOX-not-a-real-token-for-local-use"


def fast_settings(**overrides: Any) -> DeliverySettings:
    values: dict[str, Any] = {
        "poll_seconds": 0.05,
        "lease_seconds": 30.0,
        "retry_base_seconds": 0.05,
        "retry_cap_seconds": 0.2,
        "telegram_timeout_seconds": 2.0,
        "stop_grace_seconds": 1.0,
        "http_enabled": False,
        "private_chat_interval": 0.0,
        "group_chat_interval": 0.0,
        "max_attempts": 5,
    }
    values.update(overrides)
    return delivery_settings(**values)


def app_settings(tmp_path: Path, *, smtp: Any = None, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"data_dir": tmp_path, "telegram_rate": 1000.0}
    if smtp is not None:
        values.update(smtp_host=smtp.host, smtp_port=smtp.port, smtp_security="none", smtp_timeout=5.0)
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def add_recipients(
    db: Database, addresses: Sequence[str], *, channel: Channel = Channel.TELEGRAM, language: str = "en"
) -> list[uuid.UUID]:
    """One person per address; the ids of their ChannelAddress rows, in order."""
    now = datetime.now(UTC)
    ids: list[uuid.UUID] = []
    async with db.session() as session:
        for address in addresses:
            person = await people.create(session, now=now, language=language)
            entry = await people.add_address(
                session, db.keyring, person, channel, address, now=now, verified=True
            )
            ids.append(entry.id)
    return ids


@asynccontextmanager
async def running_workers(
    db: Database,
    *,
    base_url: str | None = None,
    settings: Settings,
    delivery: DeliverySettings,
    name: str | None = None,
    metrics: DeliveryMetrics | None = None,
) -> AsyncIterator[OutboxWorkers]:
    senders: list[Sender] = []
    if base_url is not None:
        bot = telegram_bot(TOKEN, base_url + TOKEN, delivery)
        senders.append(telegram_sender(bot, settings, delivery, own_bot=True))
    email = email_sender(settings, delivery, db)
    if email is not None:
        senders.append(email)
    workers = OutboxWorkers(
        db, senders, delivery, clock=lambda: datetime.now(UTC), name=name, metrics=metrics
    )
    await workers.start()
    try:
        yield workers
    finally:
        await workers.stop()


def keyring_from_json(text: str) -> Keyring:
    data = json.loads(text)
    return Keyring([DataKey("k1", bytes.fromhex(data["data"]))], bytes.fromhex(data["index"]))


def shareable_keyring() -> tuple[Keyring, str]:
    """A fresh keyring and its secrets as JSON, to hand to a worker subprocess (tests only)."""
    data, index = os.urandom(32), os.urandom(32)
    return keyring_from_json(json.dumps({"data": data.hex(), "index": index.hex()})), json.dumps(
        {"data": data.hex(), "index": index.hex()}
    )


def cap_sqlite_growth(db: Database) -> None:
    """Every connection of `db` may not grow the file past its size when it opens (disk full, tests)."""

    def cap(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA max_page_count=1")  # SQLite keeps at least the current size
        cursor.close()

    event.listen(db.engine.sync_engine, "connect", cap)


async def _main(arguments: argparse.Namespace) -> None:
    if arguments.wait_for_go:
        # A spare, imported ahead: it starts when told, so a restart costs no import time.
        print("imported", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    keyring = keyring_from_json(os.environ["LIAISON_TEST_KEYRING"])
    db = Database(arguments.database, keyring)
    if arguments.cap_sqlite_growth:
        cap_sqlite_growth(db)
    settings = Settings(_env_file=None, data_dir=Path(arguments.data_dir), telegram_rate=arguments.rate)  # type: ignore[call-arg]
    delivery = fast_settings(
        lease_seconds=arguments.lease,
        telegram_concurrency=arguments.concurrency,
        batch_size=arguments.batch,
        telegram_unlimited=arguments.unlimited,
        private_chat_interval=arguments.private_interval,
        record_timeout_seconds=arguments.record_timeout,
    )
    metrics = DeliveryMetrics()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    async with running_workers(
        db, base_url=arguments.base_url, settings=settings, delivery=delivery, metrics=metrics
    ) as workers:
        http = None
        if arguments.http_port:
            http = DeliveryHttp(
                db=db,
                translator=Translator(),
                metrics=metrics,
                clock=lambda: datetime.now(UTC),
                hooks=LinkHooks(),
                recording_problem=lambda: workers.health.reason,
            )
            await http.start("127.0.0.1", arguments.http_port)
        print("ready", flush=True)
        await stop.wait()
        if http is not None:
            await http.stop()
    await db.dispose()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run outbox workers until killed (tests).")
    parser.add_argument("--database", required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--lease", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--unlimited", action="store_true")
    parser.add_argument("--private-interval", type=float, default=0.0)
    parser.add_argument("--record-timeout", type=float, default=3.0)
    parser.add_argument("--http-port", type=int, default=0)
    parser.add_argument("--cap-sqlite-growth", action="store_true")
    parser.add_argument("--wait-for-go", action="store_true")
    asyncio.run(_main(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
