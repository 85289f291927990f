"""Appending to and verifying the keyed, hash-chained audit log, and its checkpoints.

Each entry's hash is an HMAC-SHA256, under a key of its own derived from the server's
blind-index key (never a data key), over the previous entry's hash and the entry's
fields. Someone who edits a row, inserts one or recomputes the chain without that key
breaks verification. Someone who holds the server's keys could recompute a consistent
chain, or cut its newest entries; a checkpoint kept outside the database (`count:hash`
of the head, printed by `liaison audit checkpoint` and sent to administrators daily)
catches both.

Entries written before the chain was keyed (plain SHA-256) are accepted only as a prefix
that a keyed entry chains onto, so they cannot be rewritten without the key either.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto.keyring import Keyring
from storage.models import AuditEntry
from storage.sealed import keyring_of

GENESIS = "0" * 64
_CHECKPOINT = re.compile(r"([0-9]+):([0-9a-f]{64})")


def chain_key(keyring: Keyring) -> bytes:
    """The audit chain's HMAC key: derived from the index key under its own label, never stored."""
    return keyring.blind_index("audit:chain-key/v1", "key")


def _material(
    previous_hash: str, at: datetime, actor: str, action: str, subject_type: str, subject_id: str
) -> bytes:
    parts = (previous_hash, at.isoformat(), actor, action, subject_type, subject_id)
    # Length-prefixing keeps "a|b" + "c" and "a" + "b|c" apart.
    return b"".join(len(p.encode()).to_bytes(4, "big") + p.encode() for p in parts)


def entry_digest(
    key: bytes, previous_hash: str, at: datetime, actor: str, action: str, subject_type: str, subject_id: str
) -> str:
    material = _material(previous_hash, at, actor, action, subject_type, subject_id)
    return hmac.new(key, material, hashlib.sha256).hexdigest()


def legacy_digest(
    previous_hash: str, at: datetime, actor: str, action: str, subject_type: str, subject_id: str
) -> str:
    """The unkeyed hash of entries written before the chain was keyed."""
    return hashlib.sha256(_material(previous_hash, at, actor, action, subject_type, subject_id)).hexdigest()


async def append(
    session: AsyncSession, *, at: datetime, actor: str, action: str, subject_type: str, subject_id: str
) -> AuditEntry:
    """Add one entry chained onto the newest. Ids only: never pass names, texts or addresses."""
    newest = await session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    previous = newest.entry_hash if newest is not None else GENESIS
    key = chain_key(keyring_of(session.sync_session))
    entry = AuditEntry(
        at=at,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        previous_hash=previous,
        entry_hash=entry_digest(key, previous, at, actor, action, subject_type, subject_id),
    )
    session.add(entry)
    await session.flush()
    return entry


def staff_actor(staff_id: object) -> str:
    """How an entry names a staff member who acted: by the id of their staff row only."""
    return f"staff:{staff_id}"


async def staff_action(
    session: AsyncSession,
    staff_id: uuid.UUID,
    action: str,
    *,
    subject_type: str,
    subject_id: object,
    now: datetime,
) -> AuditEntry:
    """Record what a staff member did to one subject, by ids only."""
    return await append(
        session,
        at=now,
        actor=staff_actor(staff_id),
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
    )


@dataclass(frozen=True)
class ChainProblem:
    entry_id: int
    reason: str


@dataclass(frozen=True)
class Checkpoint:
    """The head of the chain at some moment: how many entries, and the newest one's hash."""

    count: int
    head: str

    def __str__(self) -> str:
        return f"{self.count}:{self.head}"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        found = _CHECKPOINT.fullmatch(text.strip())
        if found is None:
            raise ValueError("a checkpoint is COUNT:HASH, as `liaison audit checkpoint` prints it")
        return cls(int(found.group(1)), found.group(2))


async def checkpoint(session: AsyncSession) -> Checkpoint:
    """The current head, to keep outside the database."""
    count = int(await session.scalar(select(func.count()).select_from(AuditEntry)) or 0)
    newest = await session.scalar(select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1))
    return Checkpoint(count, newest or GENESIS)


async def verify(session: AsyncSession, checkpoints: tuple[Checkpoint, ...] = ()) -> list[ChainProblem]:
    """Every entry whose hash or link does not match (an edit, a deletion, an insertion, a chain
    recomputed without the key), and every checkpoint the log no longer agrees with (a chain
    recomputed with the key, newest entries cut)."""
    key = chain_key(keyring_of(session.sync_session))
    problems: list[ChainProblem] = []
    previous = GENESIS
    legacy: list[int] = []
    keyed_seen = False
    heads: list[tuple[int, str]] = []
    for entry in await session.scalars(select(AuditEntry).order_by(AuditEntry.id)):
        heads.append((entry.id, entry.entry_hash))
        if entry.previous_hash != previous:
            problems.append(
                ChainProblem(entry.id, "does not link to the entry before it (one was removed or changed)")
            )
        fields = (
            entry.previous_hash,
            entry.at,
            entry.actor,
            entry.action,
            entry.subject_type,
            entry.subject_id,
        )
        if hmac.compare_digest(entry.entry_hash, entry_digest(key, *fields)):
            keyed_seen = True
        elif not keyed_seen and entry.entry_hash == legacy_digest(*fields):
            legacy.append(entry.id)  # written before the chain was keyed; fine if a keyed entry follows
        else:
            problems.append(ChainProblem(entry.id, "its content does not match its hash (it was edited)"))
        previous = entry.entry_hash
    if legacy and not keyed_seen:
        problems.append(
            ChainProblem(legacy[0], "no entry is keyed: the chain may have been recomputed without the key")
        )
    for point in checkpoints:
        if point.count > len(heads):
            problems.append(
                ChainProblem(
                    heads[-1][0] if heads else 0,
                    f"the log has {len(heads)} entries but a checkpoint saw {point.count}: "
                    "the newest entries were removed",
                )
            )
        elif point.count > 0 and heads[point.count - 1][1] != point.head:
            problems.append(
                ChainProblem(
                    heads[point.count - 1][0],
                    f"entry number {point.count} differs from the checkpoint: the log before it was rewritten",
                )
            )
    return problems
