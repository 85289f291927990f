"""The outbox's public face: `Delivery`, `enqueue`, and the rules that decide a row's next state.

Handlers and clocks never send to many people, or later, themselves: they describe each
message as a `Delivery` and `enqueue` them in the same transaction as the change that
caused them. The delivery workers (`scheduler.workers`) send them at the channels' rates.

The state rules here are plain functions over plain data, tested without bot or database.
"""

from __future__ import annotations

import base64
import json
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from storage.crypto.keyring import Keyring, field_aad
from storage.models.outbox import OutboxState
from storage.repositories import outbox as repository
from storage.sealed import Envelope, keyring_of

__all__ = [
    "WAKE_INFO_KEY",
    "Delivery",
    "OutboxState",
    "Outcome",
    "OutcomeKind",
    "RetryPolicy",
    "Transition",
    "decode_attachment",
    "encode_attachment",
    "enqueue",
    "next_transition",
]

# Sessions carry a callable under this key (set by `scheduler.delivery.install`) that wakes the
# workers of this process; `enqueue` calls it once the enqueuing transaction commits.
WAKE_INFO_KEY = "liaison.outbox.wake"
MAX_KEY_LENGTH = 200
MAX_ATTACHMENT_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Delivery:
    """One message to one address, with content already in the recipient's language."""

    idempotency_key: str  # unique per recipient × channel × message, e.g. f"verify:{address_id}:{n}"
    address_id: uuid.UUID  # a ChannelAddress row; its channel decides Telegram or email
    body: str
    subject: str | None = None  # email subject
    html: str | None = None  # optional email HTML part (else derived from body)
    send_after: datetime | None = None  # aware UTC; None = now
    attachment: tuple[str, bytes, str] | None = None  # (filename, content, mime), small (e.g. .ics)
    protect_content: bool = False
    broadcast_id: uuid.UUID | None = None
    # The address's channel when the caller already read it (planners do); else it is looked up.
    channel: str | None = None


def encode_attachment(attachment: tuple[str, bytes, str]) -> str:
    filename, content, mime = attachment
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise ValueError("outbox attachments are for small files (at most 1 MB)")
    return json.dumps({"filename": filename, "mime": mime, "content": base64.b64encode(content).decode()})


def decode_attachment(text: str) -> tuple[str, bytes, str]:
    data = json.loads(text)
    return str(data["filename"]), base64.b64decode(data["content"]), str(data["mime"])


def _seal(keyring: Keyring, column: str, row_id: uuid.UUID, value: str | None) -> Envelope | None:
    if value is None:
        return None
    return Envelope(keyring.seal_text(value, field_aad("outbox", column, row_id)))


def _check(delivery: Delivery) -> None:
    if not delivery.idempotency_key or len(delivery.idempotency_key) > MAX_KEY_LENGTH:
        raise ValueError(f"an idempotency key has 1 to {MAX_KEY_LENGTH} characters")
    if delivery.send_after is not None and delivery.send_after.tzinfo is None:
        raise ValueError("send_after must be timezone-aware UTC")
    if not delivery.body.strip():
        raise ValueError("a delivery needs a body")


async def enqueue(session: AsyncSession, deliveries: Sequence[Delivery], *, now: datetime) -> int:
    """Queue the deliveries in one batched insert; rows whose idempotency key exists are skipped.

    Returns how many rows were inserted. Content is sealed to its row. The workers of this
    process are woken when the surrounding transaction commits.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware UTC")
    if not deliveries:
        return 0
    for delivery in deliveries:
        _check(delivery)
    keyring = keyring_of(session.sync_session)
    unknown = {d.address_id for d in deliveries if d.channel is None}
    channels = await repository.address_channels(session, unknown) if unknown else {}
    rows: list[dict[str, object]] = []
    seen: set[str] = set()
    for delivery in deliveries:
        if delivery.idempotency_key in seen:
            continue
        seen.add(delivery.idempotency_key)
        channel = delivery.channel or channels.get(delivery.address_id)
        if channel is None:
            raise ValueError("a delivery names an address that does not exist")
        row_id = uuid.uuid4()
        attachment = encode_attachment(delivery.attachment) if delivery.attachment else None
        rows.append(
            {
                "id": row_id,
                "idempotency_key": delivery.idempotency_key,
                "address_id": delivery.address_id,
                "channel": channel,
                "state": OutboxState.QUEUED.value,
                "send_after": delivery.send_after or now,
                "created_at": now,
                "broadcast_id": delivery.broadcast_id,
                "template_id": None,
                "body": _seal(keyring, "body", row_id, delivery.body),
                "subject": _seal(keyring, "subject", row_id, delivery.subject),
                "html": _seal(keyring, "html", row_id, delivery.html),
                "attachment": _seal(keyring, "attachment", row_id, attachment),
                "protect_content": delivery.protect_content,
                "attempts": 0,
                "unknown_outcomes": 0,
            }
        )
    inserted = await repository.insert_rows(session, rows)
    if inserted:
        wake_on_commit(session)
    return inserted


def wake_on_commit(session: AsyncSession) -> None:
    """Wake this process's workers once the session's transaction commits (if workers run here)."""
    wake = session.info.get(WAKE_INFO_KEY)
    if wake is None or session.info.get("liaison.outbox.wake_pending"):
        return
    session.info["liaison.outbox.wake_pending"] = True

    def after_commit(sync_session: Session) -> None:
        sync_session.info.pop("liaison.outbox.wake_pending", None)
        wake()

    def after_rollback(sync_session: Session) -> None:
        sync_session.info.pop("liaison.outbox.wake_pending", None)

    event.listen(session.sync_session, "after_commit", after_commit, once=True)
    event.listen(session.sync_session, "after_soft_rollback", after_rollback, once=True)


# --- what happens after an attempt ---


class OutcomeKind(StrEnum):
    SENT = "sent"
    RATE_LIMITED = "rate_limited"  # the channel said wait `retry_after` (a 429); not a failure
    TRANSIENT = "transient"  # 5xx, network, SMTP 4xx: back off and retry, then dead-letter
    UNKNOWN = "unknown"  # a timeout after the request left: it may have been delivered
    UNREACHABLE = "unreachable"  # blocked, chat not found, bounced: stop sending to the address
    PERMANENT = "permanent"  # this message can never be sent (e.g. refused as malformed)
    CANCELLED = "cancelled"  # its broadcast was cancelled before it went out


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    error: str | None = None  # a short error class such as "blocked" or "smtp_450"; never a text
    retry_after: float | None = None


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter: attempt n waits a random time up to base·2^(n-1), capped."""

    base: timedelta = timedelta(seconds=5)
    cap: timedelta = timedelta(minutes=30)
    max_attempts: int = 8

    def delay(self, attempt: int, rng: Callable[[], float] = random.random) -> timedelta:
        ceiling = min(self.cap.total_seconds(), self.base.total_seconds() * 2 ** max(attempt - 1, 0))
        # Half fixed, half random: spreads retries yet never retries at once.
        return timedelta(seconds=ceiling / 2 + rng() * ceiling / 2)


@dataclass(frozen=True)
class Transition:
    """The row's next state after an attempt."""

    state: OutboxState
    send_after: datetime | None = None  # for QUEUED
    attempts: int = 0  # attempts after this one
    unknown: bool = False  # this attempt's outcome was unknown (counted)
    error: str | None = None
    unreachable: str | None = None  # mark the address unreachable with this reason


def next_transition(
    outcome: Outcome,
    *,
    attempts: int,
    now: datetime,
    policy: RetryPolicy,
    retry_unknown: bool,
    rng: Callable[[], float] = random.random,
) -> Transition:
    """Where a row goes after an attempt; `attempts` counts the earlier failed attempts."""
    match outcome.kind:
        case OutcomeKind.SENT:
            return Transition(OutboxState.SENT, attempts=attempts + 1)
        case OutcomeKind.RATE_LIMITED:
            # Telegram told us when; this is pacing, not a failure, so attempts do not grow.
            wait = timedelta(seconds=max(outcome.retry_after or 1.0, 0.0))
            return Transition(
                OutboxState.QUEUED, send_after=now + wait, attempts=attempts, error=outcome.error
            )
        case OutcomeKind.UNREACHABLE:
            return Transition(
                OutboxState.FAILED, attempts=attempts + 1, error=outcome.error, unreachable=outcome.error
            )
        case OutcomeKind.PERMANENT:
            return Transition(OutboxState.FAILED, attempts=attempts + 1, error=outcome.error)
        case OutcomeKind.CANCELLED:
            return Transition(OutboxState.CANCELLED, attempts=attempts)
        case OutcomeKind.UNKNOWN:
            if not retry_unknown:
                return Transition(
                    OutboxState.UNKNOWN, attempts=attempts + 1, unknown=True, error=outcome.error
                )
            return _retry(outcome, attempts, now, policy, rng, unknown=True)
        case OutcomeKind.TRANSIENT:
            return _retry(outcome, attempts, now, policy, rng, unknown=False)
    raise AssertionError(outcome.kind)  # pragma: no cover


def _retry(
    outcome: Outcome,
    attempts: int,
    now: datetime,
    policy: RetryPolicy,
    rng: Callable[[], float],
    *,
    unknown: bool,
) -> Transition:
    done = attempts + 1
    if done >= policy.max_attempts:
        return Transition(OutboxState.DEAD, attempts=done, unknown=unknown, error=outcome.error)
    return Transition(
        OutboxState.QUEUED,
        send_after=now + policy.delay(done, rng),
        attempts=done,
        unknown=unknown,
        error=outcome.error,
    )
