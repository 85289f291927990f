"""Apply Alembic migrations from code (`liaison migrate`, `make run`, and the tests)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
APPLIED = "liaison.applied"
"""Key of the list in the Alembic config's attributes that env.py fills with the revisions it applies."""


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Alembic's option parser treats '%' as interpolation.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "heads") -> list[str]:
    """Bring the schema to `revision`; safe to run on every start. Returns the revisions applied.

    Each feature adds its tables in a migration branching from the foundation, so the
    default target is every head.
    """
    if database_url.startswith("sqlite"):
        path = database_url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    config = alembic_config(database_url)
    applied: list[str] = []
    config.attributes[APPLIED] = applied  # env.py appends each revision it runs
    command.upgrade(config, revision)
    return applied


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


async def upgrade_async(database_url: str, revision: str = "heads") -> list[str]:
    """`upgrade` from inside a running event loop (Alembic's async env runs its own loop)."""
    return await asyncio.to_thread(upgrade, database_url, revision)


class SchemaOutOfDateError(Exception):
    """The database schema is behind the code."""


@dataclass(frozen=True)
class SchemaState:
    """The revisions the database is at, against the heads of the code's migrations (several branches)."""

    current: frozenset[str]
    heads: frozenset[str]
    known: frozenset[str]  # every revision the code has

    @property
    def up_to_date(self) -> bool:
        return self.current == self.heads

    def explain(self) -> str:
        """What is wrong, in words, and what to do; for doctor and for refusing to start."""
        if self.up_to_date:
            return f"the schema is up to date ({len(self.heads)} migration branches)"
        if not self.current:
            return "the database has no schema yet: run `liaison migrate` (or `make run`)"
        unknown = sorted(self.current - self.known)
        if unknown:
            return (
                f"the database was migrated by a newer Liaison (revision {', '.join(unknown)} is not in "
                "this code): run the newer version, or restore a matching backup"
            )
        return (
            f"the schema is behind the code ({len(self.heads - self.current)} of "
            f"{len(self.heads)} migration branches not applied): run `liaison migrate`"
        )


async def schema_state(engine: AsyncEngine, database_url: str) -> SchemaState:
    """Where the database's schema is; uses the multi-head API, since each feature is its own branch."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    async with engine.connect() as connection:
        current = await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_heads())
    script = ScriptDirectory.from_config(alembic_config(database_url))
    return SchemaState(
        current=frozenset(current),
        heads=frozenset(script.get_heads()),
        known=frozenset(r.revision for r in script.walk_revisions()),
    )


async def check_schema(engine: AsyncEngine, database_url: str) -> None:
    """Refuse to run on a schema that is not at every head; migrations are an explicit step."""
    state = await schema_state(engine, database_url)
    if not state.up_to_date:
        raise SchemaOutOfDateError(state.explain())
