"""Reminder planning: time and memory to plan one reminder wave for N registrants across 50 events.

    python -m bench.plan_reminders [--registrants 100000] [--events 50] [--backend sqlite|postgres|both]

For each backend: a migrated database with N people (a Telegram chat each, a verified email for
one in five; six languages, ten time zones), registered for 50 events whose 1-day reminder wave
is open; then, in a fresh process, one tick of the reminders clock (`scheduler.reminders.plan_reminders`)
plans every reminder into the outbox (content rendered per language and zone, sealed per row,
a calendar file on each email). Prints the rows queued, seconds, peak RSS of the planning process,
a second (idempotent) tick, and the ratios to the targets (10 s, 300 MB). The CPU time of the
planning process is printed too: steadier than the wall clock on a shared machine; on SQLite it
includes the database's own work (a thread of that process), on PostgreSQL not the server's.
PostgreSQL uses LIAISON_TEST_POSTGRES_URL (a throwaway database is created and dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.i18n import Translator
from bot.services import Services
from bot.settings import LANGUAGES, Settings
from scheduler.clock import ManualClock
from storage.crypto.keyring import DataKey, Keyring, field_aad
from storage.db import Database
from storage.migrate import upgrade_async
from storage.models import ChannelAddress, Event, Person, Registration
from storage.sealed import Envelope

TARGET_SECONDS = 10.0
TARGET_MB = 300.0
NOW = datetime(2026, 5, 4, 6, tzinfo=UTC)
ZONES = (
    "UTC",
    "Europe/Paris",
    "Africa/Nairobi",
    "Asia/Shanghai",
    "America/Bogota",
    "Asia/Beirut",
    "Europe/Moscow",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
)


def keyring_from_env() -> Keyring:
    data = json.loads(os.environ["BENCH_KEYS"])
    return Keyring([DataKey("k1", base64.b64decode(data["k1"]))], base64.b64decode(data["index"]))


async def populate(url: str, keyring: Keyring, registrants: int, events: int) -> None:
    """People, addresses (sealed like the application seals them), events and registrations, in bulk."""
    db = Database(url, keyring)
    event_ids = [uuid.uuid4() for _ in range(events)]
    async with db.engine.begin() as connection:
        await connection.execute(
            insert(Event),
            [
                {
                    "id": event_id,
                    "code": f"B{number:04d}",
                    "region": "africa",
                    "kind": "briefing",
                    "titles": {"en": f"Briefing {number}", "fr": f"Briefing {number}"},
                    "descriptions": {},
                    "starts_at": NOW + timedelta(days=1, minutes=10 * number),
                    "ends_at": None,
                    "time_zone": "Africa/Nairobi",
                    "participant_link": "https://meet.example/j",
                    "view_link": "https://watch.example/v",
                    "status": "scheduled",
                    "version": 1,
                    "created_at": NOW - timedelta(days=60),
                    "updated_at": NOW - timedelta(days=60),
                }
                for number, event_id in enumerate(event_ids)
            ],
        )
    batch = 5000
    for start in range(0, registrants, batch):
        people, addresses, registrations = [], [], []
        for n in range(start, min(start + batch, registrants)):
            person_id = uuid.uuid4()
            people.append(
                {
                    "id": person_id,
                    "created_at": NOW - timedelta(days=30),
                    "language": LANGUAGES[n % 6],
                    "time_zone": ZONES[n % len(ZONES)],
                }
            )
            channels = [("telegram", str(10_000_000 + n))]
            if n % 5 == 0:
                channels.append(("email", f"person{n}@example.org"))
            for channel, value in channels:
                address_id = uuid.uuid4()
                sealed = keyring.seal_text(value, field_aad("channel_addresses", "address", address_id))
                addresses.append(
                    {
                        "id": address_id,
                        "person_id": person_id,
                        "channel": channel,
                        "address": Envelope(sealed),
                        "address_index": keyring.blind_index(f"address:{channel}", value),
                        "verified_at": NOW - timedelta(days=30),
                        "created_at": NOW - timedelta(days=30),
                    }
                )
            registrations.append(
                {
                    "id": uuid.uuid4(),
                    "reference": f"R-B-{n}",
                    "event_id": event_ids[n % events],
                    "person_id": person_id,
                    "slot": "attend",
                    "kind": "observer" if n % 7 == 0 else "participant",
                    "status": "accepted",
                    "status_changes": 1,
                    # Registered after the 7-day reminder time: one wave (1 day) is due for everyone.
                    "created_at": NOW - timedelta(days=2),
                    "updated_at": NOW - timedelta(days=2),
                }
            )
        async with db.engine.begin() as connection:
            await connection.execute(insert(Person), people)
            await connection.execute(insert(ChannelAddress), addresses)
            await connection.execute(insert(Registration), registrations)
    await db.dispose()


async def plan(url: str) -> dict[str, Any]:
    """One tick and a second tick of the reminders clock, in this (fresh) process."""
    from scheduler import reminders

    db = Database(url, keyring_from_env())
    settings = Settings(_env_file=None, data_dir=Path(tempfile.gettempdir()))  # type: ignore[call-arg]
    services = Services(settings=settings, db=db, translator=Translator(), clock=ManualClock(NOW))
    started, cpu = time.perf_counter(), time.process_time()
    queued = await reminders.plan_reminders(services)
    first, first_cpu = time.perf_counter() - started, time.process_time() - cpu
    started = time.perf_counter()
    again = await reminders.plan_reminders(services)
    second = time.perf_counter() - started
    await db.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "queued": queued,
        "seconds": first,
        "cpu_seconds": first_cpu,
        "again": again,
        "again_seconds": second,
        "peak_mb": peak_mb,
    }


async def postgres_database() -> tuple[str, str]:
    admin = os.environ.get("LIAISON_TEST_POSTGRES_URL")
    if not admin:
        raise SystemExit("set LIAISON_TEST_POSTGRES_URL for the PostgreSQL run")
    name = f"liaison_bench_{uuid.uuid4().hex[:10]}"
    engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return admin, admin.rsplit("/", 1)[0] + f"/{name}"


async def drop(admin: str, url: str) -> None:
    engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    await engine.dispose()


def run_backend(
    backend: str, registrants: int, events: int, workdir: Path, profile: str | None = None
) -> dict[str, Any]:
    admin = None
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    else:
        admin, url = asyncio.run(postgres_database())
    try:
        asyncio.run(upgrade_async(url))
        started = time.perf_counter()
        asyncio.run(populate(url, keyring_from_env(), registrants, events))
        setup = time.perf_counter() - started
        child = subprocess.run(
            [sys.executable, "-m", "bench.plan_reminders", "--plan-only", url]
            + (["--profile", f"{profile}.{backend}"] if profile else []),
            capture_output=True,
            text=True,
            check=True,
            env=os.environ,
        )
        result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
        result["setup_seconds"] = setup
        return result
    finally:
        if admin is not None:
            asyncio.run(drop(admin, url))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--registrants", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--plan-only", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the planning tick to FILE")
    args = parser.parse_args()
    if args.plan_only:
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
            result = asyncio.run(plan(args.plan_only))
            profiler.disable()
            profiler.dump_stats(args.profile)
        else:
            result = asyncio.run(plan(args.plan_only))
        print(json.dumps(result))
        return
    os.environ["BENCH_KEYS"] = json.dumps(
        {"k1": base64.b64encode(os.urandom(32)).decode(), "index": base64.b64encode(os.urandom(32)).decode()}
    )
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    if args.backend == "both" and not os.environ.get("LIAISON_TEST_POSTGRES_URL"):
        backends = ["sqlite"]
    print(f"planning reminders: {args.registrants} registrants across {args.events} events (one wave due)")
    results = {}
    with tempfile.TemporaryDirectory() as workdir:
        for backend in backends:
            result = run_backend(backend, args.registrants, args.events, Path(workdir), args.profile)
            results[backend] = result
            print(
                f"{backend:<9} queued {result['queued']:>7} rows in {result['seconds']:6.2f} s "
                f"({result['queued'] / result['seconds']:8.0f} rows/s; {result['seconds'] / TARGET_SECONDS:.2f}× "
                f"the {TARGET_SECONDS:.0f} s target; CPU of the planning process {result['cpu_seconds']:.2f} s, "
                f"{result['cpu_seconds'] / TARGET_SECONDS:.2f}×), peak RSS {result['peak_mb']:5.0f} MB "
                f"({result['peak_mb'] / TARGET_MB:.2f}× the {TARGET_MB:.0f} MB target); "
                f"second tick queued {result['again']} in {result['again_seconds']:.2f} s "
                f"[setup {result['setup_seconds']:.0f} s]"
            )
    if len(results) == 2:
        ratio = results["postgres"]["seconds"] / results["sqlite"]["seconds"]
        print(f"PostgreSQL / SQLite planning time: {ratio:.2f}")


if __name__ == "__main__":
    main()
