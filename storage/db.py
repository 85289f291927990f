"""The database: engine, per-unit-of-work sessions, and the checks that keys fit the data."""

from __future__ import annotations

import asyncio
import os
import stat
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event, select
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from storage.crypto.keyring import CryptoError, Keyring, field_aad
from storage.sealed import KEYRING_INFO_KEY

CANARY_TEXT = "liaison key canary"
# The task inside a `Database.session` block, to refuse a session opened inside another.
_SESSION_TASK: ContextVar[asyncio.Task[Any] | None] = ContextVar("liaison_session_task", default=None)


def in_session() -> bool:
    """Whether the running task is inside a `Database.session` block."""
    task = asyncio.current_task()
    return task is not None and _SESSION_TASK.get() is task


class KeyMismatchError(Exception):
    """The database was sealed with keys this process does not have."""


def no_usable_key_message(key_ids: list[str]) -> str:
    ids = ", ".join(sorted(key_ids))
    return (
        f"no usable data key: this database was sealed with key(s) {ids}, none of which is in "
        "LIAISON_DATA_KEYS or the key file; restore the right keys"
    )


async def sealed_key_ids(url: str) -> list[str]:
    """The ids of the data keys this database holds sealed data under (empty for a new database)."""
    from sqlalchemy import inspect

    from storage.models.keys import KeyCanary

    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            exists = await connection.run_sync(lambda sync: inspect(sync).has_table(KeyCanary.__tablename__))
            if not exists:
                return []
            return list((await connection.execute(select(KeyCanary.key_id))).scalars())
    finally:
        await engine.dispose()


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # Transactions are begun by `_begin_immediate`, not by the driver (see there).
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the writer; secure_delete overwrites erased personal data on disk.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_immediate(connection: Connection) -> None:
    """Take SQLite's write lock when a transaction begins, not at its first write.

    A transaction that read first and then writes cannot wait for another writer (its snapshot
    would be stale), so SQLite fails it at once with "database is locked", whatever the busy
    timeout. Begun IMMEDIATE, it waits its turn instead (up to the busy timeout) and then runs.
    """
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, or None for another database or an in-memory one."""
    if not url.startswith("sqlite"):
        return None
    path = url.split(":///", 1)[-1] if ":///" in url else ""
    path = path.split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


def make_private(path: Path) -> None:
    """Create the database file readable by its owner only (0600), or make it so, with its
    WAL and shared-memory files (SQLite gives those the database file's mode)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with suppress(FileNotFoundError):
            if stat.S_IMODE(file.stat().st_mode) & 0o077:
                file.chmod(0o600)


# Connections a process may hold at once when nothing says how many units of work run together.
DEFAULT_CONNECTIONS = 40
KEPT_OPEN = 8  # of those, how many stay open while idle


def create_engine(url: str, *, connections: int = DEFAULT_CONNECTIONS, **options: Any) -> AsyncEngine:
    """An async engine with SQLite's pragmas set on every connection.

    `connections` is how many units of work may hold a connection at once; the caller sizes it
    to what runs concurrently (the update processor, the outbox workers), so a session waits
    for a connection only when the process is overloaded, and then rather long than failing.
    """
    # Statement parameters can hold personal data; keep them out of exception messages and logs.
    options.setdefault("hide_parameters", True)
    options.setdefault("pool_size", min(KEPT_OPEN, connections))
    options.setdefault("max_overflow", max(0, connections - options["pool_size"]))
    options.setdefault("pool_timeout", 300)
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            make_private(path)
        engine = create_async_engine(url, **options)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _begin_immediate)
        return engine
    options.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **options)


class Database:
    """Owns the engine and hands out sessions that know the keyring."""

    def __init__(self, url: str, keyring: Keyring, **engine_options: Any) -> None:
        self.url = url
        self.keyring = keyring
        self.engine = create_engine(url, **engine_options)
        self.sessions = async_sessionmaker(
            self.engine, expire_on_commit=False, info={KEYRING_INFO_KEY: keyring}
        )
        # SQLite has one writer. Units of work in this process take turns here, in order, before
        # they take a connection: none waits on SQLite's busy timeout behind another of ours, and
        # "database is locked" is left to other processes holding the lock longer than that.
        self._turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: committed when the block ends normally, rolled back otherwise.

        On SQLite one unit of work of this process runs at a time (see `_turns`), so a session
        opened inside another in the same task would wait for itself forever: that is refused.
        Never hold a session while waiting on the network either."""
        task = asyncio.current_task()
        if in_session():
            raise RuntimeError("a database session was opened inside another one in the same task")
        token = _SESSION_TASK.set(task)
        try:
            if not self.is_sqlite:
                async with self.sessions() as session, session.begin():
                    yield session
                return
            async with self._turn(), self.sessions() as session, session.begin():
                yield session
        finally:
            _SESSION_TASK.reset(token)

    def _turn(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        turn = self._turns.get(loop)
        if turn is None:
            turn = self._turns[loop] = asyncio.Lock()
        return turn

    async def dispose(self) -> None:
        await self.engine.dispose()

    async def verify_keys(self, *, now: Any, record: bool = True) -> None:
        """Fail clearly when the keyring cannot open this database; record a canary for a new key."""
        from storage.models.keys import KeyCanary

        async with self.session() as session:
            canaries = (await session.scalars(select(KeyCanary))).all()
            known = [canary for canary in canaries if canary.key_id in self.keyring.key_ids]
            if canaries and not known:
                raise KeyMismatchError(no_usable_key_message([canary.key_id for canary in canaries]))
            for canary in known:
                try:
                    self.keyring.open(canary.envelope, field_aad("key_canaries", "envelope", canary.key_id))
                except CryptoError:
                    raise KeyMismatchError(
                        f"data key {canary.key_id} does not match the one this database was sealed with; "
                        "restore the right LIAISON_DATA_KEYS or key file"
                    ) from None
            if record and self.keyring.active_key_id not in {canary.key_id for canary in canaries}:
                key_id = self.keyring.active_key_id
                envelope = self.keyring.seal(
                    CANARY_TEXT.encode(), field_aad("key_canaries", "envelope", key_id)
                )
                session.add(KeyCanary(key_id=key_id, envelope=envelope, created_at=now))
