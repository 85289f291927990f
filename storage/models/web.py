"""Sign-in links and sessions of the staff console in the browser.

Only SHA-256 hashes of the link and cookie tokens are stored: a copy of the database
signs nobody in. The staff member's role is not copied here; it is read from
`staff_members` on every request, so a removal takes effect on the next click.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime, uuid_pk


class WebSignInLink(Base):
    """A single-use link sent by /web in a staff member's private chat."""

    __tablename__ = "web_sign_in_links"

    id: Mapped[uuid.UUID] = uuid_pk()
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    staff_member_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("staff_members.id", ondelete="CASCADE"), index=True
    )
    # The language and time zone of the chat that asked for the link: the console's, too.
    language: Mapped[str] = mapped_column(String(8))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class WebSession(Base):
    """A signed-in browser; ended by sign-out, `/web off`, the idle timeout or its lifetime."""

    __tablename__ = "web_sessions"

    id: Mapped[uuid.UUID] = uuid_pk()
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    staff_member_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("staff_members.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(8))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
