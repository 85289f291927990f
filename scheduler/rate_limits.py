"""Pacing for Telegram: one global schedule and one per chat, as reservations, never a global sleep.

Each send reserves a slot: first its chat's next free moment (1 s apart for private chats,
3 s for groups, pushed back by a 429's `retry_after`), then, once that moment has come, the
next global slot (1/rate apart). A task waits only for its own slot, so a slow chat or a
paused chat holds up nothing else.

A 429 for a chat holds every send to that chat, including those already waiting for a slot:
after its wait a task checks the chat's pause again. A task given a deadline (its claim's
lease) never waits past it: it is told how long the chat is busy and hands its row back.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

MonotonicClock = Callable[[], float]
_PRUNE_AT = 50_000


class GlobalSchedule:
    """Slots `1/rate` apart in first-come order; `rate` None means unlimited."""

    def __init__(self, rate: float | None, clock: MonotonicClock = time.monotonic) -> None:
        if rate is not None and rate <= 0:
            raise ValueError("rate must be positive, or None for no limit")
        self._interval = 0.0 if rate is None else 1.0 / rate
        self._next = 0.0
        self._paused_until = 0.0
        self._clock = clock

    def reserve(self) -> float:
        """The moment the caller may send; the slot is taken."""
        if self._interval == 0.0 and self._paused_until == 0.0:
            return 0.0
        slot = max(self._next, self._clock(), self._paused_until)
        self._next = slot + self._interval
        return slot

    def pause(self, seconds: float) -> None:
        """Hold every send for `seconds` (a flood-wait that is not about one chat)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)


class ChatPacing:
    """Per-chat spacing: private chats 1 message/s, groups 20/min, by default."""

    def __init__(
        self,
        *,
        private_interval: float = 1.0,
        group_interval: float = 3.0,
        clock: MonotonicClock = time.monotonic,
    ) -> None:
        self._private = private_interval
        self._group = group_interval
        self._next: dict[int, float] = {}
        self._paused: dict[int, float] = {}
        self._sent: dict[int, float] = {}
        self._clock = clock

    def interval(self, chat_id: int) -> float:
        # Telegram's private chats have positive ids; groups, supergroups and channels negative.
        return self._private if chat_id > 0 else self._group

    def free_at(self, chat_id: int) -> float:
        """The first moment a send to this chat could go, without taking it."""
        return max(self._next.get(chat_id, 0.0), self._paused.get(chat_id, 0.0), self._clock())

    def paused_until(self, chat_id: int) -> float:
        return self._paused.get(chat_id, 0.0)

    def reserve(self, chat_id: int) -> float:
        now = self._clock()
        if len(self._next) > _PRUNE_AT:
            self._next = {chat: moment for chat, moment in self._next.items() if moment > now}
            self._paused = {chat: moment for chat, moment in self._paused.items() if moment > now}
            self._sent = {chat: moment for chat, moment in self._sent.items() if moment > now - 60}
        slot = self.free_at(chat_id)
        self._next[chat_id] = slot + self.interval(chat_id)
        return slot

    def spaced_at(self, chat_id: int) -> float:
        """The first moment a send may go out after the last one that did (see `sent`)."""
        return self._sent.get(chat_id, float("-inf")) + self.interval(chat_id)

    def sent(self, chat_id: int) -> None:
        """A send to this chat goes out now. Reserved slots are kept apart, but a send can leave
        later than its slot (its worker was busy), and the next one must not follow it closely."""
        now = self._clock()
        self._sent[chat_id] = now
        self._next[chat_id] = max(self._next.get(chat_id, 0.0), now + self.interval(chat_id))

    def pause(self, chat_id: int, seconds: float) -> None:
        """A 429 for this chat: nothing more to it until `seconds` from now, even if already reserved."""
        until = self._clock() + seconds
        self._paused[chat_id] = max(self._paused.get(chat_id, 0.0), until)
        self._next[chat_id] = max(self._next.get(chat_id, 0.0), until)


class TelegramLimiter:
    """Waits for a chat's turn and then a global slot."""

    def __init__(
        self, rate: float | None, pacing: ChatPacing, clock: MonotonicClock = time.monotonic
    ) -> None:
        self.schedule = GlobalSchedule(rate, clock)
        self.pacing = pacing
        self._clock = clock

    async def wait_turn(self, chat_id: int, deadline: float | None = None) -> float | None:
        """Wait for this chat's turn and a global slot: None when it has come.

        With a `deadline` (monotonic), return instead the seconds until the chat is free
        whenever that is past the deadline; nothing is reserved then.
        """
        while True:
            free = self.pacing.free_at(chat_id)
            if deadline is not None and free > deadline:
                return free - self._clock()
            await self._until(self.pacing.reserve(chat_id))
            await self._until(self.schedule.reserve())
            # A 429 for this chat that arrived while this task waited holds it too.
            if self.pacing.paused_until(chat_id) <= self._clock():
                return None

    async def going_out(self, chat_id: int) -> None:
        """Just before a send leaves: keep it an interval after the last send that went to this chat."""
        while (moment := self.pacing.spaced_at(chat_id)) > self._clock():
            await self._until(moment)
        self.pacing.sent(chat_id)

    def pause_chat(self, chat_id: int, seconds: float) -> None:
        self.pacing.pause(chat_id, seconds)

    async def _until(self, moment: float) -> None:
        delay = moment - self._clock()
        if delay > 0:
            await asyncio.sleep(delay)
