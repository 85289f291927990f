"""Appending to and verifying the hash-chained audit log."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry

GENESIS = "0" * 64


def entry_digest(
    previous_hash: str, at: datetime, actor: str, action: str, subject_type: str, subject_id: str
) -> str:
    parts = (previous_hash, at.isoformat(), actor, action, subject_type, subject_id)
    # Length-prefixing keeps "a|b" + "c" and "a" + "b|c" apart.
    material = b"".join(len(p.encode()).to_bytes(4, "big") + p.encode() for p in parts)
    return hashlib.sha256(material).hexdigest()


async def append(
    session: AsyncSession, *, at: datetime, actor: str, action: str, subject_type: str, subject_id: str
) -> AuditEntry:
    """Add one entry chained onto the newest. Ids only: never pass names, texts or addresses."""
    newest = await session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    previous = newest.entry_hash if newest is not None else GENESIS
    entry = AuditEntry(
        at=at,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        previous_hash=previous,
        entry_hash=entry_digest(previous, at, actor, action, subject_type, subject_id),
    )
    session.add(entry)
    await session.flush()
    return entry


@dataclass(frozen=True)
class ChainProblem:
    entry_id: int
    reason: str


async def verify(session: AsyncSession) -> list[ChainProblem]:
    """Every entry whose hash or link does not match: an edit, a deletion or an insertion."""
    problems: list[ChainProblem] = []
    previous = GENESIS
    for entry in await session.scalars(select(AuditEntry).order_by(AuditEntry.id)):
        if entry.previous_hash != previous:
            problems.append(
                ChainProblem(entry.id, "does not link to the entry before it (one was removed or changed)")
            )
        expected = entry_digest(
            entry.previous_hash, entry.at, entry.actor, entry.action, entry.subject_type, entry.subject_id
        )
        if entry.entry_hash != expected:
            problems.append(ChainProblem(entry.id, "its content does not match its hash (it was edited)"))
        previous = entry.entry_hash
    return problems
