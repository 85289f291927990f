"""Start-up and shut-down work of the features that run beside the bot (workers, clocks, HTTP).

python-telegram-bot takes one `post_init` and one `post_shutdown`; features register
their hooks here instead, in `install`, and the factory runs them in order (stop in reverse).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram.ext import Application

Hook = Callable[[Application], Awaitable[None]]  # type: ignore[type-arg]
LIFECYCLE_KEY = "lifecycle"


class Lifecycle:
    def __init__(self) -> None:
        self.starting: list[Hook] = []
        self.stopping: list[Hook] = []

    def on_start(self, hook: Hook) -> None:
        self.starting.append(hook)

    def on_stop(self, hook: Hook) -> None:
        self.stopping.append(hook)

    async def start(self, app: Application) -> None:  # type: ignore[type-arg]
        for hook in self.starting:
            await hook(app)

    async def stop(self, app: Application) -> None:  # type: ignore[type-arg]
        for hook in reversed(self.stopping):
            await hook(app)


def lifecycle(app: Application) -> Lifecycle:  # type: ignore[type-arg]
    found: Any = app.bot_data[LIFECYCLE_KEY]
    assert isinstance(found, Lifecycle)
    return found
