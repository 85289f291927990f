"""Outbox rows: batched inserts, claims with a lease, and the record of each attempt.

Claims take due rows in one statement: `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several
worker processes never take the same row; on SQLite the statement runs under the single
writer lock. A claim carries a lease and a fencing token (the row's `claims` counter, raised
by every claim); a worker that dies leaves its claims to expire, and the next claim takes
them again, before newer queued rows. Progress is written per row after the channel
confirmed (or refused) the send, never when a batch is fetched, and only where the token
still matches: a worker whose claim was taken over cannot overwrite the new claim's outcome.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, bindparam, case, func, or_, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto.keyring import Keyring, field_aad
from storage.models.outbox import (
    TERMINAL_STATES,
    Broadcast,
    BroadcastState,
    OutboxMessage,
    OutboxState,
    OutboxTemplate,
)
from storage.models.people import ChannelAddress
from storage.sealed import Envelope, SealedText
from storage.upsert import insert_for

OUTBOX: Table = OutboxMessage.__table__  # type: ignore[assignment]
ADDRESSES: Table = ChannelAddress.__table__  # type: ignore[assignment]

# A row in a terminal state keeps no content: what was (or would have been) sent is dropped.
NO_CONTENT: Mapping[str, None] = {"body": None, "subject": None, "html": None, "attachment": None}
CHUNK = 5_000
ACTIVE_STATES = (OutboxState.QUEUED.value, OutboxState.CLAIMED.value)


async def address_channels(session: AsyncSession, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The channel of each address id that exists."""
    found: dict[uuid.UUID, str] = {}
    pending = list(ids)
    for start in range(0, len(pending), CHUNK):
        chunk = pending[start : start + CHUNK]
        rows = await session.execute(
            select(ADDRESSES.c.id, ADDRESSES.c.channel).where(ADDRESSES.c.id.in_(chunk))
        )
        found.update({row.id: row.channel for row in rows})
    return found


async def insert_rows(
    session: AsyncSession, rows: Sequence[Mapping[str, Any]], *, fresh_keys: bool = False
) -> int:
    """`insert_columns` for rows given one mapping each (every row with the same keys)."""
    if not rows:
        return 0
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    return await insert_columns(session, columns, fresh_keys=fresh_keys)


async def insert_columns(
    session: AsyncSession, columns: Mapping[str, Sequence[Any]], *, fresh_keys: bool = False
) -> int:
    """Insert outbox rows given column by column, skipping those whose idempotency key exists.

    Returns the count inserted. Every column holds one value per row; sealed columns hold
    `Envelope`s or None (anything else is refused, as the column type refuses it). Values go
    to the driver with each column's bind step run once per column (once per distinct value
    where values repeat): SQLAlchemy's per-row parameter machinery would cost more than the
    insert itself at 100,000 rows. PostgreSQL takes each chunk as one statement over arrays
    (`INSERT ... SELECT FROM unnest(...)`), which asyncpg encodes in binary and the server
    plans once; SQLite takes the driver's executemany. `fresh_keys`: the caller made keys that
    cannot exist yet (a new broadcast's id is in each), so SQLite need not count changes.
    """
    names = list(columns)
    if set(names) != set(ROW_COLUMNS):
        # Column defaults are not applied on this path, so every backend gets every value.
        raise ValueError(f"outbox rows are inserted with exactly these columns: {', '.join(ROW_COLUMNS)}")
    count = len(columns[names[0]])
    if not count:
        return 0
    if any(len(values) != count for values in columns.values()):
        raise ValueError("every outbox column needs one value per row")
    dialect = session.get_bind().dialect
    prepared = [_bind_column(name, columns[name], dialect) for name in names]
    connection = await session.connection()
    inserted = 0
    if dialect.name == "postgresql":
        # A column with one value for every row is sent once, not as an array: asyncpg checks
        # each array element's type in Python.
        constant = {
            name
            for name, values in zip(names, prepared, strict=True)
            if name in _SHARED and values.count(values[0]) == count
        }
        statement = _unnest_insert(names, constant, dialect)
        for start in range(0, count, CHUNK):
            parameters = tuple(
                values[0] if name in constant else values[start : start + CHUNK]
                for name, values in zip(names, prepared, strict=True)
            )
            result = await connection.exec_driver_sql(statement, parameters)
            inserted += result.rowcount
        return inserted
    insert_ = insert_for("sqlite")(OUTBOX).on_conflict_do_nothing(index_elements=["idempotency_key"])
    compiled = insert_.compile(dialect=dialect, column_keys=names)
    order = [names.index(name) for name in compiled.positiontup or []]
    rows = list(zip(*(prepared[index] for index in order), strict=True))
    for start in range(0, count, CHUNK):
        before = 0 if fresh_keys else await _total_changes(session)
        await connection.exec_driver_sql(str(compiled), rows[start : start + CHUNK])
        inserted += min(len(rows) - start, CHUNK) if fresh_keys else await _total_changes(session) - before
    return inserted


def _unnest_insert(names: Sequence[str], constant: Collection[str], dialect: Dialect) -> str:
    # Each parameter is cast to its column's type, so asyncpg encodes it without a type lookup.
    def cast(number: int, name: str) -> str:
        return f"${number}::{OUTBOX.c[name].type.compile(dialect=dialect)}"

    arrays = [name for name in names if name not in constant]
    values = [name if name not in constant else cast(number, name) for number, name in enumerate(names, 1)]
    unnest = ", ".join(cast(number, name) + "[]" for number, name in enumerate(names, 1) if name in arrays)
    # Only the table's own column names and types go into the text (insert_columns refuses any other
    # name); every value travels as a numbered parameter.
    return (
        f"INSERT INTO {OUTBOX.name} ({', '.join(names)}) SELECT {', '.join(values)} "  # nosec B608
        f"FROM unnest({unnest}) AS batch({', '.join(arrays)}) ON CONFLICT (idempotency_key) DO NOTHING"
    )


# What a new row is given; the rest (claims, lease, outcome) starts empty or at its server default.
ROW_COLUMNS = (
    "id",
    "idempotency_key",
    "address_id",
    "channel",
    "state",
    "send_after",
    "created_at",
    "broadcast_id",
    "template_id",
    "body",
    "subject",
    "html",
    "attachment",
    "protect_content",
    "attempts",
    "unknown_outcomes",
)

# Columns whose values repeat across a batch (one moment, one state, one broadcast): their bind
# step runs once per distinct value.
_SHARED = frozenset(
    {
        "channel",
        "state",
        "send_after",
        "created_at",
        "broadcast_id",
        "template_id",
        "protect_content",
        "attempts",
        "unknown_outcomes",
    }
)


def _bind_column(name: str, values: Sequence[Any], dialect: Dialect) -> list[Any]:
    """The column's values as the driver takes them."""
    column_type = OUTBOX.c[name].type
    if isinstance(column_type, SealedText):
        # Envelopes are written as their bytes, which both drivers take as they are; anything
        # else goes through the type, which refuses plaintext.
        process_sealed = column_type._cached_bind_processor(dialect)
        assert process_sealed is not None
        return [
            value.data if value.__class__ is Envelope else None if value is None else process_sealed(value)
            for value in values
        ]
    process = column_type._cached_bind_processor(dialect)
    if process is None:
        return list(values)
    if name not in _SHARED:
        return [None if value is None else process(value) for value in values]
    memo: dict[Any, Any] = {None: None}
    bound: list[Any] = []
    for value in values:
        try:
            bound.append(memo[value])
        except KeyError:
            found = memo[value] = process(value)
            bound.append(found)
    return bound


async def _total_changes(session: AsyncSession) -> int:
    value = await session.scalar(select(func.total_changes()))
    return int(value or 0)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


# --- claims ---


@dataclass(frozen=True)
class ClaimedRow:
    """A claimed row as the worker needs it; sealed fields still sealed."""

    id: uuid.UUID
    address_id: uuid.UUID
    channel: str
    broadcast_id: uuid.UUID | None
    template_id: uuid.UUID | None
    body: Envelope | None
    subject: Envelope | None
    html: Envelope | None
    attachment: Envelope | None
    protect_content: bool
    attempts: int
    claims: int = 0  # the fencing token of this claim


def _due(channel: str, now: datetime) -> Any:
    return and_(
        OUTBOX.c.channel == channel,
        or_(
            and_(OUTBOX.c.state == OutboxState.QUEUED.value, OUTBOX.c.send_after <= now),
            and_(OUTBOX.c.state == OutboxState.CLAIMED.value, OUTBOX.c.lease_until < now),
        ),
    )


async def claim(
    session: AsyncSession,
    *,
    channel: str,
    worker: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    holding: Collection[uuid.UUID] = (),
) -> list[ClaimedRow]:
    """Take up to `limit` due rows of `channel` for `worker` until `now + lease`.

    Rows whose earlier claim expired come first (their recipients have waited longest, and
    their message may have been in flight when a worker died), then queued rows by `send_after`.
    Rows in `holding` (the worker has their outcome, not yet written) are never taken.
    """
    expired_first = case((OUTBOX.c.state == OutboxState.CLAIMED.value, 0), else_=1)
    due = (
        select(OUTBOX.c.id)
        .where(_due(channel, now))
        .order_by(expired_first, OUTBOX.c.send_after)
        .limit(limit)
    )
    if holding:
        due = due.where(OUTBOX.c.id.not_in(list(holding)))
    if _dialect(session) == "postgresql":
        due = due.with_for_update(skip_locked=True)
    picked = due.cte("due")
    statement = (
        update(OUTBOX)
        .where(OUTBOX.c.id == picked.c.id)
        .values(
            state=OutboxState.CLAIMED.value,
            claimed_by=worker,
            lease_until=now + lease,
            claims=OUTBOX.c.claims + 1,
        )
        .returning(
            OUTBOX.c.id,
            OUTBOX.c.address_id,
            OUTBOX.c.channel,
            OUTBOX.c.broadcast_id,
            OUTBOX.c.template_id,
            OUTBOX.c.body,
            OUTBOX.c.subject,
            OUTBOX.c.html,
            OUTBOX.c.attachment,
            OUTBOX.c.protect_content,
            OUTBOX.c.attempts,
            OUTBOX.c.claims,
        )
    )
    rows = (await session.execute(statement)).all()
    return [ClaimedRow(**row._mapping) for row in rows]


@dataclass(frozen=True)
class AddressInfo:
    address: str
    reachable: bool


async def open_addresses(
    session: AsyncSession, keyring: Keyring, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, AddressInfo]:
    """The plaintext address of each id, and whether it is still reachable."""
    found: dict[uuid.UUID, AddressInfo] = {}
    pending = list(ids)
    for start in range(0, len(pending), CHUNK):
        chunk = pending[start : start + CHUNK]
        rows = await session.execute(
            select(ADDRESSES.c.id, ADDRESSES.c.address, ADDRESSES.c.unreachable_at).where(
                ADDRESSES.c.id.in_(chunk)
            )
        )
        for row in rows:
            text = keyring.open_text(row.address.data, field_aad("channel_addresses", "address", row.id))
            found[row.id] = AddressInfo(text, row.unreachable_at is None)
    return found


def open_field(keyring: Keyring, row_id: uuid.UUID, column: str, value: Envelope | None) -> str | None:
    if value is None:
        return None
    return keyring.open_text(value.data, field_aad("outbox", column, row_id))


async def template(session: AsyncSession, template_id: uuid.UUID) -> OutboxTemplate | None:
    return await session.get(OutboxTemplate, template_id)


async def retry_unknown_of(
    session: AsyncSession, broadcast_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, bool]:
    if not broadcast_ids:
        return {}
    rows = await session.execute(
        select(Broadcast.id, Broadcast.retry_unknown).where(Broadcast.id.in_(list(broadcast_ids)))
    )
    return {row.id: row.retry_unknown for row in rows}


# --- recording attempts ---


@dataclass(frozen=True)
class RowUpdate:
    """What to write for one row after an attempt."""

    id: uuid.UUID
    address_id: uuid.UUID
    state: OutboxState
    attempts: int
    send_after: datetime | None = None
    unknown: bool = False
    error: str | None = None
    unreachable: str | None = None
    claim: int | None = None  # the claim's fencing token; None writes unconditionally


async def record(session: AsyncSession, updates: Sequence[RowUpdate], *, now: datetime) -> int:
    """Write the outcome of attempts: sent rows in a few statements, the rest row by row (batched).

    A row is written only while its `claims` counter still equals the update's token; the
    count of updates refused because another claim took the row over is returned, for sent
    rows only: the other outcomes are written in one executemany, whose row count is not read.
    """
    stale = 0
    sent_by_token: dict[int | None, list[uuid.UUID]] = {}
    for u in updates:
        if u.state is OutboxState.SENT:
            sent_by_token.setdefault(u.claim, []).append(u.id)
    for token, sent in sent_by_token.items():
        fence = [] if token is None else [OUTBOX.c.claims == token]
        for start in range(0, len(sent), CHUNK):
            chunk = sent[start : start + CHUNK]
            result = await session.execute(
                update(OUTBOX)
                .where(OUTBOX.c.id.in_(chunk), *fence)
                .values(
                    state=OutboxState.SENT.value,
                    finished_at=now,
                    attempts=OUTBOX.c.attempts + 1,
                    claimed_by=None,
                    lease_until=None,
                    # Delivered content is no longer needed: drop it.
                    **NO_CONTENT,
                )
                .execution_options(synchronize_session=False)
            )
            written = getattr(result, "rowcount", -1)
            if written is not None and written >= 0:
                stale += len(chunk) - written
    others = [u for u in updates if u.state is not OutboxState.SENT]
    if others:
        statement = (
            update(OUTBOX)
            .where(
                OUTBOX.c.id == bindparam("row_id"),
                # No token (None): no fence.
                OUTBOX.c.claims
                == func.coalesce(bindparam("token", type_=OUTBOX.c.claims.type), OUTBOX.c.claims),
            )
            .values(
                state=bindparam("new_state"),
                attempts=bindparam("new_attempts"),
                send_after=func.coalesce(
                    bindparam("new_send_after", type_=OUTBOX.c.send_after.type), OUTBOX.c.send_after
                ),
                unknown_outcomes=OUTBOX.c.unknown_outcomes + bindparam("unknown_add"),
                last_error=bindparam("error"),
                claimed_by=None,
                lease_until=None,
                finished_at=bindparam("new_finished_at", type_=OUTBOX.c.finished_at.type),
            )
            .execution_options(synchronize_session=False)
        )
        await session.connection()
        await session.execute(
            statement,
            [
                {
                    "row_id": u.id,
                    "new_state": u.state.value,
                    "new_attempts": u.attempts,
                    "new_send_after": u.send_after,
                    "unknown_add": 1 if u.unknown else 0,
                    "error": u.error,
                    "new_finished_at": None if u.state is OutboxState.QUEUED else now,
                    "token": u.claim,
                }
                for u in others
            ],
        )
    # Content of a row that will never be sent again (failed, dead, unknown, cancelled) is dropped
    # like that of a sent one: nobody should be able to read an undelivered reply with the server's keys.
    # Only rows that are final now: an outcome the fence refused must not empty a row that a
    # newer claim holds (it would be sent with no text).
    finished = [u.id for u in others if u.state in TERMINAL_STATES]
    final = [state.value for state in TERMINAL_STATES]
    for start in range(0, len(finished), CHUNK):
        await session.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id.in_(finished[start : start + CHUNK]), OUTBOX.c.state.in_(final))
            .values(**NO_CONTENT)
            .execution_options(synchronize_session=False)
        )
    unreachable = {u.address_id: u.unreachable for u in updates if u.unreachable}
    if unreachable:
        await mark_unreachable(session, unreachable, now=now)
    return stale


async def mark_unreachable(session: AsyncSession, reasons: Mapping[uuid.UUID, str], *, now: datetime) -> None:
    """Mark addresses unreachable and cancel what is still queued for them."""
    from storage.repositories import people

    for address_id, reason in reasons.items():
        address = await session.get(ChannelAddress, address_id)
        if address is not None and address.unreachable_at is None:
            await people.mark_unreachable(session, address, now=now, reason=reason)
    await cancel_for_addresses(session, list(reasons), now=now)


async def cancel_for_addresses(
    session: AsyncSession, address_ids: Sequence[uuid.UUID], *, now: datetime, broadcasts_only: bool = False
) -> int:
    condition = and_(OUTBOX.c.address_id.in_(list(address_ids)), OUTBOX.c.state == OutboxState.QUEUED.value)
    if broadcasts_only:
        condition = and_(condition, OUTBOX.c.broadcast_id.is_not(None))
    result = await session.execute(
        update(OUTBOX)
        .where(condition)
        .values(
            state=OutboxState.CANCELLED.value,
            finished_at=now,
            **NO_CONTENT,
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def release(session: AsyncSession, ids: Sequence[uuid.UUID], *, worker: str) -> None:
    """Hand back claims a stopping worker did not attempt, so they go out at once elsewhere.

    Only rows this worker still holds: a claim that expired and was taken by another worker
    (the counter moved on, and `claimed_by` names the other) is left alone.
    """
    for start in range(0, len(ids), CHUNK):
        await session.execute(
            update(OUTBOX)
            .where(
                OUTBOX.c.id.in_(list(ids[start : start + CHUNK])),
                OUTBOX.c.state == OutboxState.CLAIMED.value,
                OUTBOX.c.claimed_by == worker,
            )
            .values(state=OutboxState.QUEUED.value, claimed_by=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )


# --- counts ---


async def counts_by_state(session: AsyncSession) -> dict[tuple[str, str], int]:
    """(channel, state) -> rows, for metrics."""
    rows = await session.execute(
        select(OUTBOX.c.channel, OUTBOX.c.state, func.count()).group_by(OUTBOX.c.channel, OUTBOX.c.state)
    )
    return {(row[0], row[1]): int(row[2]) for row in rows}


@dataclass(frozen=True)
class BroadcastProgress:
    total: int
    sent: int
    failed: int  # failed, dead-lettered
    unknown: int  # outcome unknown (rows left unknown, plus retried unknowns)
    cancelled: int
    remaining: int  # queued or claimed

    @property
    def done(self) -> bool:
        return self.remaining == 0


async def broadcast_progress(session: AsyncSession, broadcast_id: uuid.UUID) -> BroadcastProgress:
    rows = await session.execute(
        select(OUTBOX.c.state, func.count(), func.coalesce(func.sum(OUTBOX.c.unknown_outcomes), 0))
        .where(OUTBOX.c.broadcast_id == broadcast_id)
        .group_by(OUTBOX.c.state)
    )
    states: Counter[str] = Counter()
    unknown_total = 0
    for state, count, unknowns in rows:
        states[state] += int(count)
        if state != OutboxState.UNKNOWN.value:
            unknown_total += int(unknowns)
    unknown_total += states[OutboxState.UNKNOWN.value]
    return BroadcastProgress(
        total=sum(states.values()),
        sent=states[OutboxState.SENT.value],
        failed=states[OutboxState.FAILED.value] + states[OutboxState.DEAD.value],
        unknown=unknown_total,
        cancelled=states[OutboxState.CANCELLED.value],
        remaining=states[OutboxState.QUEUED.value] + states[OutboxState.CLAIMED.value],
    )


async def cancel_broadcast(session: AsyncSession, broadcast_id: uuid.UUID, *, now: datetime) -> int:
    """Cancel what is still queued of a broadcast; rows in flight finish."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is not None and broadcast.state == BroadcastState.SENDING.value:
        broadcast.state = BroadcastState.CANCELLED.value
        broadcast.finished_at = now
    # Claimed rows too: a worker skips them if they have not gone out yet (it watches for
    # cancelled broadcasts), and they are not taken again if their worker dies.
    result = await session.execute(
        update(OUTBOX)
        .where(OUTBOX.c.broadcast_id == broadcast_id, OUTBOX.c.state.in_(ACTIVE_STATES))
        .values(
            state=OutboxState.CANCELLED.value,
            finished_at=now,
            claimed_by=None,
            lease_until=None,
            **NO_CONTENT,
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def cancelled_among(session: AsyncSession, broadcast_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    if not broadcast_ids:
        return set()
    rows = await session.scalars(
        select(Broadcast.id).where(
            Broadcast.id.in_(list(broadcast_ids)), Broadcast.state == BroadcastState.CANCELLED.value
        )
    )
    return set(rows)


async def active_broadcasts(session: AsyncSession) -> list[Broadcast]:
    rows = await session.scalars(select(Broadcast).where(Broadcast.state == BroadcastState.SENDING.value))
    return list(rows)


def ids_of(rows: Iterable[ClaimedRow]) -> list[uuid.UUID]:
    return [row.id for row in rows]
