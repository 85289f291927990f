"""Enqueue speed: `scheduler.outbox.enqueue` of N rows against the bare driver inserting the same rows.

    python -m bench.enqueue [--rows 100000] [--rounds 3] [--backend sqlite|postgres|both] [--profile FILE]

Each round, on a migrated database with 1,000 Telegram addresses, times (a) `enqueue` of N
deliveries with per-row sealed content (as `bench.broadcast` does: no `channel=` given, so the
1,000 addresses' channels are looked up), each in its own committed transaction, and (b) the
baseline: the same INSERT ... ON CONFLICT DO NOTHING statement, sent to the driver's executemany
in chunks of the same size, with parameters (ids, keys, envelopes of the same length) built
before the clock starts, in one committed transaction. The outbox is emptied between runs;
which goes first alternates. Prints the medians, the ratio of each to the target (2 s on
SQLite, 5 s on PostgreSQL) and enqueue / baseline. `--profile FILE` writes a cProfile of one
extra `enqueue` run to `FILE.<backend>`. PostgreSQL uses LIAISON_TEST_POSTGRES_URL (a throwaway
database is created and dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import create_async_engine

from bench.broadcast import bulk_addresses, new_keyring
from scheduler.outbox import Delivery, enqueue
from storage.db import Database
from storage.migrate import upgrade_async
from storage.repositories.outbox import CHUNK, OUTBOX

TARGETS = {"sqlite": 2.0, "postgres": 5.0}
BODY = "Queued text"


def deliveries(count: int, addresses: list[uuid.UUID], tag: str) -> list[Delivery]:
    return [Delivery(f"e{tag}:{n}", addresses[n % len(addresses)], BODY) for n in range(count)]


async def run_enqueue(db: Database, count: int, addresses: list[uuid.UUID], tag: str) -> tuple[float, float]:
    batch = deliveries(count, addresses, tag)
    started, cpu = time.perf_counter(), time.process_time()
    async with db.session() as session:
        inserted = await enqueue(session, batch, now=datetime.now(UTC))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert inserted == count, (inserted, count)
    return elapsed, cpu


async def run_baseline(db: Database, count: int, addresses: list[uuid.UUID], tag: str) -> tuple[float, float]:
    """The same statement and rows straight to the driver; parameters made before timing."""
    dialect = db.engine.dialect
    now = datetime.now(UTC)
    sealed = db.keyring.seal_text(BODY, b"baseline")  # an envelope of the same length as enqueue's
    rows = [
        {
            "id": uuid.uuid4(),
            "idempotency_key": f"b{tag}:{n}",
            "address_id": addresses[n % len(addresses)],
            "channel": "telegram",
            "state": "queued",
            "send_after": now,
            "created_at": now,
            "broadcast_id": None,
            "template_id": None,
            "body": sealed,
            "subject": None,
            "html": None,
            "attachment": None,
            "protect_content": False,
            "attempts": 0,
            "unknown_outcomes": 0,
        }
        for n in range(count)
    ]
    insert_ = (postgresql if dialect.name == "postgresql" else sqlite).insert(OUTBOX)
    statement = insert_.on_conflict_do_nothing(index_elements=["idempotency_key"])
    compiled = statement.compile(dialect=dialect, column_keys=list(rows[0]))
    order = list(compiled.positiontup or [])
    processors: dict[str, Any] = {
        name: OUTBOX.c[name].type._cached_bind_processor(dialect) for name in order if name != "body"
    }
    prepared = [
        tuple(
            row[name] if processors.get(name) is None or row[name] is None else processors[name](row[name])
            for name in order
        )
        for row in rows
    ]
    started, cpu = time.perf_counter(), time.process_time()
    async with db.engine.begin() as connection:
        for start in range(0, count, CHUNK):
            await connection.exec_driver_sql(str(compiled), prepared[start : start + CHUNK])
    return time.perf_counter() - started, time.process_time() - cpu


async def empty_outbox(db: Database) -> None:
    async with db.engine.begin() as connection:
        await connection.execute(delete(OUTBOX))


async def measure(
    url: str, count: int, rounds: int, profile: str | None
) -> dict[str, list[tuple[float, float]]]:
    await upgrade_async(url)
    db = Database(url, new_keyring())
    addresses = await bulk_addresses(db, [str(1_000_000 + n) for n in range(1000)])
    times: dict[str, list[tuple[float, float]]] = {"enqueue": [], "baseline": []}
    kinds: dict[str, Callable[[Database, int, list[uuid.UUID], str], Awaitable[tuple[float, float]]]] = {
        "enqueue": run_enqueue,
        "baseline": run_baseline,
    }
    try:
        for number in range(rounds):
            order = ["enqueue", "baseline"] if number % 2 == 0 else ["baseline", "enqueue"]
            for kind in order:
                times[kind].append(await kinds[kind](db, count, addresses, str(number)))
                await empty_outbox(db)
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
            await run_enqueue(db, count, addresses, "profile")
            profiler.disable()
            profiler.dump_stats(profile)
    finally:
        await db.dispose()
    return times


async def scratch_postgres(admin_url: str) -> str:
    name = f"liaison_bench_{uuid.uuid4().hex[:10]}"
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


async def drop(admin_url: str, url: str) -> None:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    await engine.dispose()


async def run_backend(backend: str, args: argparse.Namespace, folder: Path) -> None:
    admin_url = os.environ.get("LIAISON_TEST_POSTGRES_URL") if backend == "postgres" else None
    if backend == "postgres":
        if not admin_url:
            raise SystemExit("set LIAISON_TEST_POSTGRES_URL for the PostgreSQL run")
        url = await scratch_postgres(admin_url)
    else:
        url = f"sqlite+aiosqlite:///{folder / 'enqueue.db'}"
    profile = f"{args.profile}.{backend}" if args.profile else None
    try:
        times = await measure(url, args.rows, args.rounds, profile)
    finally:
        if admin_url:
            await drop(admin_url, url)
    target = TARGETS[backend]
    enqueue_s = statistics.median(wall for wall, _cpu in times["enqueue"])
    baseline_s = statistics.median(wall for wall, _cpu in times["baseline"])
    rounds = ", ".join(f"{wall:.2f}" for wall, _cpu in times["enqueue"])
    print(
        f"{backend:<9} enqueue {args.rows:,} rows: median {enqueue_s:5.2f} s ({enqueue_s / target:.2f}× the "
        f"{target:.0f} s target; rounds {rounds}); bare driver {baseline_s:5.2f} s "
        f"({baseline_s / target:.2f}× the target); enqueue / bare driver {enqueue_s / baseline_s:.2f}",
        flush=True,
    )
    # This process's CPU time (SQLite runs in a thread of it; PostgreSQL's server is not counted):
    # steadier than the wall clock on a shared machine.
    enqueue_cpu = statistics.median(cpu for _wall, cpu in times["enqueue"])
    baseline_cpu = statistics.median(cpu for _wall, cpu in times["baseline"])
    print(
        f"{'':<9} CPU of this process: enqueue {enqueue_cpu:5.2f} s ({enqueue_cpu / target:.2f}× the target), "
        f"bare driver {baseline_cpu:5.2f} s; enqueue / bare driver {enqueue_cpu / baseline_cpu:.2f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of one enqueue to FILE.<backend>")
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    if args.backend == "both" and not os.environ.get("LIAISON_TEST_POSTGRES_URL"):
        backends = ["sqlite"]
    print(
        f"enqueue: {args.rows:,} rows, {args.rounds} rounds, CPUs {os.cpu_count()}, load {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for backend in backends:
            asyncio.run(run_backend(backend, args, Path(folder)))


if __name__ == "__main__":
    main()
