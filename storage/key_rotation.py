"""Re-sealing every encrypted field under the active key, in resumable batches."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select, update

from storage.crypto.keyring import field_aad
from storage.db import Database
from storage.models import Base, KeyCanary
from storage.sealed import Envelope, sealed_attributes

Progress = Callable[[str, int], None]


@dataclass
class ResealReport:
    examined: int = 0
    resealed: int = 0
    per_table: dict[str, int] = field(default_factory=dict)
    retired_keys: list[str] = field(default_factory=list)


def sealed_tables() -> list[tuple[Any, Any, list[str]]]:
    """(table, primary key column, sealed column names) for every model with sealed fields."""
    found = []
    for mapper in Base.registry.mappers:
        attributes = sealed_attributes(mapper)
        if attributes:
            table = mapper.local_table
            found.append((table, next(iter(table.primary_key)), [column for _, column in attributes]))
    return sorted(found, key=lambda item: item[0].name)


async def reseal_all(
    db: Database, *, batch_size: int = 500, progress: Progress | None = None
) -> ResealReport:
    """Re-seal what an older key sealed. Each batch commits, so an interrupted run resumes where it stopped."""
    keyring = db.keyring
    report = ResealReport()
    for table, primary_key, columns in sealed_tables():
        last: Any = None
        while True:
            query = (
                select(primary_key, *(table.c[name] for name in columns))
                .order_by(primary_key)
                .limit(batch_size)
            )
            if last is not None:
                query = query.where(primary_key > last)
            async with db.session() as session:
                rows = (await session.execute(query)).all()
                for row in rows:
                    row_id, values = row[0], row[1:]
                    changes = {}
                    for name, value in zip(columns, values, strict=True):
                        if isinstance(value, Envelope) and keyring.needs_reseal(value.data):
                            aad = field_aad(table.name, name, str(row_id))
                            changes[name] = Envelope(keyring.reseal(value.data, aad))
                    if changes:
                        await session.execute(update(table).where(primary_key == row_id).values(**changes))
                        report.resealed += 1
                        report.per_table[table.name] = report.per_table.get(table.name, 0) + 1
                report.examined += len(rows)
            if progress is not None:
                progress(table.name, len(rows))
            if len(rows) < batch_size:
                break
            last = rows[-1][0]
    async with db.session() as session:
        retired = await session.scalars(
            select(KeyCanary.key_id).where(KeyCanary.key_id != keyring.active_key_id)
        )
        report.retired_keys = sorted(retired)
        await session.execute(delete(KeyCanary).where(KeyCanary.key_id != keyring.active_key_id))
    return report


async def rotation_in_progress(db: Database) -> bool:
    """True when data may still be sealed under a key other than the active one."""
    async with db.session() as session:
        others = await session.scalar(
            select(KeyCanary.key_id).where(KeyCanary.key_id != db.keyring.active_key_id).limit(1)
        )
    return others is not None
