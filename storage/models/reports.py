"""Confidential report cases, their encrypted content, and the keys that open them.

Nothing here is a `SealedText` column: report content is encrypted end to end to the
staff (see `storage.crypto.report_keys`), not with the server's keyring, so a copy of
the database plus the server's keys opens nothing. Plain columns hold only what triage
needs without content: the reference, kind, urgency, status and times.

An anonymous case has no person id, no Telegram id, no username, no hash of either:
only the receipt's peppered slow hash and the reporter's public key.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime, uuid_pk


class ReportKind(StrEnum):
    REPRISAL = "reprisal"  # threat or reprisal for taking part
    INFORMATION = "information"  # grievance about access to information
    PARTICIPATION = "participation"  # grievance about participation
    OTHER = "other"  # other feedback


class CaseStatus(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    AWAITING_REPORTER = "awaiting_reporter"
    CLOSED = "closed"


class MessageAuthor(StrEnum):
    REPORTER = "reporter"  # the report itself and later additions
    STAFF = "staff"  # a reply to the reporter
    NOTE = "note"  # internal staff note, never shown to the reporter


class ReportCase(Base):
    __tablename__ = "report_cases"
    __table_args__ = (UniqueConstraint("year", "sequence", name="uq_report_cases_year_sequence"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default=CaseStatus.NEW.value)
    anonymous: Mapped[bool] = mapped_column(Boolean)
    # Identified cases only; anonymous cases keep no link to any account.
    person_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    # Anonymous cases only: the receipt's slow peppered hash, its Argon2id cost, and the reporter's key.
    receipt_lookup: Mapped[bytes | None] = mapped_column(LargeBinary(32), unique=True)
    receipt_opslimit: Mapped[int | None] = mapped_column(Integer)
    receipt_memlimit: Mapped[int | None] = mapped_column(Integer)
    reporter_public_key: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)


class ReportMessage(Base):
    """One piece of text in a case, encrypted under its own content key."""

    __tablename__ = "report_messages"

    id: Mapped[uuid.UUID] = uuid_pk()
    case_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("report_cases.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str] = mapped_column(String(16))
    staff_member_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("staff_members.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    key_for_case: Mapped[bytes] = mapped_column(LargeBinary)
    key_for_reporter: Mapped[bytes | None] = mapped_column(LargeBinary)


class ReportEvidence(Base):
    """A photo or document, fetched from Telegram and stored encrypted; no Telegram file id is kept."""

    __tablename__ = "report_evidence"

    id: Mapped[uuid.UUID] = uuid_pk()
    case_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("report_cases.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # File name and type, encrypted under the same content key as the bytes.
    meta: Mapped[bytes] = mapped_column(LargeBinary)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    key_for_case: Mapped[bytes] = mapped_column(LargeBinary)


class StaffReportKey(Base):
    """A staff member's key pair: the public key, and the private key under Argon2id(passphrase)."""

    __tablename__ = "report_staff_keys"

    id: Mapped[uuid.UUID] = uuid_pk()
    staff_member_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("staff_members.id", ondelete="CASCADE"), unique=True
    )
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    encrypted_private: Mapped[bytes] = mapped_column(LargeBinary)
    salt: Mapped[bytes] = mapped_column(LargeBinary(16))
    opslimit: Mapped[int] = mapped_column(Integer)
    memlimit: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RecoveryKey(Base):
    """The public half of an offline recovery key; its private half is printed once and kept offline."""

    __tablename__ = "report_recovery_keys"

    id: Mapped[uuid.UUID] = uuid_pk()
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CaseKey(Base):
    """A case secret sealed to one reader: a staff key or a recovery key. Deleting these shreds the case."""

    __tablename__ = "report_case_keys"
    __table_args__ = (
        UniqueConstraint("case_id", "staff_key_id", name="uq_report_case_keys_staff"),
        UniqueConstraint("case_id", "recovery_key_id", name="uq_report_case_keys_recovery"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    case_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("report_cases.id", ondelete="CASCADE"), index=True
    )
    staff_key_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("report_staff_keys.id", ondelete="CASCADE"), index=True
    )
    recovery_key_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("report_recovery_keys.id", ondelete="CASCADE")
    )
    sealed_secret: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
