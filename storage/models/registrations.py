"""Registrations for events, their sealed motivations, and the counters behind human-readable references.

A registration outlives its person as an anonymous count: `person_id` becomes NULL when
the person is erased (ON DELETE SET NULL), and the copied categories (stakeholder type,
country, sub-region, region) keep the balance statistics (R10) meaningful. What the
person wrote (the motivation of an expression of interest) is in its own table that
cascades with the person, so nothing they wrote survives /forget.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, UtcDateTime, uuid_pk
from storage.sealed import SealedText

# The value of a category nobody gave (a balance question unanswered, or the person erased):
# counted, selected and shown as a group of its own.
UNKNOWN_CATEGORY = "unknown"


class RegistrationKind(StrEnum):
    PARTICIPANT = "participant"  # informal consultation (R4), or a briefing
    FLOOR = "floor"  # formal review meeting: request to speak from the floor (R5 a)
    OBSERVER = "observer"  # formal review meeting: attend and observe only (R5 b)
    PANEL_SPEAKER = "panel_speaker"  # expressions of interest (R6)
    RAPPORTEUR = "rapporteur"
    AGENDA_DESIGN = "agenda_design"


class RegistrationStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    WAITLISTED = "waitlisted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class Registration(Base):
    __tablename__ = "registrations"
    __table_args__ = (
        # One row per person, event and slot ("attend", or one per kind of expression of interest):
        # a double tap finds the row it made a moment ago instead of making a second one.
        UniqueConstraint("event_id", "person_id", "slot", name="uq_registrations_person_slot"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    reference: Mapped[str] = mapped_column(String(16), unique=True)  # "R-2026-0042"
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("events.id"), index=True)
    person_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    slot: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=RegistrationStatus.PENDING.value)
    reason_key: Mapped[str | None] = mapped_column(String(32))
    status_changes: Mapped[int] = mapped_column(Integer, default=0)
    # The three criteria of R5 (a), answered by a floor-intervention request; NULL otherwise.
    represents_entity: Mapped[bool | None] = mapped_column(Boolean)
    authorised: Mapped[bool | None] = mapped_column(Boolean)
    migration_expertise: Mapped[bool | None] = mapped_column(Boolean)
    # Categories copied from the profile at registration: anonymous counts after erasure.
    stakeholder_type: Mapped[str | None] = mapped_column(String(48))
    country: Mapped[str | None] = mapped_column(String(2))
    subregion: Mapped[str | None] = mapped_column(String(8))
    region: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    statement: Mapped[RegistrationStatement | None] = relationship(
        back_populates="registration", cascade="all, delete-orphan", lazy="selectin", uselist=False
    )

    @property
    def motivation(self) -> str | None:
        return None if self.statement is None else self.statement.motivation


class RegistrationStatement(Base):
    """The short motivation of an expression of interest: sealed, and erased with the person."""

    __tablename__ = "registration_statements"

    id: Mapped[uuid.UUID] = uuid_pk()
    registration_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("registrations.id", ondelete="CASCADE"), unique=True
    )
    person_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    motivation: Mapped[str] = mapped_column(SealedText)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    registration: Mapped[Registration] = relationship(back_populates="statement")


class ReferenceCounter(Base):
    """The last number handed out per prefix and year, for references like R-2026-0042 or S-2026-0007."""

    __tablename__ = "reference_counters"

    prefix: Mapped[str] = mapped_column(String(4), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)
