"""Time for the sandbox: the real clock by default, a hand-moved one for tests of time rules."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when a test moves it, so rules like "48 hours" run without sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2025, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by `delta`."""
        self.now += delta


class ShiftedClock:
    """The real clock plus an offset that only grows: the terminal's `/clock +7d` moves it forward,
    so a demo can see reminders, digests and retention without waiting for them."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta` (never back: the outbox and the clocks assume time only grows)."""
        if delta < timedelta(0):
            raise ValueError("the sandbox clock only moves forward")
        self.offset += delta
        return self()
