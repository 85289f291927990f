"""Whether the outbox workers can record outcomes; when they cannot, they stop ("stop when blind").

A send whose outcome cannot be written is sent again once its lease runs out, so workers
that cannot write stop claiming and, after a small bound of unrecorded outcomes, stop
sending. The state is one of: recording works, or a cause in words (database unreachable,
disk full, database locked). It is logged once per change (an ERROR when recording stops,
a line when it works again), shown on `/healthz` (503) and as the `liaison_outbox_blind`
metric, and cleared by the workers themselves once a write succeeds again.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3

from scheduler.metrics import DeliveryMetrics

LOGGER = logging.getLogger(__name__)

DISK_FULL = "disk full"
LOCKED = "database locked"
UNREACHABLE = "database unreachable"
NO_ANSWER = "database unreachable (no answer in time)"

DISK_ERROR = "disk write failed"

_DISK_FULL_TEXTS = ("database or disk is full", "no space left", "disk full", "file too large")
_LOCKED_TEXTS = ("database is locked", "database table is locked")
_UNREACHABLE_TEXTS = (
    "connection refused",
    "connection is closed",
    "connection was closed",
    "connection reset",
    "could not connect",
    "connect call failed",
    "server closed the connection",
    "connectiondoesnotexist",
    "cannot connect",
    "terminating connection",
)


def _chain(error: BaseException) -> list[BaseException]:
    """The error, what it wraps (SQLAlchemy's `.orig`) and what caused it."""
    found: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending:
        item = pending.pop()
        if item is None or any(item is seen for seen in found) or len(found) > 8:
            continue
        found.append(item)
        orig = getattr(item, "orig", None)
        pending += [orig if isinstance(orig, BaseException) else None, item.__cause__, item.__context__]
    return found


def cause_of(error: BaseException) -> str:
    """Why a database write failed, in words (the error's own text is read, never logged)."""
    errors = _chain(error)
    texts = " ".join(f"{type(item).__name__} {item}".lower() for item in errors)
    if any(marker in texts for marker in _DISK_FULL_TEXTS):
        return DISK_FULL
    if any(marker in texts for marker in _LOCKED_TEXTS):
        return LOCKED
    if "disk i/o error" in texts:
        return DISK_ERROR
    if any(isinstance(item, TimeoutError) for item in errors):
        return NO_ANSWER
    if any(isinstance(item, OSError) and not isinstance(item, sqlite3.Error) for item in errors) or any(
        marker in texts for marker in _UNREACHABLE_TEXTS
    ):
        return UNREACHABLE
    if any(getattr(item, "connection_invalidated", False) for item in errors):
        return UNREACHABLE
    return f"database error ({type(error).__name__})"


class RecordingHealth:
    """The one place that knows whether outcomes can be recorded, and says so once per change."""

    def __init__(self, metrics: DeliveryMetrics) -> None:
        self._metrics = metrics
        self.reason: str | None = None
        self._clear = asyncio.Event()
        self._clear.set()
        metrics.blind.labels("").set(0)

    @property
    def blind(self) -> bool:
        return self.reason is not None

    def failed(self, error: BaseException | str) -> None:
        reason = error if isinstance(error, str) else cause_of(error)
        if reason == self.reason:
            return
        error_class = "" if isinstance(error, str) else f" ({type(error).__name__})"
        LOGGER.error(
            "outbox outcomes cannot be recorded: %s%s; workers stop claiming and sending until they can",
            reason,
            error_class,
        )
        self.reason = reason
        self._clear.clear()
        self._metrics.blind.clear()
        self._metrics.blind.labels(reason).set(1)

    def recovered(self) -> None:
        if self.reason is None:
            return
        LOGGER.warning("outbox outcomes are recorded again (was: %s); workers resume", self.reason)
        self.reason = None
        self._metrics.blind.clear()
        self._metrics.blind.labels("").set(0)
        self._clear.set()

    async def wait_clear(self) -> None:
        await self._clear.wait()
