"""Events people can act on: briefings, consultations, review meetings, deadlines.

Nothing here is personal, so nothing is sealed. Titles and descriptions are kept per
language in JSON (`{"en": "...", "ar": "..."}`) and shown with a fallback to English.
Times are aware UTC; `time_zone` is the venue's zone, for the calendar (issue 4).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime, uuid_pk

FALLBACK_LANGUAGE = "en"


class EventKind(StrEnum):
    BRIEFING = "briefing"
    CONSULTATION = "consultation"  # informal multi-stakeholder consultation (R4)
    REVIEW_MEETING = "review_meeting"  # formal intergovernmental review meeting (R5)
    SUBMISSION_DEADLINE = "submission_deadline"
    OTHER = "other"


class EventStatus(StrEnum):
    SCHEDULED = "scheduled"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"


class Event(Base):
    __tablename__ = "events"

    id: Mapped[uuid.UUID] = uuid_pk()
    code: Mapped[str] = mapped_column(String(16), unique=True)  # public, for `/start ev_<code>` links
    region: Mapped[str] = mapped_column(String(32), index=True)  # a Region value, "global" included
    kind: Mapped[str] = mapped_column(String(32))
    titles: Mapped[dict[str, str]] = mapped_column(JSON)
    descriptions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    participant_link: Mapped[str | None] = mapped_column(String(500))
    view_link: Mapped[str | None] = mapped_column(String(500))  # view and listen only (R5 b)
    registration_opens_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    capacity: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=EventStatus.SCHEDULED.value)
    version: Mapped[int] = mapped_column(Integer, default=1)  # raised on every change people must hear of
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    def title(self, language: str | None) -> str:
        return in_language(self.titles, language)

    def description(self, language: str | None) -> str:
        return in_language(self.descriptions or {}, language)


def language_of(texts: dict[str, Any], language: str | None) -> str | None:
    """Which language `in_language` shows: `language`, else English, else the first there is."""
    return next((code for code in (language, FALLBACK_LANGUAGE, *texts) if code and texts.get(code)), None)


def in_language(texts: dict[str, Any], language: str | None) -> str:
    """The text in `language`, else English, else any language there is."""
    code = language_of(texts, language)
    return "" if code is None else str(texts[code])
