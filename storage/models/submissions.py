"""Written submissions (R7): a title and a text or a document, kept sealed for the task team.

What a person wrote is theirs: the rows cascade with the person, so /forget leaves
none of it. The document's bytes are sealed too (as base64 text, so key rotation
re-seals them like every other field) in a table of their own, read only when needed.
The Telegram file id is never kept.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime, uuid_pk
from storage.sealed import SealedText


class SubmissionStatus(StrEnum):
    RECEIVED = "received"
    PUBLISHED = "published"
    NOT_SUITABLE = "not_suitable"


class Submission(Base):
    __tablename__ = "submissions"

    id: Mapped[uuid.UUID] = uuid_pk()
    reference: Mapped[str] = mapped_column(String(16), unique=True)  # "S-2026-0007"
    person_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("events.id"))
    title: Mapped[str] = mapped_column(SealedText)
    body: Mapped[str | None] = mapped_column(SealedText)  # the text, when no document was sent
    language: Mapped[str] = mapped_column(String(8))  # a UN language code, or "other"
    publish_consent: Mapped[bool] = mapped_column(Boolean)
    disclaimer_version: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=SubmissionStatus.RECEIVED.value)
    has_document: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SubmissionDocument(Base):
    """The file of a submission: name and bytes sealed; its checked type and size in the clear."""

    __tablename__ = "submission_documents"

    id: Mapped[uuid.UUID] = uuid_pk()
    submission_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("submissions.id", ondelete="CASCADE"), unique=True
    )
    filename: Mapped[str] = mapped_column(SealedText)
    file_type: Mapped[str] = mapped_column(String(8))  # "pdf", "docx" or "odt", from the bytes
    size: Mapped[int] = mapped_column(Integer)
    content_b64: Mapped[str] = mapped_column(SealedText)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
