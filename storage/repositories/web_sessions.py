"""Sign-in links and sessions of the browser console: rows keyed by token hashes, nothing else.

The callers hash the tokens; this module never sees a token itself.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import StaffMember, WebSession, WebSignInLink


async def add_link(
    session: AsyncSession,
    *,
    token_hash: bytes,
    staff_member_id: uuid.UUID,
    language: str,
    time_zone: str | None,
    now: datetime,
    lifetime: timedelta,
) -> WebSignInLink:
    link = WebSignInLink(
        token_hash=token_hash,
        staff_member_id=staff_member_id,
        language=language,
        time_zone=time_zone,
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(link)
    await session.flush()
    return link


async def usable_link(session: AsyncSession, token_hash: bytes, *, now: datetime) -> WebSignInLink | None:
    """The link if it is unused and unexpired (a look only: showing the sign-in page uses nothing)."""
    link = await session.scalar(select(WebSignInLink).where(WebSignInLink.token_hash == token_hash))
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    return link


async def use_link(session: AsyncSession, token_hash: bytes, *, now: datetime) -> WebSignInLink | None:
    """Mark the link used, once: of two concurrent uses only one finds it unused."""
    result = await session.execute(
        update(WebSignInLink)
        .where(
            WebSignInLink.token_hash == token_hash,
            WebSignInLink.used_at.is_(None),
            WebSignInLink.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return None
    return await session.scalar(select(WebSignInLink).where(WebSignInLink.token_hash == token_hash))


async def open_session(
    session: AsyncSession, link: WebSignInLink, *, token_hash: bytes, now: datetime
) -> WebSession:
    found = WebSession(
        token_hash=token_hash,
        staff_member_id=link.staff_member_id,
        language=link.language,
        time_zone=link.time_zone,
        created_at=now,
        last_seen_at=now,
    )
    session.add(found)
    await session.flush()
    return found


async def live_session(
    session: AsyncSession, token_hash: bytes, *, now: datetime, idle: timedelta, lifetime: timedelta
) -> tuple[WebSession, StaffMember] | None:
    """The open session and its staff member, if both are still valid; its idle clock restarts.

    A session idle too long, or older than its lifetime, is ended here; one whose staff
    member was removed is refused (and ended) too.
    """
    row = (
        await session.execute(
            select(WebSession, StaffMember)
            .join(StaffMember, StaffMember.id == WebSession.staff_member_id)
            .where(WebSession.token_hash == token_hash, WebSession.ended_at.is_(None))
        )
    ).first()
    if row is None:
        return None
    found, member = row[0], row[1]
    if (
        member.removed_at is not None
        or found.last_seen_at + idle <= now
        or found.created_at + lifetime <= now
    ):
        found.ended_at = now
        return None
    found.last_seen_at = now
    return found, member


async def end(session: AsyncSession, session_id: uuid.UUID, *, now: datetime) -> None:
    await session.execute(
        update(WebSession)
        .where(WebSession.id == session_id, WebSession.ended_at.is_(None))
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    )


async def end_all(session: AsyncSession, staff_member_id: uuid.UUID, *, now: datetime) -> int:
    """Sign a staff member out of every browser, and void the links not used yet. Returns sessions ended."""
    result = await session.execute(
        update(WebSession)
        .where(WebSession.staff_member_id == staff_member_id, WebSession.ended_at.is_(None))
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(WebSignInLink)
        .where(WebSignInLink.staff_member_id == staff_member_id, WebSignInLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
