"""`INSERT … ON CONFLICT` for the database in use, loading only that database's SQLAlchemy dialect.

PostgreSQL and SQLite spell it alike but SQLAlchemy builds it per dialect; importing both at the
top of each repository cost an SQLite install about 2 MB for the PostgreSQL dialect (issue 16).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
    from sqlalchemy.dialects.sqlite import Insert as SqliteInsert


def insert_for(dialect_name: str) -> Callable[[Any], PostgresInsert | SqliteInsert]:
    """The dialect's `insert` (with `on_conflict_do_nothing`) for `dialect_name` ("postgresql" or
    "sqlite", as `session.get_bind().dialect.name` gives it)."""
    if dialect_name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgres_insert

        return postgres_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert
