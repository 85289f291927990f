"""Apply Alembic migrations from code (`liaison migrate`, `make run`, and the tests)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Alembic's option parser treats '%' as interpolation.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Bring the schema to `revision`; safe to run on every start.

    Each feature adds its tables in a migration branching from the foundation, so the
    default target is every head.
    """
    if database_url.startswith("sqlite"):
        path = database_url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


async def upgrade_async(database_url: str, revision: str = "heads") -> None:
    """`upgrade` from inside a running event loop (Alembic's async env runs its own loop)."""
    await asyncio.to_thread(upgrade, database_url, revision)


class SchemaOutOfDateError(Exception):
    """The database schema is behind the code."""


async def check_schema(engine: AsyncEngine, database_url: str) -> None:
    """Refuse to run on a schema that is not at every head; migrations are an explicit step."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    async with engine.connect() as connection:
        current = set(
            await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_heads())
        )
    heads = set(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())
    if current != heads:
        raise SchemaOutOfDateError(
            "the database schema is not up to date: run `liaison migrate` (or `make run`)"
        )
