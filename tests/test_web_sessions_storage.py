"""Sign-in links and sessions of the browser console on SQLite and PostgreSQL: a link is used once
even by two concurrent uses, expires, and a session ends on idleness, removal and /web off."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.web import sessions
from bot.web.settings import WebSettings, on_loopback
from bot.web.tokens import csrf_token, token_hash
from storage.db import Database
from storage.models import AuditEntry, StaffRole, WebSession
from storage.repositories import staff, web_sessions

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SETTINGS = WebSettings()


async def _member(db: Database, telegram_id: int = 501) -> uuid.UUID:
    async with db.session() as session:
        return (await staff.add(session, db.keyring, telegram_id, StaffRole.LIAISON, now=NOW)).id


async def _live(db: Database, token: str, now: datetime) -> bool:
    async with db.session() as session:
        found = await web_sessions.live_session(
            session,
            token_hash(token),
            now=now,
            idle=SETTINGS.idle_timeout,
            lifetime=SETTINGS.session_lifetime,
        )
        return found is not None


async def test_a_link_signs_in_once_even_when_used_twice_at_once(database: Database) -> None:
    member_id = await _member(database)
    async with database.session() as session:
        token = await sessions.issue_link(
            session, SETTINGS, member_id, language="ar", time_zone=None, now=NOW
        )

    async def use() -> sessions.SignedIn | None:
        async with database.session() as session:
            return await sessions.sign_in(session, token, now=NOW + timedelta(minutes=1))

    results = await asyncio.gather(use(), use(), return_exceptions=True)
    signed = [r for r in results if isinstance(r, sessions.SignedIn)]
    assert len(signed) == 1, results
    async with database.session() as session:
        opened = list(await session.scalars(select(WebSession)))
        audited = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "web.sign_in")))
    assert (
        len(opened) == 1
        and opened[0].language == "ar"
        and opened[0].token_hash == token_hash(signed[0].session_token)
    )
    assert len(audited) == 1
    assert await _live(database, signed[0].session_token, NOW + timedelta(minutes=2))


async def test_an_expired_or_unknown_link_signs_nobody_in(database: Database) -> None:
    member_id = await _member(database)
    async with database.session() as session:
        token = await sessions.issue_link(
            session, SETTINGS, member_id, language="en", time_zone=None, now=NOW
        )
    async with database.session() as session:
        assert not await sessions.link_usable(session, token, now=NOW + SETTINGS.link_lifetime)
        assert await sessions.sign_in(session, token, now=NOW + SETTINGS.link_lifetime) is None
        assert await sessions.sign_in(session, "not-a-token", now=NOW) is None
        assert await sessions.sign_in(session, "", now=NOW) is None


async def test_sessions_end_when_idle_when_removed_and_everywhere(database: Database) -> None:
    member_id = await _member(database)

    async def signed_in(at: datetime) -> str:
        async with database.session() as session:
            token = await sessions.issue_link(
                session, SETTINGS, member_id, language="en", time_zone=None, now=at
            )
        async with database.session() as session:
            found = await sessions.sign_in(session, token, now=at)
        assert found is not None
        return found.session_token

    idle = await signed_in(NOW)
    assert await _live(
        database, idle, NOW + SETTINGS.idle_timeout - timedelta(seconds=1)
    )  # the click restarts the clock
    assert not await _live(database, idle, NOW + 2 * SETTINGS.idle_timeout)
    assert not await _live(
        database, idle, NOW + 2 * SETTINGS.idle_timeout - timedelta(minutes=1)
    )  # ended for good

    first, second = await signed_in(NOW), await signed_in(NOW)
    async with database.session() as session:
        assert await sessions.sign_out_everywhere(session, member_id, now=NOW) == 2
    assert not await _live(database, first, NOW) and not await _live(database, second, NOW)

    kept = await signed_in(NOW)
    async with database.session() as session:
        await staff.remove(session, database.keyring, 501, now=NOW)
    assert not await _live(database, kept, NOW + timedelta(seconds=1))


def test_csrf_token_is_bound_to_the_session_and_secure_cookie_outside_loopback(database: Database) -> None:
    assert csrf_token(database.keyring, "session-a") != csrf_token(database.keyring, "session-b")
    assert csrf_token(database.keyring, "session-a") == csrf_token(database.keyring, "session-a")
    assert on_loopback("http://127.0.0.1:8080") and on_loopback("http://localhost:8080")
    assert not on_loopback("https://liaison.example.org")
