"""What became of staff replies relayed to identified reporters: the outbox rows keyed
`case-reply:<message id>`, and whether the staff member was told (a row keyed
`case-reply-outcome:<message id>`). Ids and states only; the reply text lives in the case."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage, ReportCase, ReportMessage
from storage.models.outbox import TERMINAL_STATES, OutboxState

REPLY_PREFIX = "case-reply:"
NOTICE_PREFIX = "case-reply-outcome:"
# Both go to a Telegram chat only; the notices service appends the channel to a notice's key.
CHAT = ":telegram"


def reply_key(message_id: uuid.UUID) -> str:
    return f"{REPLY_PREFIX}{message_id}{CHAT}"


def notice_key(message_id: uuid.UUID) -> str:
    return f"{NOTICE_PREFIX}{message_id}{CHAT}"


def _message_id(key: str) -> uuid.UUID:
    return uuid.UUID(key.removeprefix(REPLY_PREFIX).removesuffix(CHAT))


@dataclass(frozen=True)
class Delivery:
    state: OutboxState
    error: str | None  # an error class such as "blocked", never a text


@dataclass(frozen=True)
class Finished:
    """A relayed reply whose delivery ended and whose author has not been told yet."""

    message_id: uuid.UUID
    reference: str
    staff_member_id: uuid.UUID
    delivery: Delivery


async def deliveries(session: AsyncSession, message_ids: list[uuid.UUID]) -> dict[uuid.UUID, Delivery]:
    """The delivery state of each relayed reply among `message_ids` (others are absent)."""
    if not message_ids:
        return {}
    rows = await session.execute(
        select(OutboxMessage.idempotency_key, OutboxMessage.state, OutboxMessage.last_error).where(
            OutboxMessage.idempotency_key.in_([reply_key(m) for m in message_ids])
        )
    )
    return {_message_id(key): Delivery(OutboxState(state), error) for key, state, error in rows}


async def finished_untold(session: AsyncSession, *, since: datetime) -> list[Finished]:
    """Relayed replies that finished (sent or not) since `since` and whose author was not told."""
    rows = (
        await session.execute(
            select(OutboxMessage.idempotency_key, OutboxMessage.state, OutboxMessage.last_error).where(
                OutboxMessage.idempotency_key.startswith(REPLY_PREFIX),
                OutboxMessage.state.in_([s.value for s in TERMINAL_STATES]),
                OutboxMessage.finished_at >= since,
            )
        )
    ).all()
    if not rows:
        return []
    by_message = {_message_id(key): Delivery(OutboxState(s), e) for key, s, e in rows}
    told = set(
        await session.scalars(
            select(OutboxMessage.idempotency_key).where(
                OutboxMessage.idempotency_key.in_([notice_key(m) for m in by_message])
            )
        )
    )
    untold = [m for m in by_message if notice_key(m) not in told]
    if not untold:
        return []
    found = await session.execute(
        select(ReportMessage.id, ReportMessage.staff_member_id, ReportCase.reference)
        .join(ReportCase, ReportCase.id == ReportMessage.case_id)
        .where(ReportMessage.id.in_(untold))
    )
    return [
        Finished(message_id, reference, staff_member_id, by_message[message_id])
        for message_id, staff_member_id, reference in found
        if staff_member_id is not None
    ]
