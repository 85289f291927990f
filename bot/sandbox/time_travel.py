"""`/clock +7d` in the sandbox: move the shifted clock forward and let the clocks see every step.

The clocks plan from "now" (a reminder is queued when its moment is at most twelve hours away,
and a moment already past is skipped), so one jump of a week would step over a reminder. The
move is made in steps of at most six hours, running every clock after each; the outbox workers
then send what fell due, as they would have over that time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.sandbox.clock import ShiftedClock

if TYPE_CHECKING:  # the terminal parses shifts without loading the bot
    from bot.services import Services
    from scheduler.clocks import ClockJob

STEP = timedelta(hours=6)
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
        clock.advance(step)
        left -= step
        for job in jobs:
            await job.run(services)
    return clock()
