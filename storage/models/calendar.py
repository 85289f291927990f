"""What the calendar adds to events: reminder offsets and mutes, planning marks, changes, invitations.

Nothing here is personal except which person muted which event (ids only), which goes with
the person (ON DELETE CASCADE). Everything goes with its event.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime, uuid_pk


class EventReminderSettings(Base):
    """An event's own reminder offsets, in minutes before the start (default: 7 days, 1 day, 1 hour)."""

    __tablename__ = "event_reminder_settings"

    event_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    offsets_minutes: Mapped[list[int]] = mapped_column(JSON)


class ReminderWave(Base):
    """One offset of one version of an event: registrations changed since `planned_through` still need planning."""

    __tablename__ = "reminder_waves"

    event_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    offset_minutes: Mapped[int] = mapped_column(Integer, primary_key=True)
    planned_through: Mapped[datetime] = mapped_column(UtcDateTime)
    planned: Mapped[int] = mapped_column(Integer, default=0)  # deliveries queued so far


class ReminderMute(Base):
    """A person asked for no more reminders of one event."""

    __tablename__ = "reminder_mutes"

    event_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class EventChange(Base):
    """A change people had to hear of: which fields, old and new (times as ISO UTC), and how many were told."""

    __tablename__ = "event_changes"

    id: Mapped[uuid.UUID] = uuid_pk()
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("events.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    changes: Mapped[dict[str, list[str | None]]] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    notices: Mapped[int] = mapped_column(Integer, default=0)


class InvitationRecord(Base):
    """The invitations of a published consultation or review meeting (R8), and whether they went out late."""

    __tablename__ = "invitation_records"

    event_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    published_at: Mapped[datetime] = mapped_column(UtcDateTime)
    send_at: Mapped[datetime] = mapped_column(UtcDateTime)  # when the invitations go out
    lead_days: Mapped[int] = mapped_column(Integer)  # whole days between sending and the meeting
    late: Mapped[bool] = mapped_column(Boolean)  # less than six weeks before the meeting
    planned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # invitations queued
    invited: Mapped[int] = mapped_column(Integer, default=0)
    staff_warned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CalendarSetting(Base):
    """Small facts the calendar needs outside the bot process, e.g. the bot's username for deep links."""

    __tablename__ = "calendar_settings"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
