"""Databases for tests: SQLite always, PostgreSQL too when LIAISON_TEST_POSTGRES_URL is set.

Each test gets an empty, fully migrated database: a copy of a migrated SQLite file, or
a PostgreSQL database created for this test session and truncated between tests.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from storage.crypto.keyring import DataKey, Keyring
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Base

POSTGRES_ENV = "LIAISON_TEST_POSTGRES_URL"


def postgres_admin_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def backends() -> list[str]:
    return ["sqlite", "postgres"] if postgres_admin_url() else ["sqlite"]


def make_keyring(*ids: str) -> Keyring:
    keys = [DataKey.generate(key_id) for key_id in (ids or ("k1",))]
    return Keyring(keys, os.urandom(32))


async def _admin(sql: str) -> None:
    admin = postgres_admin_url()
    assert admin is not None
    engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(sql))
    await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "liaison.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """A throwaway PostgreSQL database for this test session, migrated to head."""
    admin = postgres_admin_url()
    if admin is None:
        yield None
        return
    import asyncio

    name = f"liaison_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = admin.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    yield url
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _truncate(url: str) -> None:
    engine = create_async_engine(url)
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "liaison.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(params=backends())
async def database_url(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path, postgres_url: str | None
) -> AsyncIterator[str]:
    """Parametrised over SQLite and (when configured) PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "liaison.db"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite+aiosqlite:///{path}"
    else:
        assert postgres_url is not None
        await _truncate(postgres_url)
        yield postgres_url


@pytest.fixture
def keyring() -> Keyring:
    return make_keyring("k1")


@pytest.fixture
async def database(database_url: str, keyring: Keyring) -> AsyncIterator[Database]:
    db = Database(database_url, keyring)
    yield db
    await db.dispose()


@pytest.fixture
async def sqlite_database(sqlite_url: str, keyring: Keyring) -> AsyncIterator[Database]:
    db = Database(sqlite_url, keyring)
    yield db
    await db.dispose()
