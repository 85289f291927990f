"""/event in the staff console, through the sandbox: create, move, cancel; strangers refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.handlers.staff import all_commands
from bot.handlers.staff.events import check_link, parse_capacity, parse_local_moment, parse_zone
from bot.sandbox.driver import SandboxPerson
from scheduler.clock import system_clock
from storage.models import AuditEntry, Event, EventStatus, StaffRole
from storage.repositories import calendar, events, staff
from tests.bot_fixtures import TRANSLATOR
from tests.calendar_helpers import an_event, outbox_rows, register, someone
from tests.report_fixtures import ReportWorld, expect, report_world

__all__ = ["report_world"]

REFUSAL = "I did not understand that. Send /help to see what I can do."


async def staff_member(world: ReportWorld, role: StaffRole, language: str = "en") -> SandboxPerson:
    person = world.person("Sam", language_code=language)
    async with world.services.db.session() as session:
        await staff.add(session, world.services.keyring, person.id, role, now=system_clock())
    return person


def test_plain_checks() -> None:
    assert parse_zone("Africa/Nairobi") == "Africa/Nairobi"
    assert parse_zone("Mars/Olympus") is None and parse_zone("Europe/Paris now") is None
    moment = parse_local_moment("2026-06-10 09:00", "Europe/Paris")
    assert moment == datetime(2026, 6, 10, 7, tzinfo=UTC)
    assert parse_local_moment("next Tuesday", "UTC") is None
    assert check_link("https://meet.example/j") == "https://meet.example/j"
    assert check_link("meet.example/j") is None and check_link("https://" + "a" * 500) is None
    assert parse_capacity("1,200") == 1200 and parse_capacity("0") is None and parse_capacity("lots") is None


async def test_create_an_event_in_the_chat_records_invitations(report_world: ReportWorld) -> None:
    liaison = await staff_member(report_world, StaffRole.LIAISON)
    zone = ZoneInfo("Africa/Nairobi")
    local_start = (datetime.now(zone) + timedelta(days=20)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )

    await liaison.send("/event")
    await expect(liaison, "Create an event")
    await liaison.press("New event")
    await expect(liaison, "What kind of event is it?")
    await liaison.send("a consultation please")  # text where a button is expected: help, not silence
    await expect(liaison, "Please choose one of the buttons above")
    await liaison.press("Informal consultation")
    await expect(liaison, "Which region")
    await liaison.press("Africa (ECA)")
    await expect(liaison, "What is the title, in English?")
    await liaison.send("x" * 201)
    await expect(liaison, "at most 200 characters")
    await liaison.send("Africa   regional consultation")
    await expect(liaison, "Add the title in another language")
    await liaison.press("Français")
    await expect(liaison, "What is the title, in Français?")
    await liaison.send("Consultation régionale Afrique")
    await expect(liaison, "Add the title in another language")
    await liaison.press("Continue")
    await expect(liaison, "In which time zone")
    await liaison.send("Mars/Olympus")
    await expect(liaison, "I do not know that time zone")
    await liaison.send("Africa/Nairobi")
    await expect(liaison, "When does it start, in Africa/Nairobi?")
    await liaison.send("soon")
    await expect(liaison, "I could not read that")
    await liaison.send("2020-01-01 10:00")
    await expect(liaison, "future date")
    await liaison.send(local_start.strftime("%Y-%m-%d %H:%M"))
    await expect(liaison, "participant link")
    await liaison.send("meet.example/join")
    await expect(liaison, "A link starts with https://")
    await liaison.send("https://meet.example/join")
    await expect(liaison, "view-only link")
    await liaison.press("No link yet")
    await expect(liaison, "How many places")
    await liaison.send("many")
    await expect(liaison, "whole number")
    await liaison.send("150")
    summary = await expect(liaison, "Please check the new event:")
    assert "Consultation régionale Afrique" in summary.content and "Places: 150" in summary.content
    async with report_world.services.db.session() as session:
        assert await events.all_events(session) == []  # nothing saved before the confirmation
    await liaison.press("Create the event")
    done = await expect(liaison, "is created")
    assert "https://t.me/liaison_sandbox_bot?start=ev_" in done.content
    assert "Invitations to the region's subscribers go out" in done.content
    assert "less than six weeks" in done.content  # 20 days ahead: late (R8)

    async with report_world.services.db.session() as session:
        [event] = await events.all_events(session)
        assert event.titles == {"en": "Africa regional consultation", "fr": "Consultation régionale Afrique"}
        assert (event.kind, event.region, event.time_zone, event.capacity) == (
            "consultation",
            "africa",
            "Africa/Nairobi",
            150,
        )
        assert event.starts_at == local_start.astimezone(UTC)
        assert event.participant_link == "https://meet.example/join" and event.view_link is None
        record = await calendar.invitation(session, event.id)
        assert record is not None and record.late and record.lead_days in (19, 20)
        entries = list(
            await session.scalars(select(AuditEntry).where(AuditEntry.subject_id == str(event.id)))
        )
    assert [e.action for e in entries] == ["event.created"]
    assert entries[0].actor.startswith("staff:") and "Sam" not in entries[0].actor


async def _event_with_registrants(world: ReportWorld) -> tuple[Event, datetime]:
    now = system_clock()
    starts = (now + timedelta(days=30)).replace(hour=8, minute=0, second=0, microsecond=0)
    async with world.services.db.session() as session:
        event = await an_event(session, now=now, starts_at=starts, time_zone="Europe/Paris", kind="briefing")
        for n, (language, zone) in enumerate((("fr", "Europe/Paris"), ("en", "Asia/Shanghai"))):
            who = await someone(
                session, world.services.keyring, now=now, language=language, time_zone=zone,
                telegram_id=900_000 + n,
            )  # fmt: skip
            await register(session, event, who, now=now)
    return event, starts


async def test_move_an_event_queues_change_notices_with_old_and_new_times(report_world: ReportWorld) -> None:
    event, starts = await _event_with_registrants(report_world)
    liaison = await staff_member(report_world, StaffRole.ADMINISTRATOR)
    new_local = starts.astimezone(ZoneInfo("Europe/Paris")) + timedelta(days=1, hours=2)

    await liaison.send(f"/event {event.code.lower()}")
    await expect(liaison, f"Event {event.code}: Regional briefing")
    await liaison.press("Move")
    await expect(liaison, "Send the new start in Europe/Paris")
    await liaison.send(new_local.strftime("%Y-%m-%dT%H:%M"))
    question = await expect(liaison, f"Move {event.code}")
    assert "Everyone registered is told" in question.content
    await liaison.press("Confirm")
    await expect(liaison, f"Saved: {event.code} is now version 2. 2 notices are queued.")

    new_start = new_local.astimezone(UTC)
    async with report_world.services.db.session() as session:
        found = await events.get(session, event.id)
        assert found is not None and found.starts_at == new_start and found.status == EventStatus.RESCHEDULED
        rows = await outbox_rows(session, f"chg:{event.id.hex}:2:")
        actions = list(
            await session.scalars(select(AuditEntry.action).where(AuditEntry.subject_id == str(event.id)))
        )
    assert actions == ["event.moved"]
    bodies = sorted(row.body for row in rows)
    french = TRANSLATOR.get("fr")
    english = TRANSLATOR.get("en")
    expected = {
        french._("{title} has moved from {old} to {new}.").format(
            title="Briefing régional",
            old=french.datetime(starts, "Europe/Paris"),
            new=french.datetime(new_start, "Europe/Paris"),
        ),
        english._("{title} has moved from {old} to {new}.").format(
            title="Regional briefing",
            old=english.datetime(starts, "Asia/Shanghai"),
            new=english.datetime(new_start, "Asia/Shanghai"),
        ),
    }
    assert len(bodies) == 2
    assert all(any(line in body for line in expected) for body in bodies), bodies


async def test_cancel_an_event_in_another_language_and_stop_changes_nothing(
    report_world: ReportWorld,
) -> None:
    event, _starts = await _event_with_registrants(report_world)
    liaison = await staff_member(report_world, StaffRole.LIAISON, language="ru")

    await liaison.send(f"/event {event.code}")
    await expect(liaison, f"Мероприятие {event.code}")
    await liaison.press("Отменить мероприятие")
    await expect(liaison, f"Отменить {event.code}")
    await liaison.press("Остановить")
    await expect(liaison, "Ничего не изменено")
    async with report_world.services.db.session() as session:
        found = await events.get(session, event.id)
        assert found is not None and found.status == EventStatus.SCHEDULED

    await liaison.send(f"/event {event.code}")
    await expect(liaison, f"Мероприятие {event.code}")
    await liaison.press("Отменить мероприятие")
    await expect(liaison, f"Отменить {event.code}")
    await liaison.press("Подтвердить")
    await expect(liaison, "Сохранено")
    async with report_world.services.db.session() as session:
        found = await events.get(session, event.id)
        assert found is not None and found.status == EventStatus.CANCELLED and found.version == 2
        rows = await outbox_rows(session, f"chg:{event.id.hex}:2:")
    assert len(rows) == 2 and all("cancel" in row.body or "annulé" in row.body for row in rows)

    await liaison.send(f"/event {event.code}")
    card = await expect(liaison, f"Мероприятие {event.code}")
    assert "отменено" in card.content and not card.inline_keyboard  # nothing more to change


async def test_strangers_and_the_task_team_are_refused(report_world: ReportWorld) -> None:
    assert "event" in {command.name for command in all_commands()}
    event, _starts = await _event_with_registrants(report_world)
    stranger = report_world.person("Stranger")
    task_member = await staff_member(report_world, StaffRole.TASK_TEAM)
    for person in (stranger, task_member):
        await person.send(f"/event {event.code}")
        assert (await person.next_reply()).content == REFUSAL
        await person.send("/event")
        assert (await person.next_reply()).content == REFUSAL
    # A liaison's confirmation button pressed by someone else does nothing.
    liaison = await staff_member(report_world, StaffRole.LIAISON)
    await liaison.send(f"/event {event.code}")
    await expect(liaison, f"Event {event.code}")
    await liaison.press("Cancel the event")
    await expect(liaison, f"Cancel {event.code}")
    confirm = liaison.last_message()
    data = confirm.inline_keyboard[0][0]["callback_data"]
    other = await staff_member(report_world, StaffRole.ADMINISTRATOR)
    for person, answer in ((task_member, REFUSAL), (other, "This button no longer works.")):
        anchor = await person.send("hello")
        press = report_world.sandbox.push_callback(person.user, anchor.message_id, data)
        await person.wait_until(lambda press=press: press.answered, what="the press answered")  # type: ignore[misc]
        assert press.answer_text == answer
    async with report_world.services.db.session() as session:
        found = await events.get(session, event.id)
        assert found is not None and found.status == EventStatus.SCHEDULED
