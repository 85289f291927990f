"""The bot's update stream: updates wait here until getUpdates acknowledges them by offset.

Works like Telegram's: update_id strictly increases; a getUpdates call with `offset` forgets every
update below it; a long poll answers as soon as an update exists; a newer getUpdates call ends the
older one with 409 Conflict; `allowed_updates` is remembered between calls.
"""

import asyncio
from collections import deque
from typing import Any, Final

from bot.sandbox.errors import ApiError

JSON = dict[str, Any]

# Telegram leaves these out unless the bot asks for them by name.
_OPT_IN_UPDATES: Final = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
FIRST_UPDATE_ID: Final = 500_000_001


class UpdateQueue:
    """Pending updates for the one bot of a sandbox, with long-poll waiting."""

    def __init__(self, first_update_id: int = FIRST_UPDATE_ID) -> None:
        self._pending: deque[JSON] = deque()
        self._last_id = first_update_id - 1
        self._delivered_id = first_update_id - 1
        self._allowed: frozenset[str] | None = None
        self._wakeup: asyncio.Event | None = None
        self._poll_generation = 0
        self._closed = False

    def __len__(self) -> int:
        return len(self._pending)

    @property
    def last_update_id(self) -> int:
        """The id of the newest update pushed so far."""
        return self._last_id

    def push(self, update: JSON) -> JSON:
        """Queue an update, giving it the next update_id unless it brings a larger one."""
        update_id = update.get("update_id")
        if update_id is None:
            update = {"update_id": self._last_id + 1, **update}
        elif not isinstance(update_id, int) or update_id <= self._last_id:
            raise ValueError(f"update_id must be an int above {self._last_id}, got {update_id!r}")
        self._last_id = update["update_id"]
        self._pending.append(update)
        self._wake()
        return update

    def drop_pending(self) -> None:
        """Forget every pending update (deleteWebhook/setWebhook with drop_pending_updates)."""
        self._pending.clear()
        self._delivered_id = self._last_id

    def close(self) -> None:
        """End every waiting long poll: the server is stopping."""
        self._closed = True
        self._wake()

    def reopen(self) -> None:
        """Accept long polls again after `close` (the server started again)."""
        self._closed = False

    def _wake(self) -> None:
        wakeup = self._wakeup
        if wakeup is not None:
            self._wakeup = None
            wakeup.set()

    def _acknowledge(self, offset: int) -> None:
        if offset < 0:
            # A negative offset keeps only the last -offset updates, as in Telegram.
            while len(self._pending) > -offset:
                forgotten = self._pending.popleft()
                self._delivered_id = max(self._delivered_id, forgotten["update_id"])
            return
        while self._pending and self._pending[0]["update_id"] < offset:
            self._pending.popleft()

    @property
    def undelivered(self) -> bool:
        """Whether some update was pushed that no getUpdates call has handed to the bot yet."""
        return self._delivered_id < self._last_id

    def _ready(self, limit: int) -> list[JSON]:
        allowed = self._allowed
        ready: list[JSON] = []
        for update in self._pending:
            # Updates the bot did not ask for count as delivered: it will never see them.
            self._delivered_id = max(self._delivered_id, update["update_id"])
            kind = next((key for key in update if key != "update_id"), "")
            if (kind in allowed) if allowed is not None else (kind not in _OPT_IN_UPDATES):
                ready.append(update)
                if len(ready) >= limit:
                    break
        return ready

    async def poll(
        self, *, offset: int | None, limit: int, wait_seconds: float, allowed_updates: list[str] | None
    ) -> list[JSON]:
        """Answer one getUpdates call: acknowledge by `offset`, then wait up to `wait_seconds` for updates."""
        if allowed_updates is not None:
            self._allowed = frozenset(allowed_updates) or None
        if offset is not None:
            self._acknowledge(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake()  # an older poll still waiting sees the new generation and ends with a conflict
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, wait_seconds)
        while True:
            ready = self._ready(max(1, min(limit, 100)))
            if ready or self._closed:
                return ready
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            if self._wakeup is None:
                self._wakeup = asyncio.Event()
            wakeup = self._wakeup
            try:
                await asyncio.wait_for(wakeup.wait(), remaining)
            except TimeoutError:
                return []
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
