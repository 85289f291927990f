"""Staff broadcasts: audience rules as plain functions; the /broadcast dialog end to end."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.sandbox.driver import SandboxPerson
from bot.sandbox.server import SandboxServer
from scheduler import broadcasts
from scheduler.broadcasts import Audience, Candidate, Recipient, eligible, preview, version_for
from storage.crypto.keyring import Keyring
from storage.db import Database
from storage.models import AuditEntry, Channel, OutboxMessage, StaffRole
from storage.repositories import outbox as outbox_repository
from storage.repositories import people, staff
from tests.bot_fixtures import RunningBot, bot_with_email
from tests.smtp_fixtures import SmtpServer
from tests.test_senders_telegram import eventually

# --- rules ---


def candidate(**kw: object) -> Candidate:
    values: dict[str, object] = {
        "address_id": uuid.uuid4(),
        "channel": "telegram",
        "language": "en",
        "country": "KE",
        "stakeholder_type": "civil_society",
        "wants_updates": True,
    }
    values.update(kw)
    return Candidate(**values)  # type: ignore[arg-type]


def test_audience_rules() -> None:
    everyone = Audience()
    assert eligible(candidate(), everyone)
    assert not eligible(candidate(wants_updates=False), everyone)
    assert not eligible(candidate(usable=False), everyone)
    assert not eligible(candidate(erased=True), everyone)
    assert not eligible(candidate(channel="email", usable=False), everyone)
    assert not eligible(candidate(), Audience(channels=("email",)))
    africa = Audience(regions=("africa",))
    assert eligible(candidate(country="KE"), africa)
    assert not eligible(candidate(country="FR"), africa)
    assert eligible(candidate(country="FR", subscribed_regions=frozenset({"africa"})), africa)
    assert eligible(candidate(country="FR"), Audience(regions=("global",)))
    media = Audience(stakeholder_types=("media",))
    assert not eligible(candidate(), media) and eligible(candidate(stakeholder_type="media"), media)
    # An event's registrants get it without an updates opt-in; others do not.
    event = Audience(event_code="ABC")
    assert eligible(candidate(wants_updates=False, registered=True), event)
    assert not eligible(candidate(registered=False), event)


def test_versions_and_preview_counts() -> None:
    assert version_for("fr", ["en", "fr"], "en") == "fr"
    assert version_for("ar", ["en", "fr"], "en") == "en"
    assert version_for("ar", ["fr"], "en") == "fr"
    people_ = [
        Recipient(uuid.uuid4(), "telegram", "fr"),
        Recipient(uuid.uuid4(), "email", "fr"),
        Recipient(uuid.uuid4(), "telegram", "zh"),
    ]
    result = preview(people_, ["en", "fr"], "en")
    assert result.total == 3 and result.fallback == 1
    assert result.counts == {("fr", "telegram"): 1, ("fr", "email"): 1, ("en", "telegram"): 1}
    assert broadcasts.subject_of("Briefing on Friday\nDetails") == "Briefing on Friday"
    assert broadcasts.check_version("x" * 4001) == "too_long" and broadcasts.check_version("  ") == "empty"


# --- the dialog ---


@pytest.fixture
async def mail_bot(
    sandbox: SandboxServer,
    sqlite_url: str,
    keyring: Keyring,
    smtp_server: SmtpServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[RunningBot]:
    monkeypatch.setenv("LIAISON_OUTBOX_PROGRESS_SECONDS", "0.2")
    monkeypatch.setenv("LIAISON_OUTBOX_POLL_SECONDS", "0.1")
    monkeypatch.setenv("LIAISON_OUTBOX_HTTP_ENABLED", "false")
    monkeypatch.setenv("LIAISON_OUTBOX_PRIVATE_CHAT_INTERVAL", "0")
    smtp = (smtp_server.host, smtp_server.port)
    async with bot_with_email(sandbox, sqlite_url, keyring, smtp, tmp_path) as running:
        yield running


async def add_subscriber(
    db: Database, channel: Channel, address: str, *, language: str, country: str = "KE", consent: bool = True
) -> uuid.UUID:
    now = datetime.now(UTC)
    async with db.session() as session:
        person = await people.create(session, now=now, language=language)
        person.country = country
        entry = await people.add_address(
            session, db.keyring, person, channel, address, now=now, verified=True
        )
        await people.record_consent(session, person, "updates", granted=consent, text_version="v1", now=now)
    return entry.id


async def test_staff_broadcast_compose_preview_send_progress(
    mail_bot: RunningBot, sandbox: SandboxServer, smtp_server: SmtpServer
) -> None:
    db = mail_bot.services.db
    officer = SandboxPerson(sandbox, sandbox.add_user("Officer", language_code="en"))
    async with db.session() as session:
        await staff.add(session, db.keyring, officer.id, StaffRole.LIAISON, now=datetime.now(UTC))
    readers = {code: sandbox.add_user(f"R{code}", language_code=code) for code in ("en", "fr", "zh")}
    for code, user in readers.items():
        await add_subscriber(db, Channel.TELEGRAM, str(user.id), language=code)
    await add_subscriber(db, Channel.EMAIL, "ana@example.org", language="fr")
    silent = sandbox.add_user("NoConsent")
    await add_subscriber(db, Channel.TELEGRAM, str(silent.id), language="en", consent=False)
    europe = sandbox.add_user("Europe")
    await add_subscriber(db, Channel.TELEGRAM, str(europe.id), language="en", country="FR")

    await officer.send("/broadcast")
    assert "English" in (await officer.next_reply()).text
    await officer.send("Briefing on Friday\nJoin us at 10:00.")
    assert "Versions written: English" in (await officer.next_reply()).text
    await officer.press("Français")
    assert "Français" in (await officer.next_reply()).text
    await officer.send("x" * 4001)
    assert "too long" in (await officer.next_reply()).text
    await officer.send("Briefing vendredi\nRejoignez-nous à 10 h.")
    await officer.next_reply()
    await officer.press("Continue")
    await officer.next_reply()
    await officer.press("People who agreed to updates")
    await officer.next_reply()
    await officer.send("what now?")  # unexpected input mid-dialog gets help
    assert "buttons" in (await officer.next_reply()).text
    await officer.press("Africa (ECA)")
    await officer.next_reply()
    await officer.press("All kinds")
    await officer.next_reply()
    await officer.press("By Telegram and email")
    summary = (await officer.next_reply()).text
    assert "Recipients: 4." in summary
    assert "Français by Telegram: 1" in summary and "Français by email: 1" in summary
    assert "English by Telegram: 2" in summary  # the Chinese reader gets English
    assert "1 of them gets another language" in summary
    await officer.press("Send now")
    progress = await officer.next_reply()
    assert progress.text.startswith("Sending the broadcast")

    await eventually(lambda: all(sandbox.chat(user.id).bot_messages for user in readers.values()))
    assert sandbox.chat(readers["fr"].id).bot_messages[-1].text == "Briefing vendredi\nRejoignez-nous à 10 h."
    assert sandbox.chat(readers["zh"].id).bot_messages[-1].text.startswith("Briefing on Friday")
    assert not sandbox.chat(silent.id).bot_messages and not sandbox.chat(europe.id).bot_messages
    (mail,) = await smtp_server.sink.wait_for(1)
    assert str(mail.message["Subject"]) == "Briefing vendredi" and mail.message["List-Unsubscribe"]
    await eventually(
        lambda: "Broadcast finished." in sandbox.chat(officer.id).messages[progress.message_id].text
    )
    final = sandbox.chat(officer.id).messages[progress.message_id].text
    assert "Sent: 4. Failed: 0. Left: 0." in final


async def test_broadcast_is_staff_only_and_can_be_cancelled(
    mail_bot: RunningBot, sandbox: SandboxServer
) -> None:
    db = mail_bot.services.db
    stranger = SandboxPerson(sandbox, sandbox.add_user("Stranger", language_code="ru"))
    await stranger.send("/broadcast")
    assert "/help" in (await stranger.next_reply()).text

    officer = SandboxPerson(sandbox, sandbox.add_user("Officer", language_code="en"))
    async with db.session() as session:
        await staff.add(session, db.keyring, officer.id, StaffRole.ADMINISTRATOR, now=datetime.now(UTC))
    readers = [sandbox.add_user(f"Reader{n}") for n in range(60)]
    for reader in readers:
        await add_subscriber(db, Channel.TELEGRAM, str(reader.id), language="en")

    async def compose() -> None:
        await officer.send("/broadcast")
        await officer.next_reply()
        await officer.send("Update\nMore soon.")
        await officer.next_reply()
        await officer.press("Continue")
        await officer.next_reply()
        await officer.press("People who agreed to updates")
        await officer.next_reply()
        await officer.press("Global (all regions)")
        await officer.next_reply()
        await officer.press("All kinds")
        await officer.next_reply()

    # Staff removed mid-dialog: the role is checked on every step.
    await compose()
    async with db.session() as session:
        await staff.remove(session, db.keyring, officer.id, now=datetime.now(UTC))
    await officer.press("By Telegram")
    assert "/help" in (await officer.next_reply()).text
    async with db.session() as session:
        await staff.add(session, db.keyring, officer.id, StaffRole.ADMINISTRATOR, now=datetime.now(UTC))
        assert (await session.scalars(select(OutboxMessage))).all() == []

    # At 25 a second, 60 messages take over two seconds: cancel while they go out.
    await compose()
    await officer.press("By Telegram")
    assert "Recipients: 60." in (await officer.next_reply()).text
    await officer.press("Send now")
    progress = await officer.next_reply()
    await officer.press("Cancel the broadcast")
    await eventually(
        lambda: "Broadcast cancelled." in sandbox.chat(officer.id).messages[progress.message_id].text
    )
    async with db.session() as session:
        (broadcast_id,) = set((await session.scalars(select(OutboxMessage.broadcast_id))).all())
    assert broadcast_id is not None
    await eventually(lambda: _settled(db, broadcast_id))
    async with db.session() as session:
        result = await outbox_repository.broadcast_progress(session, broadcast_id)
    delivered = sum(1 for reader in readers if sandbox.chat(reader.id).bot_messages)
    assert result.cancelled > 0 and result.sent == delivered < 60
    assert result.sent + result.cancelled == 60
    # Audited as from the browser console and the CLI (one service for all three).
    async with db.session() as session:
        member = await staff.find_active(session, db.keyring, officer.id)
        entries = (
            await session.scalars(select(AuditEntry).where(AuditEntry.subject_id == str(broadcast_id)))
        ).all()
    assert member is not None
    assert sorted((e.action, e.actor) for e in entries) == [
        ("broadcast.cancelled", f"staff:{member.id}"),
        ("broadcast.sent", f"staff:{member.id}"),
    ]


async def _settled(db: Database, broadcast_id: uuid.UUID) -> bool:
    async with db.session() as session:
        return (await outbox_repository.broadcast_progress(session, broadcast_id)).done
