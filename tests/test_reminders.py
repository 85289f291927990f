"""Reminder rules as plain functions, and the planning clock on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.services import Services
from scheduler import reminders
from scheduler.clock import ManualClock
from scheduler.reminders import (
    DEFAULT_OFFSETS,
    Reminder,
    format_offset,
    parse_offsets,
    reminder_times,
    send_time,
    should_remind,
)
from storage.db import Database
from storage.models import RegistrationStatus
from storage.repositories import calendar, registrations
from tests.bot_fixtures import make_services, settings_for_tests
from tests.calendar_helpers import an_event, outbox_rows, register, someone

PARIS = ZoneInfo("Europe/Paris")
DAY, HOUR = timedelta(days=1), timedelta(hours=1)


def utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


# --- the rules ---


def test_daytime_reminder_is_sent_at_its_time() -> None:
    start = utc(2026, 6, 10, 12)
    assert send_time(start - 7 * DAY, start, "Europe/Paris") == start - 7 * DAY


def test_night_reminder_moves_to_the_morning_when_the_event_is_still_a_day_away() -> None:
    start = utc(2026, 6, 10, 1)  # 03:00 in Paris (CEST): the 7-day reminder falls at 03:00 local
    moved = send_time(start - 7 * DAY, start, "Europe/Paris")
    assert moved.astimezone(PARIS).hour == 7
    assert moved.astimezone(PARIS).date() == (start - 7 * DAY).astimezone(PARIS).date()


def test_night_day_before_reminder_moves_to_the_evening_before_not_later() -> None:
    start = utc(2026, 6, 10, 1)  # 03:00 local; the morning after would leave less than a day
    moved = send_time(start - DAY, start, "Europe/Paris")
    local = moved.astimezone(PARIS)
    assert (local.hour, local.day) == (21, 8)
    assert start - moved >= DAY


def test_event_less_than_a_day_away_is_reminded_even_at_night() -> None:
    start = utc(2026, 6, 10, 1)
    assert send_time(start - HOUR, start, "Europe/Paris") == start - HOUR


def test_quiet_hours_follow_the_recipients_zone_not_utc() -> None:
    start = utc(2026, 6, 10, 12)
    nominal = start - 7 * DAY  # 12:00 UTC: 14:00 in Paris, 22:00 in Sydney (night)
    assert send_time(nominal, start, "Europe/Paris") == nominal
    moved = send_time(nominal, start, "Australia/Sydney")
    assert moved.astimezone(ZoneInfo("Australia/Sydney")).hour == 7


def test_reminders_across_a_daylight_saving_change_keep_the_exact_offsets() -> None:
    # Paris changes to summer time on 29 March 2026; the event is on 2 April at 10:00 local.
    start = datetime(2026, 4, 2, 10, tzinfo=PARIS).astimezone(UTC)
    times = reminder_times(start, DEFAULT_OFFSETS, "Europe/Paris")
    assert [r.offset for r in times] == [7 * DAY, DAY, HOUR]
    week = times[0].send_at
    assert start - week == 7 * DAY  # exactly 168 hours before, though the local clock moved
    assert week.astimezone(PARIS).hour == 9  # 09:00 CET, a week before 10:00 CEST


def test_a_reminder_due_before_registration_is_not_sent() -> None:
    start = utc(2026, 6, 10, 12)
    times = reminder_times(start, DEFAULT_OFFSETS, "UTC")
    week = times[0]
    assert not should_remind(
        week, times, event_start=start, registered_at=start - 3 * DAY, now=start - 3 * DAY
    )
    assert should_remind(
        times[1], times, event_start=start, registered_at=start - 3 * DAY, now=start - 3 * DAY
    )


def test_after_an_outage_only_the_nearest_reminder_goes_out() -> None:
    start = utc(2026, 6, 10, 12)
    times = reminder_times(start, DEFAULT_OFFSETS, "UTC")
    now = start - 2 * HOUR  # asleep since before the 7-day reminder
    due = [
        r
        for r in times
        if should_remind(r, times, event_start=start, registered_at=start - 30 * DAY, now=now)
    ]
    assert [r.offset for r in due] == [DAY, HOUR]  # the 1-day one now (late), the 1-hour one on time
    assert not should_remind(times[0], times, event_start=start, registered_at=start - 30 * DAY, now=now)
    assert not should_remind(
        Reminder(HOUR, start - HOUR), times, event_start=start, registered_at=start, now=start
    )


def test_offsets_parse_and_print() -> None:
    assert parse_offsets("7d, 1d,1h") == list(DEFAULT_OFFSETS)
    assert [format_offset(o) for o in parse_offsets("30m,2h,3d")] == ["3d", "2h", "30m"]
    for bad in ("", "7x", "1m", "90d", "1d,2d,3d,4d,5d,6d,7d"):
        with pytest.raises(ValueError):
            parse_offsets(bad)


# --- the planning clock ---


@pytest.fixture
async def services(database: Database, tmp_path: Path) -> Services:
    clock = ManualClock(utc(2026, 3, 1, 8))
    return make_services(settings_for_tests(tmp_path), database, clock)


def clock_of(services: Services) -> ManualClock:
    assert isinstance(services.clock, ManualClock)
    return services.clock


async def test_each_offset_is_planned_once_per_address_in_two_zones_and_languages(services: Services) -> None:
    clock = clock_of(services)
    now = clock()
    start = datetime(2026, 4, 2, 10, tzinfo=PARIS).astimezone(UTC)  # after Paris's change to summer time
    async with services.db.session() as session:
        event = await an_event(session, now=now, starts_at=start, time_zone="Europe/Paris")
        amina = await someone(
            session,
            services.keyring,
            now=now,
            language="fr",
            time_zone="Europe/Paris",
            telegram_id=101,
            email="amina@example.org",
        )
        li = await someone(
            session, services.keyring, now=now, language="zh", time_zone="Asia/Shanghai", telegram_id=102
        )
        await register(session, event, amina, now=now)
        await register(session, event, li, now=now, kind="observer")
    assert await reminders.plan_reminders(services) == 0  # nothing due for a month

    for offset in DEFAULT_OFFSETS:
        clock.set(start - offset - reminders.MAX_SHIFT)
        await reminders.plan_reminders(services)
        await reminders.plan_reminders(services)  # a second tick queues nothing more
    async with services.db.session() as session:
        rows = await outbox_rows(session, "rem:")
    assert len(rows) == 3 * 3  # three offsets × (Amina's chat and email, Li's chat)
    assert len({row.key for row in rows}) == 9
    french = [row for row in rows if row.address_id == amina.telegram]
    assert all("Rappel" in row.body for row in french)
    assert "https://meet.example/join" in french[0].body
    chinese = [row for row in rows if row.address_id == li.telegram]
    assert all("提醒" in row.body for row in chinese)
    assert all("watch.example" in row.body and "meet.example" not in row.body for row in chinese)  # observer
    emails = [row for row in rows if row.address_id == amina.email]
    assert all(row.subject and row.attachment and "text/calendar" in row.attachment for row in emails)
    assert all(row.attachment is None for row in rows if row.channel == "telegram")
    # Times: the 7-day reminder is 09:00 in Paris (CET), 16:00 in Shanghai; both exactly 168 h before.
    week: dict[object, datetime] = {
        row.address_id: row.send_after for row in rows if row.key.split(":")[3] == str(7 * 24 * 60)
    }
    assert week[amina.telegram] == start - 7 * DAY == week[li.telegram]
    assert "10:00" in french[0].body  # the event's start in Paris
    assert "16:00" in chinese[0].body  # and in Shanghai


async def test_mute_withdrawal_and_late_registration(services: Services) -> None:
    clock = clock_of(services)
    now = clock()
    start = now + 10 * DAY
    async with services.db.session() as session:
        event = await an_event(session, now=now, starts_at=start)
        muted = await someone(session, services.keyring, now=now, telegram_id=1)
        leaving = await someone(session, services.keyring, now=now, telegram_id=2)
        staying = await someone(session, services.keyring, now=now, telegram_id=3)
        for who in (muted, leaving, staying):
            await register(session, event, who, now=now)
    clock.set(start - DAY - reminders.MAX_SHIFT)  # the 1-day wave opens (the 7-day one too, late)
    await reminders.plan_reminders(services)
    async with services.db.session() as session:
        queued = await outbox_rows(session, "rem:")
        assert {row.address_id for row in queued} == {muted.telegram, leaving.telegram, staying.telegram}
        assert await calendar.mute(session, event.id, muted.person.id, now=clock()) >= 1
        found = await registrations.in_slot(session, event.id, leaving.person.id, "attend")
        assert found is not None
        await registrations.withdraw(session, found, now=clock())
    clock.advance(timedelta(minutes=5))
    await reminders.plan_reminders(services)
    async with services.db.session() as session:
        day_before = [row for row in await outbox_rows(session, "rem:") if "1440" in row.key]
    states = {row.address_id: row.state for row in day_before}
    assert states == {muted.telegram: "cancelled", leaving.telegram: "cancelled", staying.telegram: "queued"}
    # A cancelled reminder keeps no content; the queued one still has its text.
    assert {row.state: bool(row.body) for row in day_before} == {"cancelled": False, "queued": True}
    # Someone registering after the 1-day reminder time gets only the 1-hour one.
    clock.set(start - 20 * HOUR)
    async with services.db.session() as session:
        late = await someone(session, services.keyring, now=clock(), telegram_id=4)
        fresh = await session.get(type(event), event.id)
        assert fresh is not None
        await register(session, fresh, late, now=clock())
    clock.set(start - HOUR - reminders.MAX_SHIFT + timedelta(minutes=1))
    await reminders.plan_reminders(services)
    async with services.db.session() as session:
        mine = [
            row.key.split(":")[3]
            for row in await outbox_rows(session, "rem:")
            if row.address_id == late.telegram
        ]
    assert mine == ["60"]
    assert RegistrationStatus.WITHDRAWN.value == "withdrawn"
