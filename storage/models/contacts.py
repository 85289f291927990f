"""Outreach contacts (R21): people regional network members told us about, to invite.

A contact is not yet a person who talks to us: name, email and organisation are sealed,
the email has a blind index for de-duplication, and `source` names the list it came from.
Inviting a contact makes a `people` row with the unverified email address (so the outbox
can reach it) and links it here; that person has consented to nothing yet.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime, uuid_pk
from storage.sealed import SealedText


class InvitationState(StrEnum):
    NOT_INVITED = "not_invited"
    QUEUED = "queued"  # an invitation is in the outbox
    JOINED = "joined"  # the contact became a person who uses the bot


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[uuid.UUID] = uuid_pk()
    name: Mapped[str | None] = mapped_column(SealedText)
    email: Mapped[str] = mapped_column(SealedText)
    email_index: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    organisation: Mapped[str | None] = mapped_column(SealedText)
    country: Mapped[str | None] = mapped_column(String(2))
    language: Mapped[str | None] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(64))
    invitation: Mapped[str] = mapped_column(String(16), default=InvitationState.NOT_INVITED.value)
    invited_event: Mapped[str | None] = mapped_column(String(16))  # the event code of the deep link
    person_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    invited_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
