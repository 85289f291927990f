"""Onboarding under load: N simulated people onboarding at once, against a bare python-telegram-bot bot.

    python -m bench.dialogs [--people 1000] [--rounds 3] [--backend sqlite|postgres|both]
    python -m bench.dialogs --durability-rounds 6 [--people 100] [--backend ...]

Each round runs two bots against a fresh sandbox with the same number of new people, every person
walking the same 16 updates (bench/bare_dialog.py `ONBOARDING`, typed texts and pressed buttons):

- the baseline: a bare PTB `Application` (stock concurrent update processor, no database) answering
  each step with the Bot API calls a plain PTB dialog makes, the same calls as the onboarding;
- the real bot: the application factory with persistence and the database, started as production
  starts it (`start_features`: outbox workers, clocks, the HTTP endpoint).

Both get the same HTTP settings (`HTTP_OPTIONS`, checked on the built applications). The two run
alternately and which goes first alternates from round to round, so a change of machine load hits
both; the summary gives the medians of the rounds: updates/s and their ratio (target ≥ 0.5), reply
latency p50/p95/p99, Bot API calls per update at the sandbox for each bot, people who did not finish
(each is bounded by `--person-timeout`) and error answers shown to a person (the bot's apology).
PostgreSQL uses LIAISON_TEST_POSTGRES_URL (a throwaway database is created and dropped).

`--durability-rounds N` measures instead what committing each update's dialog state before the
person's next update costs (bot/persistence.py `DurableDialogs`) against PTB's periodic flush
alone: N rounds of each on the same database, the two kinds alternating, then the medians of each.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import resource
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from telegram import Update
from telegram.ext import Application
from telegram.request import HTTPXRequest

from bench.bare_dialog import APOLOGY, ONBOARDING, Step, bare_dialog_application
from bot.app import SANDBOX_TOKEN, bot_request_options, build_application, start_features, stop_features
from bot.i18n import Translator
from bot.sandbox import SandboxPerson, SandboxServer
from bot.sandbox.updates import FIRST_UPDATE_ID
from bot.services import Context, Services
from bot.settings import Settings
from storage.crypto.keyring import DataKey, Keyring
from storage.db import Database
from storage.migrate import upgrade_async

TARGET_RATIO = 0.5
TARGET_P95_SECONDS = 3.0  # at 200 people on an otherwise idle machine
# Both bots get the real bot's HTTP client options (`bot.app.bot_request_options`) and as many
# updates at once; `same_http_settings` also checks the built applications agree, so a setting
# added to the factory later shows up here instead of skewing the ratio.
# Poll as the tests do; production polls with PTB's defaults, which only add idle waits here.
POLLING: Mapping[str, Any] = {"poll_interval": 0.0, "timeout": 1, "allowed_updates": Update.ALL_TYPES}

FIRST_USER_ID = 7_000_000_000  # far from the sandbox's own numbering
AppFactory = Callable[[SandboxServer], Application]  # type: ignore[type-arg]


@dataclass
class Run:
    """One bot's run in one round: N people walking the script at once."""

    label: str
    people: int
    updates: int  # updates the people sent
    seconds: float
    latencies: list[float]
    bot_api_calls: int  # calls to the people's chats the sandbox saw
    not_finished: int
    apologies: int  # error answers shown to a person
    handler_errors: int
    first_failure: str | None  # why the first person who did not finish stopped
    http: dict[str, object]  # the application's HTTP client settings

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    @property
    def calls_per_update(self) -> float:
        return self.bot_api_calls / self.updates if self.updates else 0.0

    def latency(self, quantile: float) -> float:
        """Reply latency at `quantile` (nearest rank), in seconds."""
        ordered = sorted(self.latencies)
        return ordered[max(math.ceil(quantile * len(ordered)) - 1, 0)] if ordered else math.nan

    def line(self) -> str:
        return (
            f"{self.label}: {len(self.latencies)} replies in {self.seconds:.1f} s = {self.rate:.0f} updates/s, "
            f"latency p50 {self.latency(0.5):.2f} s, p95 {self.latency(0.95):.2f} s, "
            f"p99 {self.latency(0.99):.2f} s, {self.calls_per_update:.2f} Bot API calls/update, "
            f"not finished {self.not_finished}, error answers {self.apologies}, "
            f"handler errors {self.handler_errors}"
        )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def walk(
    person: SandboxPerson, steps: Sequence[Step], latencies: list[float], sent: list[int], timeout: float
) -> None:
    """Do each step and wait for its replies; latency is the time to the first of them."""
    for step in steps:
        started = time.perf_counter()
        if step.kind == "text":
            await person.send(step.content)
        else:
            await person.press(step.content)
        sent[0] += 1
        await person.next_reply(timeout)
        latencies.append(time.perf_counter() - started)
        for _ in range(step.replies - 1):
            await person.next_reply(timeout)


def _reason(error: BaseException) -> str:
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {first_line}" if first_line else type(error).__name__


def http_settings(app: Application) -> dict[str, object]:  # type: ignore[type-arg]
    """Timeouts and pool sizes of an application's two HTTP clients (updates, and everything else)."""
    found: dict[str, object] = {}
    for name, request in zip(("getUpdates", "calls"), app.bot._request, strict=True):
        assert isinstance(request, HTTPXRequest)
        client = request._client_kwargs  # PTB keeps no public view of the pool size and timeouts
        found[name] = (client["timeout"], client["limits"])
    return found


async def run_people(
    sandbox: SandboxServer,
    app: Application,  # type: ignore[type-arg]
    count: int,
    steps: Sequence[Step],
    label: str,
    person_timeout: float,
    *,
    first_user_id: int,
    features: bool = False,
) -> Run:
    """Start `app` against `sandbox`, let `count` new people walk `steps` at once, stop it. User ids
    start at `first_user_id`: the real bot remembers people across rounds, so each round needs new ones."""
    handler_errors: list[object] = []

    async def count_error(update: object, context: Context) -> None:
        handler_errors.append(context.error)

    app.add_error_handler(count_error)
    await app.initialize()
    if features:
        await start_features(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(**POLLING)
    people = [
        SandboxPerson(sandbox, sandbox.add_user(f"P{n}", language_code="en", user_id=first_user_id + n))
        for n in range(count)
    ]
    latencies: list[float] = []
    sent = [0]
    started = time.perf_counter()
    outcomes = await asyncio.gather(
        *(
            asyncio.wait_for(walk(person, steps, latencies, sent, person_timeout), person_timeout)
            for person in people
        ),
        return_exceptions=True,
    )
    seconds = time.perf_counter() - started
    await app.updater.stop()
    await app.stop()
    if features:
        await stop_features(app)
    await app.shutdown()
    chats = {person.chat.id for person in people}
    return Run(
        label=label,
        people=count,
        updates=sent[0],
        seconds=seconds,
        latencies=latencies,
        bot_api_calls=sum(1 for call in sandbox.calls if call.chat_id in chats),
        not_finished=sum(1 for outcome in outcomes if isinstance(outcome, BaseException)),
        apologies=sum(
            1 for person in people for message in person.chat.bot_messages if message.text == APOLOGY
        ),
        handler_errors=len(handler_errors),
        first_failure=next(
            (_reason(outcome) for outcome in outcomes if isinstance(outcome, BaseException)), None
        ),
        http=http_settings(app),
    )


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


def real_bot(services: Services, **options: Any) -> AppFactory:
    """The application factory against a sandbox, with the benchmark's HTTP settings."""

    def build(sandbox: SandboxServer) -> Application:  # type: ignore[type-arg]
        return build_application(
            services,
            base_url=sandbox.base_url,
            base_file_url=sandbox.base_file_url,
            **options,
        )

    return build


def bare_bot(settings: Settings) -> AppFactory:
    """The bare PTB bot, with the HTTP options and concurrency the real bot gets from `settings`."""

    def build(sandbox: SandboxServer) -> Application:  # type: ignore[type-arg]
        return bare_dialog_application(
            SANDBOX_TOKEN,
            sandbox.base_url,
            sandbox.base_file_url,
            ONBOARDING,
            request_options=bot_request_options(settings),
            concurrency=settings.updates_at_once,
        )

    return build


def same_http_settings(runs: Sequence[Run]) -> None:
    """Refuse to compare bots whose HTTP clients differ (pool sizes, timeouts)."""
    first = runs[0].http
    for run in runs[1:]:
        if run.http != first:
            raise SystemExit(
                f"the bots' HTTP settings differ:\n{runs[0].label}: {first}\n{run.label}: {run.http}"
            )
    print(f"HTTP settings of both bots: {first}")


@dataclass
class Bench:
    """A database, the services on it, and how long a person may take."""

    backend: str
    services: Services
    person_timeout: float
    next_user_id: int = FIRST_USER_ID
    next_update_id: int = FIRST_UPDATE_ID

    async def run(self, factory: AppFactory, people: int, label: str, *, features: bool) -> Run:
        first_user_id, self.next_user_id = self.next_user_id, self.next_user_id + people
        # Every run is the same bot to the database, so its update ids go on where the last run's ended.
        first_update_id, self.next_update_id = self.next_update_id, self.next_update_id + 100 * people
        async with SandboxServer(first_update_id=first_update_id) as sandbox:
            return await run_people(
                sandbox,
                factory(sandbox),
                people,
                ONBOARDING,
                label,
                self.person_timeout,
                first_user_id=first_user_id,
                features=features,
            )


async def with_bench(backend: str, person_timeout: float, body: Callable[[Bench], Awaitable[None]]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        url, drop = await database_for(backend, workdir)
        db = Database(url, Keyring([DataKey.generate("k1")], os.urandom(32)))
        # Port 0: the outbox's HTTP endpoint takes a free port, not production's 8080.
        settings = Settings(_env_file=None, data_dir=workdir, database_url=url, http_port=0)  # type: ignore[call-arg]
        services = Services(settings=settings, db=db, translator=Translator(), clock=_now)
        await db.verify_keys(now=_now())
        try:
            await body(Bench(backend, services, person_timeout))
        finally:
            await db.dispose()
            await drop()


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def summary(label: str, runs: Sequence[Run]) -> str:
    return (
        f"{label}, median of {len(runs)} rounds: {median([r.rate for r in runs]):.0f} updates/s, "
        f"latency p50 {median([r.latency(0.5) for r in runs]):.2f} s, "
        f"p95 {median([r.latency(0.95) for r in runs]):.2f} s, "
        f"p99 {median([r.latency(0.99) for r in runs]):.2f} s, "
        f"{median([r.calls_per_update for r in runs]):.2f} Bot API calls/update; over all rounds: "
        f"not finished {sum(r.not_finished for r in runs)}, error answers {sum(r.apologies for r in runs)}, "
        f"handler errors {sum(r.handler_errors for r in runs)}"
    )


async def bench_against_bare(bench: Bench, people: int, rounds: int) -> None:
    """Bare and real bot alternately, `rounds` times; medians and the ratio real/bare."""
    kinds: dict[str, tuple[AppFactory, bool]] = {
        "bare PTB bot": (bare_bot(bench.services.settings), False),
        "onboarding": (real_bot(bench.services), True),
    }
    runs: dict[str, list[Run]] = {name: [] for name in kinds}
    ratios: list[float] = []
    for number in range(rounds):
        order = list(kinds) if number % 2 == 0 else list(reversed(kinds))
        for name in order:
            factory, features = kinds[name]
            run = await bench.run(factory, people, f"{name} ({bench.backend})", features=features)
            print(f"  round {number + 1}: {run.line()}  [load {os.getloadavg()[0]:.1f}]", flush=True)
            if run.first_failure:
                print(f"    first person who did not finish: {run.first_failure}")
            runs[name].append(run)
        if number == 0:
            same_http_settings([found[0] for found in runs.values()])
        ratios.append(runs["onboarding"][-1].rate / runs["bare PTB bot"][-1].rate)
    for name, found in runs.items():
        print(summary(f"{name} ({bench.backend})", found))
    ratio = median(ratios)
    verdict = "meets" if ratio >= TARGET_RATIO else "below"
    print(
        f"ratio onboarding / bare PTB bot ({bench.backend}), median of the rounds' ratios "
        f"{' '.join(f'{r:.2f}' for r in ratios)}: {ratio:.2f}, {ratio / TARGET_RATIO:.2f} × the target "
        f"{TARGET_RATIO} ({verdict})"
    )
    p95 = median([r.latency(0.95) for r in runs["onboarding"]])
    print(
        f"onboarding p95 reply latency ({bench.backend}): {p95:.2f} s, {p95 / TARGET_P95_SECONDS:.2f} × the "
        f"{TARGET_P95_SECONDS:g} s target (set for 200 people on an otherwise idle machine)"
    )


async def bench_durability(bench: Bench, people: int, rounds: int) -> None:
    """Per-update dialog commits against the periodic flush alone: alternating rounds, medians."""
    results: dict[bool, list[Run]] = {False: [], True: []}
    for number in range(rounds):
        for durable in (False, True) if number % 2 == 0 else (True, False):
            label = f"{'per-update commit' if durable else 'periodic flush'} ({bench.backend})"
            factory = real_bot(bench.services, durable_dialogs=durable)
            result = await bench.run(factory, people, label, features=True)
            print(f"  round {number + 1}: {result.line()}", flush=True)
            if result.first_failure:
                print(f"    first person who did not finish: {result.first_failure}")
            results[durable].append(result)
    for durable, found in results.items():
        print(summary("after: per-update commit" if durable else "before: periodic flush only", found))
    before = median([r.rate for r in results[False]])
    after = median([r.rate for r in results[True]])
    print(f"throughput after / before ({bench.backend}): {after / before:.2f}")


def _now() -> datetime:
    return datetime.now(UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of bare and real bot, alternating")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--durability-rounds", type=int, default=0)
    parser.add_argument(
        "--person-timeout",
        type=float,
        help="seconds a person may take for the whole script before counting as not finished "
        "(default: 60 + the time the whole crowd's updates take at 5 updates/s)",
    )
    options = parser.parse_args()
    backends = ["sqlite", "postgres"] if options.backend == "both" else [options.backend]
    if options.backend == "both" and not os.environ.get("LIAISON_TEST_POSTGRES_URL"):
        backends = ["sqlite"]
        print("LIAISON_TEST_POSTGRES_URL is not set: SQLite only")
    person_timeout = options.person_timeout or 60 + options.people * len(ONBOARDING) / 5
    print(
        f"{options.people} people, {len(ONBOARDING)} updates each, all at once; "
        f"a person who takes over {person_timeout:.0f} s counts as not finished; "
        f"CPUs {os.cpu_count()}, load {os.getloadavg()[0]:.1f}"
    )
    for backend in backends:
        if options.durability_rounds:

            async def body(bench: Bench) -> None:
                await bench_durability(bench, options.people, options.durability_rounds)
        else:

            async def body(bench: Bench) -> None:
                await bench_against_bare(bench, options.people, options.rounds)

        asyncio.run(with_bench(backend, person_timeout, body))
    print(f"peak RSS of the process: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
