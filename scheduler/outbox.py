"""The outbox's public face: `Delivery`, `enqueue`, and the rules that decide a row's next state.

Handlers and clocks never send to many people, or later, themselves: they describe each
message as a `Delivery` and `enqueue` them in the same transaction as the change that
caused them. The delivery workers (`scheduler.workers`) send them at the channels' rates.

The state rules here are plain functions over plain data, tested without bot or database.
"""

from __future__ import annotations

import base64
import json
import os
import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from storage.crypto.keyring import Keyring
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


def new_row_ids(count: int) -> list[uuid.UUID]:
    """`count` new row ids, ascending: time-ordered UUIDs (version 7, RFC 9562) with 74 random bits.

    Ids that grow with time are appended at the end of the primary-key index instead of
    landing on random pages of it, which makes a large insert markedly cheaper on SQLite and
    PostgreSQL. The random bits come from one read of the CSPRNG (`uuid.uuid4` reads it once
    per id) and keep ids unique and unguessable; the time they show is the row's `created_at`.
    """
    millis = time.time_ns() // 1_000_000
    prefix = (millis & _MILLIS_MASK) << 80 | 7 << 76 | 0b10 << 62
    raw = os.urandom(10 * count)
    chunks = [raw[start : start + 10] for start in range(0, 10 * count, 10)]
    numbers = sorted([prefix | (bits & _RANDOM_BITS) for bits in map(int.from_bytes, chunks)])
    return [uuid.UUID(int=number) for number in numbers]


# 48 bits of Unix milliseconds, then the version; 12 random bits (rand_a) between the version and
# the variant, and 62 (rand_b) below the variant.
_MILLIS_MASK = (1 << 48) - 1
_RANDOM_BITS = 0xFFF << 64 | (1 << 62) - 1


def _sealed_column(
    keyring: Keyring, column: str, ids: Sequence[uuid.UUID], texts: Sequence[str | None]
) -> list[Envelope | None]:
    if all(text is None for text in texts):
        return [None] * len(ids)
    sealed = keyring.seal_column("outbox", column, list(zip(ids, texts, strict=True)))
    return [None if value is None else Envelope(value) for value in sealed]


def _encoded_attachments(deliveries: Sequence[Delivery]) -> list[str | None]:
    # Planners give many rows the same file (one per language); each is encoded once.
    encoded: dict[tuple[str, bytes, str], str] = {}
    found: list[str | None] = []
    for delivery in deliveries:
        attachment = delivery.attachment
        if not attachment:
            found.append(None)
            continue
        text = encoded.get(attachment)
        if text is None:
            text = encoded[attachment] = encode_attachment(attachment)
        found.append(text)
    return found


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
    first_of_key: dict[str, Delivery] = {}
    for delivery in deliveries:
        first_of_key.setdefault(delivery.idempotency_key, delivery)
    unique = list(first_of_key.values())
    routes = [d.channel or channels.get(d.address_id) for d in unique]
    if None in routes:
        raise ValueError("a delivery names an address that does not exist")
    count = len(unique)
    ids = new_row_ids(count)
    attachments = _encoded_attachments(unique)
    # Built column by column: the repository hands whole columns to the driver.
    columns: dict[str, Sequence[object]] = {
        "id": ids,
        "idempotency_key": [d.idempotency_key for d in unique],
        "address_id": [d.address_id for d in unique],
        "channel": routes,
        "state": [OutboxState.QUEUED.value] * count,
        "send_after": [d.send_after or now for d in unique],
        "created_at": [now] * count,
        "broadcast_id": [d.broadcast_id for d in unique],
        "template_id": [None] * count,
        "body": _sealed_column(keyring, "body", ids, [d.body for d in unique]),
        "subject": _sealed_column(keyring, "subject", ids, [d.subject for d in unique]),
        "html": _sealed_column(keyring, "html", ids, [d.html for d in unique]),
        "attachment": _sealed_column(keyring, "attachment", ids, attachments),
        "protect_content": [d.protect_content for d in unique],
        "attempts": [0] * count,
        "unknown_outcomes": [0] * count,
    }
    inserted = await repository.insert_columns(session, columns)
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
