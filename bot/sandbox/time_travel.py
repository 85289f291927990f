"""`/clock +7d` in the sandbox: move the shifted clock forward and let the clocks see every step.

The clocks plan from "now" (a reminder is queued when its moment is at most twelve hours away,
and a moment already past is skipped), so one jump of a week would step over a reminder. The
move is made in steps of at most six hours, running every clock after each; the outbox workers
then send what fell due, as they would have over that time. Before each step the move waits
(a few seconds at most) until no outbox row is held by a worker: a lease is measured by this
clock, and one that expired mid-send would let the row be sent twice.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.sandbox.clock import ShiftedClock

if TYPE_CHECKING:  # the terminal parses shifts without loading the bot
    from bot.services import Services
    from scheduler.clocks import ClockJob

STEP = timedelta(hours=6)
SETTLE_SECONDS = 5.0
MOST = timedelta(days=400)
_SHIFT = re.compile(r"^\+(\d+)([mhdw])$")
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


class ShiftError(ValueError):
    """The text is not a forward move like +30m, +6h, +7d or +2w."""


def parse_shift(text: str) -> timedelta:
    found = _SHIFT.match(text.strip())
    if found is None:
        raise ShiftError("say how far to move forward: +30m, +6h, +7d or +2w")
    delta = int(found.group(1)) * _UNITS[found.group(2)]
    if not timedelta(0) < delta <= MOST:
        raise ShiftError("move forward by at least a minute and at most 400 days")
    return delta


async def move_clock(
    clock: ShiftedClock, delta: timedelta, services: Services, jobs: Sequence[ClockJob]
) -> datetime:
    """Advance `clock` by `delta` in steps, running each clock job after every step; the new now."""
    left = delta
    while left > timedelta(0):
        step = min(STEP, left)
        await _sends_settled(services)
        clock.advance(step)
        left -= step
        for job in jobs:
            await job.run(services)
    return clock()


async def _sends_settled(services: Services) -> None:
    """Wait, up to SETTLE_SECONDS, until no outbox row is claimed by a worker."""
    from sqlalchemy import func, select

    from storage.models.outbox import OutboxMessage, OutboxState

    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_SECONDS
    while loop.time() < deadline:
        async with services.db.session() as session:
            claimed = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.state == OutboxState.CLAIMED)
            )
        if not claimed:
            return
        await asyncio.sleep(0.1)
