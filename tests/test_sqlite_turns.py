"""SQLite's one writer: this process's units of work take turns and begin IMMEDIATE, so a read
followed by a write neither fails with "database is locked" nor loses an update, whether the
other writer is in this process or in another one."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.crypto.keyring import Keyring
from storage.db import Database, sqlite_path


async def _counter(db: Database) -> None:
    async with db.session() as session:
        await session.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)"))
        await session.execute(text("INSERT INTO counter (id, value) VALUES (1, 0)"))


async def _read_then_write(db: Database, pause: float = 0.0) -> None:
    async with db.session() as session:
        value = (await session.execute(text("SELECT value FROM counter WHERE id = 1"))).scalar_one()
        await asyncio.sleep(pause)  # another person's update is handled meanwhile
        await session.execute(text("UPDATE counter SET value = :value WHERE id = 1"), {"value": value + 1})


async def _value(db: Database) -> int:
    async with db.session() as session:
        found: int = (await session.execute(text("SELECT value FROM counter WHERE id = 1"))).scalar_one()
        return found


async def test_many_units_of_work_at_once_all_land(sqlite_url: str, keyring: Keyring) -> None:
    db = Database(sqlite_url, keyring, connections=16)
    try:
        await _counter(db)
        await asyncio.gather(*(_read_then_write(db, pause=0.001) for _ in range(40)))
        assert await _value(db) == 40
    finally:
        await db.dispose()


async def test_another_process_holding_the_lock_is_waited_for(sqlite_url: str, keyring: Keyring) -> None:
    db = Database(sqlite_url, keyring)
    try:
        await _counter(db)
        path = sqlite_path(sqlite_url)
        assert path is not None
        locked, release = threading.Event(), threading.Event()

        def other_writer(database_file: Path) -> None:
            # Another process: a plain connection that takes the write lock and keeps it a moment.
            connection = sqlite3.connect(database_file, isolation_level=None)
            try:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("UPDATE counter SET value = value + 100 WHERE id = 1")
                locked.set()
                release.wait(5)
                connection.execute("COMMIT")
            finally:
                connection.close()

        writer = threading.Thread(target=other_writer, args=(path,))
        writer.start()
        try:
            assert await asyncio.to_thread(locked.wait, 5)
            ours = asyncio.create_task(_read_then_write(db, pause=0.3))
            await asyncio.sleep(0.2)  # ours is waiting for its turn (begun deferred, it would have read)
            release.set()
            await asyncio.wait_for(ours, 10)
        finally:
            release.set()
            await asyncio.to_thread(writer.join, 5)
        assert await _value(db) == 101  # read after the other commit, so nothing was lost either
    finally:
        await db.dispose()


async def test_a_session_inside_another_is_refused(sqlite_url: str, keyring: Keyring) -> None:
    db = Database(sqlite_url, keyring)
    try:
        async with db.session():
            with pytest.raises(RuntimeError, match="inside another"):
                async with db.session():
                    pass
        # A task started inside a session is another unit of work: it waits its turn.
        async with db.session():
            child = asyncio.create_task(_value_or_none(db))
        assert await asyncio.wait_for(child, 5) is None
    finally:
        await db.dispose()


async def _value_or_none(db: Database) -> None:
    async with db.session() as session:
        await session.execute(text("SELECT 1"))
