"""Liaison staff, task team members and administrators."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime, uuid_pk
from storage.sealed import SealedText


class StaffRole(StrEnum):
    ADMINISTRATOR = "administrator"
    LIAISON = "liaison"
    TASK_TEAM = "task_team"


class StaffMember(Base):
    """A staff account, identified by the blind index of its Telegram user id."""

    __tablename__ = "staff_members"

    id: Mapped[uuid.UUID] = uuid_pk()
    telegram_index: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    telegram_id: Mapped[str] = mapped_column(SealedText)
    display_name: Mapped[str | None] = mapped_column(SealedText)
    role: Mapped[str] = mapped_column(String(16))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
