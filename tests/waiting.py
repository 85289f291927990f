"""Waiting, with a bound, for state that another task or process writes (outbox workers, handlers).

Reading such state once after the action that starts it is a race: the message can reach the
sandbox before the worker commits the row's outcome. Poll until the check holds, or fail.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


async def eventually(
    check: Callable[[], object | Awaitable[object]], timeout: float = 10.0, interval: float = 0.05
) -> object:
    """Call `check` (plain or async) until it returns something truthy, and return that.

    Fails with AssertionError after `timeout` seconds, naming the check.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result) or isinstance(result, Awaitable):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            name = getattr(check, "__qualname__", repr(check))
            raise AssertionError(f"{name} did not hold within {timeout:g} s")
        await asyncio.sleep(interval)
