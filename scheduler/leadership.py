"""Exactly one process runs the clocks.

On PostgreSQL the leader holds a session-level advisory lock on a connection it keeps
open; if the process dies, the connection closes, the lock is released, and another
process takes it on its next try. SQLite deployments are one process, which always leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

# An arbitrary constant naming "Liaison's clocks" among advisory locks on the same database.
CLOCKS_LOCK_ID = 0x4C494149534F4E  # "LIAISON"


class Leadership:
    """Tries to become the clock leader every `retry` seconds until it is, then holds on."""

    def __init__(self, engine: AsyncEngine, *, retry: float = 15.0, lock_id: int = CLOCKS_LOCK_ID) -> None:
        self._engine = engine
        self._retry = retry
        self._lock_id = lock_id
        self._connection: AsyncConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self.changed = asyncio.Event()

    @property
    def uses_lock(self) -> bool:
        return self._engine.dialect.name == "postgresql"

    @property
    def is_leader(self) -> bool:
        return not self.uses_lock or self._connection is not None

    async def try_acquire(self) -> bool:
        if self.is_leader:
            return True
        connection = await self._engine.connect()
        try:
            acquired = bool(
                (
                    await connection.execute(text("SELECT pg_try_advisory_lock(:id)"), {"id": self._lock_id})
                ).scalar()
            )
            await connection.commit()
        except Exception:
            await connection.close()
            raise
        if not acquired:
            await connection.close()
            return False
        self._connection = connection
        log.info("this process now runs the clocks")
        self.changed.set()
        return True

    async def _keep_trying(self) -> None:
        while True:
            try:
                if self._connection is not None:
                    # A leader whose connection broke is no longer the leader; find out and step down.
                    await self._connection.execute(text("SELECT 1"))
                    await self._connection.commit()
                else:
                    await self.try_acquire()
            except Exception as exc:
                log.warning("clock leadership check failed: %s", type(exc).__name__)
                await self._drop()
            await asyncio.sleep(self._retry)

    async def _drop(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            # Invalidate rather than close: a pooled connection would keep the session's lock.
            with contextlib.suppress(Exception):
                await connection.invalidate()
            self.changed.set()

    async def start(self) -> None:
        if not self.uses_lock:
            return
        await self.try_acquire()
        self._task = asyncio.create_task(self._keep_trying())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": self._lock_id})
                await self._connection.commit()
            await self._drop()
