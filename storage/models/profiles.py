"""What a person's profile adds to `people`: balance data, subscriptions, email verification codes.

Balance data and subscriptions are categories kept for statistics and balanced selection
(R2, R10), not sealed; they mean nothing without the person row, which they cascade with.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime, uuid_pk

PREFER_NOT_TO_SAY = "undisclosed"


class ChannelPreference(StrEnum):
    """How a person wants to be reached (R2); `scheduler.channels.preferred` turns it into an order."""

    TELEGRAM_FIRST = "telegram_first"
    EMAIL_FIRST = "email_first"
    BOTH = "both"


class BalanceData(Base):
    """Optional answers used to balance participation; each may be "prefer not to say" or unanswered."""

    __tablename__ = "balance_data"

    person_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    gender: Mapped[str | None] = mapped_column(String(16))
    age_group: Mapped[str | None] = mapped_column(String(16))
    migrant_led: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Subscription(Base):
    """A region or topic a person follows (sent only while their "updates" consent is in force)."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("person_id", "kind", "value", name="uq_subscriptions_choice"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # "region" or "topic"
    value: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class EmailVerification(Base):
    """The pending code of one email address: a keyed hash only, an expiry, and the tries left."""

    __tablename__ = "email_verifications"

    address_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("channel_addresses.id", ondelete="CASCADE"), primary_key=True
    )
    code_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    tries_left: Mapped[int] = mapped_column(Integer)
    sent_count: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Preferences(Base):
    """Languages a person speaks (ISO 639 codes, the six and others) and the order to reach them in (R2)."""

    __tablename__ = "person_preferences"

    person_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    channels: Mapped[str | None] = mapped_column(String(16))  # a ChannelPreference value; None: default
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
