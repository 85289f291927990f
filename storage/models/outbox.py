"""The outbox: one row per recipient × channel × message, drained by the delivery workers.

Content that may hold personal data (body, subject, HTML part, attachment) is sealed.
A broadcast stores its per-language texts once, in `outbox_templates`, and each
recipient's row points at the template of their language instead of carrying a copy.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime, uuid_pk
from storage.sealed import SealedText


class OutboxState(StrEnum):
    QUEUED = "queued"  # waiting for send_after
    CLAIMED = "claimed"  # a worker holds it until lease_until
    SENT = "sent"  # the channel confirmed it
    FAILED = "failed"  # permanent failure (blocked, bounced, refused): never retried
    DEAD = "dead"  # temporary failures until the attempts ran out
    UNKNOWN = "unknown"  # the request left but no answer came, and unknowns are not retried
    CANCELLED = "cancelled"  # cancelled before it was sent


TERMINAL_STATES = frozenset(
    {OutboxState.SENT, OutboxState.FAILED, OutboxState.DEAD, OutboxState.UNKNOWN, OutboxState.CANCELLED}
)


class BroadcastState(StrEnum):
    SENDING = "sending"
    FINISHED = "finished"
    CANCELLED = "cancelled"


class Broadcast(Base):
    """A message staff sent to an audience; its rows in `outbox` carry its id."""

    __tablename__ = "broadcasts"

    id: Mapped[uuid.UUID] = uuid_pk()
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # a staff_members id, or None from the CLI
    state: Mapped[str] = mapped_column(String(16))
    retry_unknown: Mapped[bool] = mapped_column(Boolean, default=False)
    audience: Mapped[str] = mapped_column(String(400))  # the filters as JSON: categories only
    total: Mapped[int] = mapped_column(Integer, default=0)
    # "chat_id:message_id" of the staff progress message, sealed (a staff member's chat id).
    progress_ref: Mapped[str | None] = mapped_column(SealedText)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class OutboxTemplate(Base):
    """One language version of a broadcast, rendered once for every recipient of that language."""

    __tablename__ = "outbox_templates"

    id: Mapped[uuid.UUID] = uuid_pk()
    broadcast_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(SealedText)
    subject: Mapped[str | None] = mapped_column(SealedText)
    html: Mapped[str | None] = mapped_column(SealedText)


class OutboxMessage(Base):
    """One message to one address. The content is sealed, or lives in a template."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "channel", "state", "send_after"),
        Index("ix_outbox_broadcast_state", "broadcast_id", "state"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    address_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("channel_addresses.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    send_after: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    broadcast_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("broadcasts.id", ondelete="CASCADE")
    )
    template_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("outbox_templates.id", ondelete="CASCADE")
    )
    body: Mapped[str | None] = mapped_column(SealedText)
    subject: Mapped[str | None] = mapped_column(SealedText)
    html: Mapped[str | None] = mapped_column(SealedText)
    attachment: Mapped[str | None] = mapped_column(SealedText)  # JSON: filename, mime, base64 content
    protect_content: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    unknown_outcomes: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(48))  # an error class, never its text
    # The fencing token: incremented by every claim; an outcome is written only where it still matches.
    claims: Mapped[int] = mapped_column(Integer, server_default="0")
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
