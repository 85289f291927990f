"""Reminders and change notices end to end: the clock plans, the outbox workers send through the
sandbox Bot API and a real SMTP server. Time comes from a ManualClock; nothing sleeps to pass time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.sandbox.server import SandboxServer
from scheduler import change_notices, reminders
from scheduler.clock import ManualClock
from storage.crypto.keyring import Keyring
from storage.models import Event
from tests.bot_fixtures import RunningBot, bot_with_email
from tests.calendar_helpers import an_event, outbox_rows, register, someone
from tests.smtp_fixtures import SmtpServer
from tests.waiting import eventually

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 4, 2, 10, tzinfo=PARIS).astimezone(UTC)  # 10:00 CEST, after the change of 29 March


@pytest.fixture
async def mail_bot(
    sandbox: SandboxServer,
    sqlite_url: str,
    keyring: Keyring,
    smtp_server: SmtpServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[RunningBot]:
    monkeypatch.setenv("LIAISON_OUTBOX_POLL_SECONDS", "0.05")
    monkeypatch.setenv("LIAISON_OUTBOX_HTTP_ENABLED", "false")
    monkeypatch.setenv("LIAISON_OUTBOX_PRIVATE_CHAT_INTERVAL", "0")
    clock = ManualClock(datetime(2026, 3, 1, 9, tzinfo=UTC))  # registration: winter time in Paris
    smtp = (smtp_server.host, smtp_server.port)
    async with bot_with_email(sandbox, sqlite_url, keyring, smtp, tmp_path, clock=clock) as running:
        yield running


def texts(sandbox: SandboxServer, user_id: int) -> list[str]:
    return [message.text or "" for message in sandbox.chat(user_id).bot_messages]


def calendar_of(mail: object) -> Calendar:
    parts = [part for part in mail.message.iter_attachments()]  # type: ignore[attr-defined]
    (part,) = [part for part in parts if part.get_content_type() == "text/calendar"]
    return Calendar.from_ical(part.get_payload(decode=True))


async def test_reminders_restart_and_reschedule_in_two_zones_and_languages(
    mail_bot: RunningBot, sandbox: SandboxServer, smtp_server: SmtpServer
) -> None:
    services = mail_bot.services
    clock = services.clock
    assert isinstance(clock, ManualClock)
    amina_user = sandbox.add_user(first_name="Amina", language_code="fr")
    li_user = sandbox.add_user(first_name="Li", language_code="zh")
    async with services.db.session() as session:
        now = clock()
        event = await an_event(session, now=now, starts_at=START, time_zone="Europe/Paris")
        amina = await someone(
            session,
            services.keyring,
            now=now,
            language="fr",
            time_zone="Europe/Paris",
            telegram_id=amina_user.id,
            email="amina@example.org",
        )
        li = await someone(
            session,
            services.keyring,
            now=now,
            language="zh",
            time_zone="Asia/Shanghai",
            telegram_id=li_user.id,
        )
        await register(session, event, amina, now=now)
        await register(session, event, li, now=now)
        event_id = event.id

    async def plan_and_send(offset: timedelta, expected: int, *, restart: bool = False) -> None:
        clock.set(START - offset - reminders.MAX_SHIFT)  # the wave opens: queued, not yet due
        assert await reminders.plan_reminders(services) == 3
        if restart:
            await mail_bot.restart()  # a deploy between planning and sending
            assert await reminders.plan_reminders(services) == 0
        assert len(texts(sandbox, amina_user.id)) == expected - 1  # nothing before its time
        clock.set(START - offset)
        await eventually(
            lambda: (
                len(texts(sandbox, amina_user.id)) == expected and len(texts(sandbox, li_user.id)) == expected
            )
        )
        await smtp_server.sink.wait_for(expected)
        await all_recorded()

    async def all_recorded() -> None:
        """Outcomes are committed in groups: wait for them before the clock jumps days ahead (as leases
        measured by the manual clock would otherwise expire at once)."""

        async def recorded() -> bool:
            async with services.db.session() as session:
                return all(
                    row.state == "sent" for row in await outbox_rows(session) if row.send_after <= clock()
                )

        await eventually(recorded)

    # 7 days before: 09:00 in Paris (still winter time), 16:00 in Shanghai; the event shows local times.
    await plan_and_send(timedelta(days=7), 1)
    french, chinese = texts(sandbox, amina_user.id)[-1], texts(sandbox, li_user.id)[-1]
    assert french.startswith("Rappel") and "10:00" in french and "https://meet.example/join" in french
    assert chinese.startswith("提醒") and "16:00" in chinese and "/mute" in chinese
    mail = smtp_server.sink.received[-1]
    assert str(mail.message["Subject"]).startswith("Rappel")
    vevent = calendar_of(mail).walk("VEVENT")[0]
    assert vevent.decoded("dtstart") == START and str(vevent["dtstart"].params["TZID"]) == "Europe/Paris"
    assert int(str(vevent["sequence"])) == 1

    # 1 day before, with a restart between planning and sending: each goes out once.
    await plan_and_send(timedelta(days=1), 2, restart=True)

    # Rescheduled by two hours, twenty hours before: a notice with old and new local times, at once.
    clock.set(START - timedelta(hours=20))
    async with services.db.session() as session:
        found = await session.get(Event, event_id)
        assert found is not None
        result = await change_notices.update_event(
            session,
            services.translator,
            found,
            change_notices.EventEdit(starts_at=START + timedelta(hours=2)),
            now=clock(),
        )
    assert result.version == 2 and set(result.changes) == {"starts_at"} and result.notices == 3
    await eventually(lambda: len(texts(sandbox, amina_user.id)) == 3 and len(texts(sandbox, li_user.id)) == 3)
    french, chinese = texts(sandbox, amina_user.id)[-1], texts(sandbox, li_user.id)[-1]
    assert "10:00" in french and "12:00" in french and french.index("10:00") < french.index("12:00")
    assert "16:00" in chinese and "18:00" in chinese and chinese.index("16:00") < chinese.index("18:00")
    (notice,) = [m for m in await smtp_server.sink.wait_for(3) if "Modifié" in str(m.message["Subject"])]
    await all_recorded()
    assert int(str(calendar_of(notice).walk("VEVENT")[0]["sequence"])) == 2

    # The new version's 1-hour reminder goes out; the 1-day one is not repeated.
    new_start = START + timedelta(hours=2)
    clock.set(new_start - timedelta(hours=1))
    assert await reminders.plan_reminders(services) == 3
    await eventually(lambda: len(texts(sandbox, amina_user.id)) == 4 and len(texts(sandbox, li_user.id)) == 4)
    assert "12:00" in texts(sandbox, amina_user.id)[-1]
    await smtp_server.sink.wait_for(4)
    await all_recorded()  # the last outcomes are committed a moment after the messages arrive
    clock.advance(timedelta(minutes=30))
    assert await reminders.plan_reminders(services) == 0
    async with services.db.session() as session:
        rows = await outbox_rows(session)
    assert [row.state for row in rows] == ["sent"] * len(rows) and len(rows) == 12
    assert len(smtp_server.sink.received) == 4 and len(texts(sandbox, li_user.id)) == 4
