"""Questions people ask the liaison office, staff replies, and the FAQ the office curates.

A question and each reply are sealed (what a person writes may name them or others); they go
with the person (ON DELETE CASCADE), so /forget erases the whole thread. FAQ entries are
public texts per language in JSON (`{"en": "...", "es": "..."}`), nothing personal.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime, uuid_pk
from storage.sealed import SealedText


class QuestionStatus(StrEnum):
    OPEN = "open"  # waiting for a staff reply
    ANSWERED = "answered"
    CLOSED = "closed"  # staff closed it without a reply (a duplicate, say)


class Question(Base):
    __tablename__ = "questions"
    __table_args__ = (Index("ix_questions_inbox", "status", "region", "language", "created_at"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(8))
    region: Mapped[str | None] = mapped_column(String(32))  # a Region value, from the person's country
    body: Mapped[str] = mapped_column(SealedText)
    status: Mapped[str] = mapped_column(String(16), default=QuestionStatus.OPEN.value)
    assigned_to: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("staff_members.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    @property
    def reference(self) -> str:
        """What staff and the person call it: short, not guessable into anything."""
        return f"Q-{self.id.hex[:6].upper()}"


class QuestionReply(Base):
    __tablename__ = "question_replies"

    id: Mapped[uuid.UUID] = uuid_pk()
    question_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("staff_members.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(SealedText)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class FaqEntry(Base):
    """One question and its short answer, in as many of the six languages as the office wrote."""

    __tablename__ = "faq_entries"

    id: Mapped[uuid.UUID] = uuid_pk()
    slug: Mapped[str] = mapped_column(String(48), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=100)
    questions: Mapped[dict[str, str]] = mapped_column(JSON)
    answers: Mapped[dict[str, str]] = mapped_column(JSON)
    # Extra words people use for the same question, per language; searched, never shown.
    keywords: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
