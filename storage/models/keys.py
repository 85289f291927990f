"""One sealed canary per data key, so start-up can tell a wrong key from a right one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime


class KeyCanary(Base):
    __tablename__ = "key_canaries"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    envelope: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
