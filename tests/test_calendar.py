"""Calendar files, the region feed, invitations (R8), weekly digests, the events CLI spec, /calendar and /mute."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from icalendar import Calendar

from bot.application.calendar_feeds import region_feed
from bot.cli.calendar import SpecError, parse_spec, read_specs
from bot.sandbox.driver import SandboxPerson
from bot.sandbox.server import SandboxServer
from bot.services import Services
from scheduler import change_notices, digests, ics, invitations
from scheduler.clock import ManualClock
from scheduler.delivery import delivery
from storage.db import Database
from storage.models import StaffRole
from storage.repositories import calendar, staff
from tests.bot_fixtures import RunningBot, make_services, settings_for_tests
from tests.calendar_helpers import an_event, outbox_rows, register, someone

NOW = datetime(2026, 3, 2, 6, tzinfo=UTC)  # a Monday


@pytest.fixture
async def services(database: Database, tmp_path: Path) -> Services:
    return make_services(settings_for_tests(tmp_path), database, ManualClock(NOW))


# --- calendar files ---


async def test_ics_keeps_uid_raises_sequence_and_cancels(services: Services) -> None:
    async with services.db.session() as session:
        event = await an_event(
            session, now=NOW, starts_at=NOW + timedelta(days=30), time_zone="America/Bogota"
        )
        first = Calendar.from_ical(ics.event_file(event, "fr", link=event.participant_link))
        await change_notices.update_event(
            session,
            services.translator,
            event,
            change_notices.EventEdit(starts_at=NOW + timedelta(days=31)),
            now=NOW,
        )
        moved = Calendar.from_ical(ics.event_file(event, "fr", link=None))
        await change_notices.update_event(
            session, services.translator, event, change_notices.EventEdit(cancel=True), now=NOW
        )
        cancelled = Calendar.from_ical(ics.event_file(event, "fr", link=None))
    one, two, three = (c.walk("VEVENT")[0] for c in (first, moved, cancelled))
    assert str(one["uid"]) == str(two["uid"]) == str(three["uid"]) == f"{event.id}@liaison.calendar"
    assert [int(str(v["sequence"])) for v in (one, two, three)] == [1, 2, 3]
    assert str(first["method"]) == "PUBLISH" and str(cancelled["method"]) == "CANCEL"
    assert str(three["status"]) == "CANCELLED" and str(one["summary"]) == "Briefing régional"
    assert one["dtstart"].params["TZID"] == "America/Bogota"
    assert one.decoded("dtstart") == NOW + timedelta(days=30)
    assert [tz["tzid"] for tz in first.walk("VTIMEZONE")] == ["America/Bogota"]
    assert len(ics.event_file(event, "fr", link=None)) < 2000  # small (R16)


async def test_region_feed_has_global_events_and_no_participant_links(services: Services) -> None:
    async with services.db.session() as session:
        await an_event(session, now=NOW, starts_at=NOW + timedelta(days=3), region="africa")
        await an_event(session, now=NOW, starts_at=NOW + timedelta(days=4), region="global", time_zone="UTC")
        await an_event(session, now=NOW, starts_at=NOW + timedelta(days=5), region="asia_pacific")
        await calendar.set_setting(session, calendar.BOT_USERNAME, "liaison_bot")
    content, count = await region_feed(services, "africa", "en", since=NOW)
    feed = Calendar.from_ical(content)
    assert count == 2 and len(feed.walk("VEVENT")) == 2
    assert b"meet.example" not in content and b"https://t.me/liaison_bot?start=ev_" in content


# --- invitations ---


async def test_late_invitation_is_recorded_staff_warned_and_subscribers_invited(services: Services) -> None:
    async with services.db.session() as session:
        officer = await someone(session, services.keyring, now=NOW, telegram_id=500)
        await staff.add(session, services.keyring, 500, StaffRole.LIAISON, now=NOW)
        follower = await someone(
            session, services.keyring, now=NOW, language="ar", time_zone="Asia/Beirut", telegram_id=1,
            email="a@example.org", updates=True, regions={"africa"},
        )  # fmt: skip
        silent = await someone(
            session, services.keyring, now=NOW, telegram_id=2, regions={"africa"}
        )  # no consent
        elsewhere = await someone(
            session, services.keyring, now=NOW, telegram_id=3, updates=True, regions={"asia_pacific"}
        )
        late = await an_event(session, now=NOW, starts_at=NOW + timedelta(days=20), kind="review_meeting")
        timely = await an_event(
            session, now=NOW, starts_at=NOW + timedelta(days=80), kind="consultation",
            registration_opens_at=NOW + timedelta(days=10),
        )  # fmt: skip
        briefing = await an_event(session, now=NOW, starts_at=NOW + timedelta(days=5))
        late_record = await invitations.publish(session, late, now=NOW)
        timely_record = await invitations.publish(session, timely, now=NOW)
        assert await invitations.publish(session, briefing, now=NOW) is None
    assert late_record is not None and late_record.late and late_record.lead_days == 20
    assert (
        timely_record is not None
        and not timely_record.late
        and timely_record.send_at == NOW + timedelta(days=10)
    )

    assert await invitations.plan_invitations(services) == 0  # no bot username yet: the links would be wrong
    async with services.db.session() as session:
        await calendar.set_setting(session, calendar.BOT_USERNAME, "liaison_bot")
    assert await invitations.plan_invitations(services) == 2  # the late one, to the follower's chat and email
    assert await invitations.plan_invitations(services) == 0
    async with services.db.session() as session:
        rows = await outbox_rows(session, "inv")
    warning = [row for row in rows if row.key.startswith("inv-late:")]
    assert len(warning) == 1 and warning[0].address_id == officer.telegram
    assert late.code in warning[0].body and "20" in warning[0].body
    invited = [row for row in rows if row.key.startswith("inv:")]
    assert {row.address_id for row in invited} == {follower.telegram, follower.email}
    assert f"https://t.me/liaison_bot?start=ev_{late.code}" in invited[0].body
    assert "ندعوك" in invited[0].body
    assert silent.telegram not in {r.address_id for r in rows} and elsewhere.telegram not in {
        r.address_id for r in rows
    }
    assert isinstance(services.clock, ManualClock)
    services.clock.set(NOW + timedelta(days=10))
    assert await invitations.plan_invitations(services) == 2  # registration opened: the timely one


# --- digests ---


def test_digest_is_due_at_nine_local_on_monday() -> None:
    monday_nine_paris = datetime(2026, 3, 2, 8, tzinfo=UTC)  # 09:00 CET
    assert digests.digest_due(monday_nine_paris, "Europe/Paris") == "2026-W10"
    assert digests.digest_due(monday_nine_paris - timedelta(minutes=1), "Europe/Paris") is None
    assert digests.digest_due(monday_nine_paris, "America/New_York") is None  # 03:00 there
    assert digests.digest_due(datetime(2026, 3, 2, 14, tzinfo=UTC), "America/New_York") == "2026-W10"
    assert digests.digest_due(monday_nine_paris + digests.WINDOW, "Europe/Paris") is None


async def test_weekly_digest_goes_out_at_the_same_local_hour_in_each_zone(services: Services) -> None:
    clock = services.clock
    assert isinstance(clock, ManualClock)
    async with services.db.session() as session:
        paris = await someone(session, services.keyring, now=NOW, language="fr", time_zone="Europe/Paris",
                              telegram_id=1, updates=True, regions={"africa"})  # fmt: skip
        york = await someone(session, services.keyring, now=NOW, language="es", time_zone="America/New_York",
                             telegram_id=2, updates=True, regions={"africa"})  # fmt: skip
        await someone(session, services.keyring, now=NOW, time_zone="Europe/Paris", telegram_id=3,
                      updates=True, regions={"arab_states"})  # nothing in their region: no digest  # fmt: skip
        await an_event(session, now=NOW, starts_at=NOW + timedelta(days=9))
    clock.set(datetime(2026, 3, 2, 8, 5, tzinfo=UTC))
    assert await digests.plan_digests(services) == 1
    assert await digests.plan_digests(services) == 0
    clock.set(datetime(2026, 3, 2, 14, 5, tzinfo=UTC))
    assert await digests.plan_digests(services) == 1
    async with services.db.session() as session:
        rows = await outbox_rows(session, "digest:")
    assert [row.address_id for row in rows] == [paris.telegram, york.telegram]
    assert "Briefing régional" in rows[0].body and "/events" in rows[1].body


# --- the events CLI's spec parsing ---


def test_event_specs_from_yaml_and_csv(tmp_path: Path) -> None:
    yaml_file = tmp_path / "events.yaml"
    yaml_file.write_text(
        "events:\n  - kind: consultation\n    region: africa\n    title: {en: Consultation, fr: Consultation}\n"
        "    starts: 2026-05-10T10:00\n    time_zone: Africa/Nairobi\n    reminders: 2d,2h\n",
        encoding="utf-8",
    )
    (spec,) = read_specs(yaml_file)
    assert spec.starts == datetime(2026, 5, 10, 7, tzinfo=UTC) and spec.reminders == [
        timedelta(days=2),
        timedelta(hours=2),
    ]
    csv_file = tmp_path / "events.csv"
    csv_file.write_text(
        "code,kind,region,title_en,starts,cancel\nABC123,briefing,global,Hi,2026-05-10T10:00+02:00,\n,,,,,\n",
        encoding="utf-8",
    )
    first, second = read_specs(csv_file)
    assert (
        first.code == "ABC123"
        and first.starts == datetime(2026, 5, 10, 8, tzinfo=UTC)
        and second.code is None
    )
    for bad in ({"kind": "party"}, {"region": "mars"}, {"title": {"xx": "Hi"}}, {"starts": "tomorrow"},
                {"reminders": "1m"}, {"capacity": "many"}, {"colour": "red"}, {"title": {"en": "x" * 201}}):  # fmt: skip
        with pytest.raises(SpecError):
            parse_spec(bad)


# --- /calendar and /mute through the sandbox ---


async def test_calendar_button_sends_ics_and_mute_toggles(
    running_bot: RunningBot, new_person: Callable[..., SandboxPerson]
) -> None:
    services = running_bot.services
    now = services.clock()
    person = new_person(first_name="Olga", language_code="ru")
    async with services.db.session() as session:
        olga = await someone(session, services.keyring, now=now, language="ru", time_zone="Europe/Moscow",
                             telegram_id=person.id, updates=True, regions={"africa"})  # fmt: skip
        event = await an_event(
            session, now=now, starts_at=now + timedelta(days=3), titles={"en": "Briefing", "ru": "Брифинг"}
        )
        await register(session, event, olga, now=now, kind="observer")
    await person.send("/calendar")
    listing = await person.next_reply()
    assert "Брифинг" in (listing.text or "") and "Москва" in (listing.text or "")
    await person.press("Добавить 1 в календарь")
    document = await person.next_reply()
    assert document.document is not None and document.document.filename == f"event-{event.code}.ics"
    vevent = Calendar.from_ical(document.document.content).walk("VEVENT")[0]
    assert (
        str(vevent["summary"]) == "Брифинг" and str(vevent["url"]) == "https://watch.example/live"
    )  # observer

    await person.send("/mute")
    assert "Брифинг" in ((await person.next_reply()).text or "")
    await person.press("Отключить напоминания для 1")
    assert "/mute" in ((await person.next_reply()).text or "")
    async with services.db.session() as session:
        assert await calendar.is_muted(session, event.id, olga.person.id)
    await person.send("/mute")
    await person.next_reply()
    await person.press("Включить напоминания для 1")
    assert "снова" in ((await person.next_reply()).text or "")
    async with services.db.session() as session:
        assert not await calendar.is_muted(session, event.id, olga.person.id)


async def test_region_feed_is_served_over_http(
    database: Database, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """The bot's own HTTP endpoint (the delivery engine's) serves GET /calendar/<region>.ics."""
    services = make_services(settings_for_tests(tmp_path, http_port=0), database, ManualClock(NOW))
    async with services.db.session() as session:
        await an_event(
            session,
            now=NOW,
            starts_at=NOW + timedelta(days=10),
            titles={"en": "Africa briefing", "fr": "Briefing Afrique"},
        )
        await an_event(
            session,
            now=NOW,
            starts_at=NOW + timedelta(days=12),
            region="global",
            titles={"en": "World briefing"},
        )
        await an_event(
            session,
            now=NOW,
            starts_at=NOW + timedelta(days=14),
            region="europe_north_america",
            titles={"en": "Europe briefing"},
        )
    running = RunningBot(sandbox, services)
    await running.start()
    try:
        assert running.app is not None
        http = delivery(running.app).http
        assert http is not None and http.address is not None
        async with aiohttp.ClientSession() as client:
            async with client.get(f"{http.address}/calendar/africa.ics?lang=fr") as answer:
                assert answer.status == 200
                assert answer.content_type == "text/calendar"
                feed = Calendar.from_ical(await answer.read())
            async with client.get(f"{http.address}/calendar/atlantis.ics") as missing:
                assert missing.status == 404
    finally:
        await running.stop()
    summaries = sorted(str(event["summary"]) for event in feed.walk("VEVENT"))
    assert summaries == ["Briefing Afrique", "World briefing"]
    assert all("meet.example/join" not in event.to_ical().decode() for event in feed.walk("VEVENT"))
    assert {str(tz["tzid"]) for tz in feed.walk("VTIMEZONE")} == {"Africa/Nairobi"}
