"""Signing staff in and out of the browser console: one-use links from the chat, sessions, sign-out.

The chat's `/web` and the sign-in page both come here, so the link's lifetime, its single
use and the audit entries exist once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.web.settings import WebSettings
from bot.web.tokens import new_token, token_hash
from storage.models import StaffMember
from storage.repositories import audit, web_sessions
from storage.repositories.audit import staff_actor


@dataclass(frozen=True)
class SignedIn:
    session_token: str
    staff_member_id: uuid.UUID


async def issue_link(
    session: AsyncSession,
    settings: WebSettings,
    staff_member_id: uuid.UUID,
    *,
    language: str,
    time_zone: str | None,
    now: datetime,
) -> str:
    """A new single-use sign-in token for the staff member; only its hash is stored."""
    token = new_token()
    await web_sessions.add_link(
        session,
        token_hash=token_hash(token),
        staff_member_id=staff_member_id,
        language=language,
        time_zone=time_zone,
        now=now,
        lifetime=settings.link_lifetime,
    )
    return token


async def link_usable(session: AsyncSession, token: str, *, now: datetime) -> bool:
    return bool(token) and await web_sessions.usable_link(session, token_hash(token), now=now) is not None


async def sign_in(session: AsyncSession, token: str, *, now: datetime) -> SignedIn | None:
    """Use the link (once) and open a session; None when the link is used, expired or unknown,
    or its staff member was removed since."""
    if not token:
        return None
    link = await web_sessions.use_link(session, token_hash(token), now=now)
    if link is None:
        return None
    member = await session.get(StaffMember, link.staff_member_id)
    if member is None or member.removed_at is not None:
        return None
    session_token = new_token()
    opened = await web_sessions.open_session(session, link, token_hash=token_hash(session_token), now=now)
    await audit.append(
        session, at=now, actor=staff_actor(member.id), action="web.sign_in",
        subject_type="web_session", subject_id=str(opened.id),
    )  # fmt: skip
    return SignedIn(session_token, member.id)


async def sign_out_everywhere(session: AsyncSession, staff_member_id: uuid.UUID, *, now: datetime) -> int:
    ended = await web_sessions.end_all(session, staff_member_id, now=now)
    await audit.append(
        session, at=now, actor=staff_actor(staff_member_id), action="web.sign_out_everywhere",
        subject_type="staff_member", subject_id=str(staff_member_id),
    )  # fmt: skip
    return ended
