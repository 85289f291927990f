"""Onboarding throughput: N simulated people completing onboarding at once through the sandbox.

    python -m bench.dialogs [--people 1000] [--backend sqlite|postgres|both]
    python -m bench.dialogs --durability-rounds 6 [--people 100] [--backend ...]

For each backend: the real bot (application factory, persistence, database) polling the sandbox,
every person running the whole onboarding path at once (15 updates each), then a bare echo bot
built on the same python-telegram-bot stack against the same sandbox with the same number of
people and updates. Prints updates/s, p50/p95 reply latency, peak RSS, and the ratio of the two
rates (target ≥ 0.5). PostgreSQL uses LIAISON_TEST_POSTGRES_URL (a throwaway database is created).

`--durability-rounds N` measures instead what committing each update's dialog state before the
person's next update costs (bot/persistence.py `DurableDialogs`) against PTB's periodic flush
alone: N rounds of each on the same database and sandbox with the same people count, the two
kinds alternating (and which goes first alternating too), then the medians of each.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, MessageHandler, filters

from bot.app import SANDBOX_TOKEN, build_application
from bot.i18n import Translator
from bot.sandbox import SandboxPerson, SandboxServer
from bot.services import Context, Services
from bot.settings import Settings
from bot.update_processor import PerPersonUpdateProcessor
from storage.crypto.keyring import DataKey, Keyring
from storage.db import Database
from storage.migrate import upgrade_async

TARGET_RATIO = 0.5
UPDATES_PER_PERSON = 16
Step = Callable[[SandboxPerson], Awaitable[None]]


@dataclass
class Result:
    label: str
    updates: int
    seconds: float
    latencies: list[float]
    peak_rss_mb: float
    failed_people: int = 0

    @property
    def rate(self) -> float:
        return self.updates / self.seconds

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def p95(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[int(len(ordered) * 0.95) - 1] * 1000

    def line(self) -> str:
        p50, p95 = self.p50, self.p95
        return (
            f"{self.label}: {self.updates} updates in {self.seconds:.1f} s = {self.rate:.0f} updates/s, "
            f"reply latency p50 {p50:.0f} ms, p95 {p95:.0f} ms, peak RSS {self.peak_rss_mb:.0f} MB, "
            f"people who did not finish: {self.failed_people}"
        )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def timed(person: SandboxPerson, latencies: list[float], action: Awaitable[object]) -> None:
    """Do one action (one update) and record the time until the bot's first new message."""
    started = time.perf_counter()
    await action
    await person.next_reply(timeout=120)
    latencies.append(time.perf_counter() - started)


async def onboard(person: SandboxPerson, latencies: list[float]) -> None:
    await timed(person, latencies, person.send("/start"))
    await timed(person, latencies, person.press("English"))
    await person.next_reply(timeout=120)  # the intro comes in two messages
    await timed(person, latencies, person.press("Continue"))
    for _ in range(3):
        await timed(person, latencies, person.press("Yes, I agree"))
    await timed(person, latencies, person.send("Grassroots Network"))
    await timed(person, latencies, person.press("Civil society organisations"))
    await timed(person, latencies, person.send("Kenya"))
    await person.next_reply(timeout=120)  # region and sub-region, then the city question
    await timed(person, latencies, person.press("Skip"))
    await timed(person, latencies, person.press("Yes, that is right"))
    await timed(person, latencies, person.press("Skip these questions"))
    await timed(person, latencies, person.press("Done"))
    await timed(person, latencies, person.press("Done"))
    await timed(person, latencies, person.send("/help"))
    await timed(person, latencies, person.send("/profile"))


async def echo_talk(person: SandboxPerson, latencies: list[float]) -> None:
    for number in range(UPDATES_PER_PERSON):
        await timed(person, latencies, person.send(f"message {number}"))


async def _echo(update: Update, context: Context) -> None:
    assert update.effective_chat is not None and update.message is not None
    await context.bot.send_message(update.effective_chat.id, update.message.text or "")


async def _echo_press(update: Update, context: Context) -> None:
    assert update.callback_query is not None and update.effective_chat is not None
    await update.callback_query.answer()
    await context.bot.send_message(update.effective_chat.id, "pressed")


# Both bots get the same HTTP client settings: a pool and timeouts that hold 1,000 people at once.
HTTP_OPTIONS: dict[str, float] = {
    "connection_pool_size": 256,
    "pool_timeout": 120.0,
    "read_timeout": 120.0,
    "write_timeout": 120.0,
    "connect_timeout": 120.0,
}


def echo_application(sandbox: SandboxServer) -> Application:  # type: ignore[type-arg]
    builder = (
        ApplicationBuilder()
        .token(SANDBOX_TOKEN)
        .base_url(sandbox.base_url)
        .base_file_url(sandbox.base_file_url)
        .concurrent_updates(PerPersonUpdateProcessor(256))
    )
    for option, value in HTTP_OPTIONS.items():
        builder = getattr(builder, option)(value)
    app = builder.build()
    app.add_handler(MessageHandler(filters.ALL, _echo))
    app.add_handler(CallbackQueryHandler(_echo_press))
    return app


async def run_people(
    sandbox: SandboxServer,
    app: Application,  # type: ignore[type-arg]
    count: int,
    script: Callable[[SandboxPerson, list[float]], Awaitable[None]],
    label: str,
) -> Result:
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES)
    people = [
        SandboxPerson(sandbox, sandbox.add_user(first_name=f"P{n}", language_code="en")) for n in range(count)
    ]
    latencies: list[float] = []
    started = time.perf_counter()
    outcomes = await asyncio.gather(*(script(person, latencies) for person in people), return_exceptions=True)
    failed = sum(1 for outcome in outcomes if isinstance(outcome, BaseException))
    seconds = time.perf_counter() - started
    await app.updater.stop()
    await app.stop()
    await app.shutdown()
    return Result(label, len(latencies), seconds, latencies, peak_rss_mb(), failed)


async def database_for(backend: str, workdir: Path) -> tuple[str, Callable[[], Awaitable[None]]]:
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        await upgrade_async(url)

        async def nothing() -> None:
            return None

        return url, nothing
    admin = os.environ.get("LIAISON_TEST_POSTGRES_URL")
    if not admin:
        raise SystemExit("set LIAISON_TEST_POSTGRES_URL to benchmark PostgreSQL")
    name = f"liaison_bench_{uuid.uuid4().hex[:10]}"

    async def admin_sql(sql: str) -> None:
        engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await connection.execute(text(sql))
        await engine.dispose()

    await admin_sql(f'CREATE DATABASE "{name}"')
    url = admin.rsplit("/", 1)[0] + f"/{name}"
    await upgrade_async(url)

    async def drop() -> None:
        await admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url, drop


async def bench(backend: str, people: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        url, drop = await database_for(backend, workdir)
        keyring = Keyring([DataKey.generate("k1")], os.urandom(32))
        db = Database(url, keyring, **({} if backend == "sqlite" else {"pool_size": 20, "max_overflow": 20}))
        settings = Settings(_env_file=None, data_dir=workdir, database_url=url)  # type: ignore[call-arg]
        services = Services(settings=settings, db=db, translator=Translator(), clock=lambda: _now())
        await db.verify_keys(now=_now())
        try:
            async with SandboxServer() as sandbox:
                echo = await run_people(
                    sandbox, echo_application(sandbox), people, echo_talk, f"echo bot ({backend})"
                )
                app = build_application(
                    services, base_url=sandbox.base_url, base_file_url=sandbox.base_file_url
                )
                onboarding = await run_people(sandbox, app, people, onboard, f"onboarding ({backend})")
        finally:
            await db.dispose()
            await drop()
    print(echo.line())
    print(onboarding.line())
    ratio = onboarding.rate / echo.rate
    verdict = "meets" if ratio >= TARGET_RATIO else "below"
    print(f"ratio onboarding/echo ({backend}): {ratio:.2f} ({verdict} the target {TARGET_RATIO})")


async def bench_durability(backend: str, people: int, rounds: int) -> None:
    """Per-update dialog commits against the periodic flush alone: alternating rounds, medians."""
    results: dict[bool, list[Result]] = {False: [], True: []}
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        url, drop = await database_for(backend, workdir)
        keyring = Keyring([DataKey.generate("k1")], os.urandom(32))
        db = Database(url, keyring, **({} if backend == "sqlite" else {"pool_size": 20, "max_overflow": 20}))
        settings = Settings(_env_file=None, data_dir=workdir, database_url=url)  # type: ignore[call-arg]
        services = Services(settings=settings, db=db, translator=Translator(), clock=lambda: _now())
        await db.verify_keys(now=_now())
        try:
            async with SandboxServer() as sandbox:
                for number in range(rounds):
                    for durable in (False, True) if number % 2 == 0 else (True, False):
                        app = build_application(
                            services,
                            base_url=sandbox.base_url,
                            base_file_url=sandbox.base_file_url,
                            durable_dialogs=durable,
                        )
                        label = f"{'per-update commit' if durable else 'periodic flush'} ({backend})"
                        result = await run_people(sandbox, app, people, onboard, label)
                        print(f"  round {number + 1}: {result.line()}")
                        results[durable].append(result)
        finally:
            await db.dispose()
            await drop()
    for durable, found in results.items():
        label = "after: per-update commit" if durable else "before: periodic flush only"
        print(
            f"{label} ({backend}), median of {len(found)} rounds: "
            f"{statistics.median(r.rate for r in found):.0f} updates/s, "
            f"p50 {statistics.median(r.p50 for r in found):.0f} ms, "
            f"p95 {statistics.median(r.p95 for r in found):.0f} ms, "
            f"people who did not finish: {sum(r.failed_people for r in found)}"
        )
    before = statistics.median(r.rate for r in results[False])
    after = statistics.median(r.rate for r in results[True])
    print(f"throughput after / before ({backend}): {after / before:.2f}")


def _now() -> datetime:
    return datetime.now(UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--durability-rounds", type=int, default=0)
    options = parser.parse_args()
    backends = ["sqlite", "postgres"] if options.backend == "both" else [options.backend]
    if options.backend == "both" and not os.environ.get("LIAISON_TEST_POSTGRES_URL"):
        backends = ["sqlite"]
        print("LIAISON_TEST_POSTGRES_URL is not set: SQLite only")
    print(f"{options.people} people, {UPDATES_PER_PERSON} updates each, all at once")
    for backend in backends:
        if options.durability_rounds:
            asyncio.run(bench_durability(backend, options.people, options.durability_rounds))
        else:
            asyncio.run(bench(backend, options.people))


if __name__ == "__main__":
    main()
