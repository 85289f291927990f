"""Recurring jobs ("clocks") that plan work into the database; they never send anything themselves.

Each feature declares its clocks as `ClockJob`s; the application factory registers them
once, with fixed ids, on python-telegram-bot's JobQueue (which is APScheduler 3). A clock
derives what is due from the database, so a missed or repeated run loses and doubles nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from scheduler.leadership import Leadership

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.services import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClockJob:
    id: str
    every: timedelta
    run: Callable[[Services], Awaitable[object]]
    first: timedelta = timedelta(seconds=5)


def install_clocks(
    app: Application,  # type: ignore[type-arg]
    jobs: Sequence[ClockJob],
    services: Services,
    leadership: Leadership,
) -> None:
    """Register each clock once, under its fixed id; ticks run only in the process that leads."""
    from bot.lifecycle import lifecycle

    if app.job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without its job-queue extra")

    async def start(_app: Application) -> None:  # type: ignore[type-arg]
        await leadership.start()

    async def stop(_app: Application) -> None:  # type: ignore[type-arg]
        await leadership.stop()

    lifecycle(app).on_start(start)
    lifecycle(app).on_stop(stop)
    for job in jobs:

        async def tick(_context: Any, job: ClockJob = job) -> None:
            if not leadership.is_leader:
                return
            try:
                await job.run(services)
            except Exception as exc:  # one failed tick must not stop the clock; the next one retries
                log.error("clock %s failed: %s", job.id, type(exc).__name__, exc_info=True)

        app.job_queue.run_repeating(
            tick,
            interval=job.every,
            first=job.first,
            name=job.id,
            job_kwargs={"id": job.id, "replace_existing": True, "coalesce": True, "max_instances": 1},
        )
