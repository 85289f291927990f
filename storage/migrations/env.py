"""Alembic environment: async engines, the models' metadata, batch mode for SQLite."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping
from typing import Any, Literal

from alembic import context
from alembic.runtime.migration import MigrationContext, MigrationInfo
from sqlalchemy.engine import Connection

from storage.db import create_engine
from storage.migrate import APPLIED
from storage.models import Base

target_metadata = Base.metadata


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Migrations name plain SQL types, so later changes to our Python types never rewrite history."""
    from storage.models.base import UtcDateTime
    from storage.sealed import SealedText

    if type_ == "type" and isinstance(obj, SealedText):
        return "sa.LargeBinary()"
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    # `storage.migrate.upgrade` passes a list to learn which revisions ran (applied or up to date).
    applied: list[str] | None = context.config.attributes.get(APPLIED)

    def record(
        ctx: MigrationContext, step: MigrationInfo, heads: Collection[Any], run_args: Mapping[str, Any]
    ) -> None:
        if applied is not None and step.is_upgrade and step.up_revision_id is not None:
            applied.append(str(step.up_revision_id))

    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
        on_version_apply=record,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=context.config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
