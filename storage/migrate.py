"""Apply Alembic migrations from code (`liaison migrate`, `make run`, and the tests), and check
that a database's schema is at every head before a process uses it.

The check runs at every start (`open_services`), so it does not load Alembic (about 6 MB of
memory that an idle bot would hold for nothing, issue 16): it reads the revision graph from the
migration scripts' own `revision` and `down_revision` lines and the applied revisions from
Alembic's version table. `tests/test_import_weight.py` checks it against Alembic's own reading.
"""

from __future__ import annotations

import ast
import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSIONS_DIR = MIGRATIONS_DIR / "versions"
APPLIED = "liaison.applied"
"""Key of the list in the Alembic config's attributes that env.py fills with the revisions it applies."""


def alembic_config(database_url: str) -> Config:
    from alembic.config import Config

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
    from alembic import command

    command.upgrade(config, revision)
    return applied


def downgrade(database_url: str, revision: str) -> None:
    from alembic import command

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


def revision_graph(versions_dir: Path = VERSIONS_DIR) -> dict[str, frozenset[str]]:
    """Each migration's revision and the revisions it follows, read (not imported) from the scripts:
    `revision = "…"` and `down_revision = None | "…" | ("…", "…")` at their top level."""
    graph: dict[str, frozenset[str]] = {}
    for script in sorted(versions_dir.glob("*.py")):
        if script.name.startswith(("__init__", ".#")):  # what Alembic skips too
            continue
        values: dict[str, object] = {}
        for statement in ast.parse(script.read_text(encoding="utf-8"), str(script)).body:
            if isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None:
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                for target in targets:
                    if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                        values[target.id] = ast.literal_eval(statement.value)
        revision, follows = values.get("revision"), values.get("down_revision")
        if not isinstance(revision, str):
            raise ValueError(f"{script.name} names no revision")
        if isinstance(follows, str):
            follows = (follows,)
        if not isinstance(follows, tuple | list | type(None)):
            raise ValueError(f"{script.name}: down_revision is neither None, a revision nor a tuple of them")
        graph[revision] = frozenset(str(parent) for parent in follows or ())
    return graph


async def schema_state(engine: AsyncEngine, database_url: str) -> SchemaState:
    """Where the database's schema is, against every head (each feature is its own branch).
    `database_url` is no longer read (the engine says it all); callers still pass it."""

    def applied(sync: Connection) -> list[str]:
        # Alembic's own version table, under its default name (env.py does not change it).
        if not inspect(sync).has_table("alembic_version"):
            return []
        return [str(row[0]) for row in sync.execute(text("SELECT version_num FROM alembic_version"))]

    async with engine.connect() as connection:
        current = await connection.run_sync(applied)
    graph = revision_graph()
    followed = frozenset().union(*graph.values())
    return SchemaState(
        current=frozenset(current),
        heads=frozenset(revision for revision in graph if revision not in followed),
        known=frozenset(graph),
    )


async def check_schema(engine: AsyncEngine, database_url: str) -> None:
    """Refuse to run on a schema that is not at every head; migrations are an explicit step."""
    state = await schema_state(engine, database_url)
    if not state.up_to_date:
        raise SchemaOutOfDateError(state.explain())
