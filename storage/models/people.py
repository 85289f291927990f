"""People, the addresses we reach them at, and what they consented to."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    ColumnElement,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    Uuid,
    and_,
    or_,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, UtcDateTime, uuid_pk
from storage.sealed import SealedText


class Channel(StrEnum):
    """The kinds of address we can reach a person at; each has a sender in `scheduler.senders.registry`."""

    TELEGRAM = "telegram"
    EMAIL = "email"


# An address of these kinds is used only once its owner proved it is theirs (an email code).
NEEDS_VERIFICATION = frozenset({Channel.EMAIL.value})


class ConsentPurpose(StrEnum):
    UPDATES = "updates"
    SHARE_WITH_NETWORK = "share_with_network"
    PUBLIC_LISTING = "public_listing"


class Person(Base):
    """Anyone who talks to Liaison. Names and organisation details are sealed."""

    __tablename__ = "people"

    id: Mapped[uuid.UUID] = uuid_pk()
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    language: Mapped[str | None] = mapped_column(String(8))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(SealedText)
    organisation: Mapped[str | None] = mapped_column(SealedText)
    city: Mapped[str | None] = mapped_column(SealedText)
    stakeholder_type: Mapped[str | None] = mapped_column(String(48))
    country: Mapped[str | None] = mapped_column(String(2))
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    # Never loaded on access (lazy="raise"): almost every handler loads the person and almost none
    # needs the addresses, which cost a second query each time. Ask for them: `people.living`, or a
    # select of ChannelAddress by person_id.
    addresses: Mapped[list[ChannelAddress]] = relationship(
        back_populates="person", cascade="all, delete-orphan", lazy="raise"
    )


class ChannelAddress(Base):
    """A Telegram chat or an email address of a person; found by blind index, never by plaintext."""

    __tablename__ = "channel_addresses"
    __table_args__ = (UniqueConstraint("channel", "address_index", name="uq_channel_addresses_lookup"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(SealedText)
    address_index: Mapped[bytes] = mapped_column(LargeBinary(32))
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    unreachable_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    unreachable_reason: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    person: Mapped[Person] = relationship(back_populates="addresses")

    @hybrid_property
    def usable(self) -> bool:
        """The one rule for "we may send here": not marked unreachable, and verified where the kind needs it.

        A hybrid, so the same rule filters in SQL (`where(ChannelAddress.usable)`) and in Python.
        """
        return self.unreachable_at is None and (
            self.channel not in NEEDS_VERIFICATION or self.verified_at is not None
        )

    @usable.inplace.expression
    @classmethod
    def _usable_expression(cls) -> ColumnElement[bool]:
        return and_(
            cls.unreachable_at.is_(None),
            or_(cls.channel.not_in(sorted(NEEDS_VERIFICATION)), cls.verified_at.is_not(None)),
        )


class Consent(Base):
    """One decision about one purpose; the newest row per person and purpose is in force."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_person_purpose", "person_id", "purpose", "recorded_at"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(32))
    granted: Mapped[bool] = mapped_column(Boolean)
    text_version: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
