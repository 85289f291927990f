"""The database: engine, per-unit-of-work sessions, and the checks that keys fit the data."""

from __future__ import annotations

import os
import stat
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from storage.crypto.keyring import CryptoError, Keyring, field_aad
from storage.sealed import KEYRING_INFO_KEY

CANARY_TEXT = "liaison key canary"


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
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the writer; secure_delete overwrites erased personal data on disk.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


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


def create_engine(url: str, **options: Any) -> AsyncEngine:
    """An async engine with SQLite's pragmas set on every connection."""
    # Statement parameters can hold personal data; keep them out of exception messages and logs.
    options.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            make_private(path)
        options.setdefault("pool_size", 8)
        options.setdefault("max_overflow", 8)
        options.setdefault("pool_timeout", 120)
        engine = create_async_engine(url, **options)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    options.setdefault("pool_pre_ping", True)
    options.setdefault("pool_size", 20)
    options.setdefault("max_overflow", 20)
    options.setdefault("pool_timeout", 60)
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

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: committed when the block ends normally, rolled back otherwise."""
        async with self.sessions() as session, session.begin():
            yield session

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
