"""Telegram update ids already handled, so a webhook delivery repeated (or replayed) after a
restart is handled once. Bounded: only the newest ids are kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime


class SeenUpdate(Base):
    __tablename__ = "seen_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
