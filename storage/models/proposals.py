"""Events that organisations share (R23): proposals staff moderate, and the events they became.

A proposal holds what the organisation typed (title and link sealed: they may name people) and
goes with its proposer (ON DELETE CASCADE). Once approved it becomes an ordinary `Event`; the
`community_events` row marks it as shared by the community and remembers who shared it, so the
organisation's public name is shown only while their "public listing" consent is in force.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime, uuid_pk
from storage.sealed import SealedText


class ProposalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class EventProposal(Base):
    __tablename__ = "event_proposals"

    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(SealedText)
    kind: Mapped[str] = mapped_column(String(16))  # a CommunityKind value
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    time_zone: Mapped[str] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(32))
    link: Mapped[str | None] = mapped_column(SealedText)
    languages: Mapped[list[str]] = mapped_column(JSON)
    language: Mapped[str] = mapped_column(String(8))  # the proposer's, for the decision notice
    status: Mapped[str] = mapped_column(String(16), default=ProposalStatus.PENDING.value, index=True)
    reason: Mapped[str | None] = mapped_column(SealedText)  # why staff declined, as they wrote it
    event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("events.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CommunityEvent(Base):
    """An event shared by an organisation; the organiser link is cut when they erase their data."""

    __tablename__ = "community_events"

    event_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    organiser_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    languages: Mapped[list[str]] = mapped_column(JSON)
