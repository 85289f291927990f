"""/events through the sandbox, the events repository on both databases, and the helpers the
registration and submission tests share (onboarded people made through repositories)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import IntegrityError

from bot.sandbox.driver import SandboxPerson
from bot.sandbox.state import SandboxMessage
from storage.db import Database
from storage.models import Channel, Event, EventStatus
from storage.repositories import events, people, profiles
from tests.bot_fixtures import RunningBot

PersonFactory = Callable[..., SandboxPerson]


def soon(days: float) -> datetime:
    """A moment `days` from now, on the minute (the running bot uses the real clock)."""
    return (datetime.now(UTC) + timedelta(days=days)).replace(second=0, microsecond=0)


async def make_person(
    db: Database,
    person: SandboxPerson,
    *,
    language: str = "en",
    time_zone: str | None = "Africa/Nairobi",
    country: str = "KE",
    regions: Sequence[str] = ("africa",),
    organisation: str = "Migrant Voices Collective",
    share_consent: bool = True,
) -> uuid.UUID:
    """An onboarded person, made through the repositories (not through the onboarding dialog)."""
    now = datetime.now(UTC)
    async with db.session() as session:
        row = await people.create(session, now=now, language=language, time_zone=time_zone)
        row.organisation = organisation
        row.stakeholder_type = "civil_society"
        row.country = country
        await people.add_address(
            session, db.keyring, row, Channel.TELEGRAM, str(person.id), now=now, verified=True
        )
        await profiles.set_subscriptions(session, row.id, "region", set(regions), now=now)
        if share_consent:
            await people.record_consent(
                session, row, "share_with_network", granted=True, text_version="v1:en", now=now
            )
        return row.id


async def make_event(
    db: Database,
    *,
    code: str,
    kind: str = "consultation",
    region: str = "africa",
    starts_in_days: float = 30,
    titles: dict[str, str] | None = None,
    **options: object,
) -> Event:
    async with db.session() as session:
        return await events.create(
            session,
            code=code,
            region=region,
            kind=kind,
            titles=titles
            or {
                "en": "Africa regional review consultation",
                "ar": "مشاورة الاستعراض الإقليمي لأفريقيا",
                "zh": "非洲区域审查磋商",
            },
            starts_at=soon(starts_in_days),
            now=datetime.now(UTC),
            **options,  # type: ignore[arg-type]
        )


async def tap(person: SandboxPerson, label: str) -> SandboxMessage:
    await person.press(label)
    return await person.next_reply()


async def say(person: SandboxPerson, text: str) -> SandboxMessage:
    await person.send(text)
    return await person.next_reply()


# --- /events ---


async def test_events_lists_my_regions_in_my_time_zone(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    db = running_bot.services.db
    amina = new_person(first_name="Amina", language_code="en")
    await make_person(db, amina, time_zone="Africa/Nairobi", regions=("africa",))
    consultation = await make_event(db, code="AFR26", kind="consultation", starts_in_days=20)
    await make_event(
        db,
        code="GLB26",
        kind="briefing",
        region="global",
        starts_in_days=10,
        titles={"en": "Global briefing"},
    )
    await make_event(db, code="ASIA26", region="asia_pacific", titles={"en": "Asia-Pacific consultation"})
    await make_event(
        db,
        code="SOON",
        kind="review_meeting",
        starts_in_days=40,
        titles={"en": "Africa review meeting"},
        registration_opens_at=soon(5),
    )
    listing = await say(amina, "/events")
    text = listing.content
    assert text.startswith("Upcoming events in your regions:")
    assert "Global briefing" in text and "Africa regional review consultation" in text
    assert "Asia-Pacific" not in text  # not a region Amina follows
    # Soonest first, in Nairobi time with the zone named.
    assert text.index("Global briefing") < text.index("Africa regional review consultation")
    local = consultation.starts_at.astimezone(ZoneInfo("Africa/Nairobi"))
    assert local.strftime("%-I:%M") in text and "Nairobi" in text
    assert "Registration opens on" in text  # the review meeting, not yet open
    # Buttons only for events open for registration.
    assert listing.buttons == ["Register for 1", "Register for 2"]


async def test_events_without_subscriptions_show_every_region_in_chinese(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    db = running_bot.services.db
    li = new_person(first_name="Li", language_code="zh")
    await make_person(db, li, language="zh", time_zone="Asia/Shanghai", country="CN", regions=())
    await make_event(db, code="ASIA26", region="asia_pacific")
    await make_event(db, code="GONE", region="africa", starts_in_days=-1)
    cancelled = await make_event(db, code="CXL", region="africa", titles={"en": "Cancelled one"})
    async with db.session() as session:
        row = await session.get(Event, cancelled.id)
        assert row is not None
        row.status = EventStatus.CANCELLED.value
    listing = await say(li, "/events")
    assert listing.content.startswith("所有区域即将举行的活动：")
    assert "非洲区域审查磋商" in listing.content  # the Chinese title
    assert listing.content.count("\n\n") == 1  # one event: the past and the cancelled ones are left out
    assert "上海" in listing.content
    assert listing.buttons == ["报名第 1 项"]


async def test_events_for_a_stranger_and_when_there_is_nothing(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    ana = new_person(first_name="Ana", language_code="es")
    assert (await say(ana, "/events")).content == "Todavía no hay actividades próximas."
    await make_event(running_bot.services.db, code="AFR26", titles={"en": "Only English title"})
    listing = await say(ana, "/events")
    assert "Only English title" in listing.content  # falls back to English
    assert "UTC" in listing.content and "/profile" in listing.content


# --- the repository, on SQLite and PostgreSQL ---


async def test_event_repository_codes_and_upcoming(database: Database) -> None:
    now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    async with database.session() as session:
        africa = await events.create(
            session,
            code="afr26",
            region="africa",
            kind="consultation",
            titles={"en": "Consultation", "fr": "Consultation régionale"},
            starts_at=now + timedelta(days=3),
            time_zone="Africa/Addis_Ababa",
            now=now,
        )
        generated = await events.create(
            session,
            region="global",
            kind="briefing",
            titles={"ar": "إحاطة"},
            starts_at=now + timedelta(days=1),
            now=now,
        )
        await events.create(
            session,
            region="arab_states",
            kind="briefing",
            titles={"en": "B"},
            starts_at=now + timedelta(days=2),
            now=now,
        )
        # Still running: started an hour ago, ends in an hour.
        await events.create(
            session,
            region="africa",
            kind="briefing",
            titles={"en": "Now"},
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=1),
            now=now,
        )
    assert africa.code == "AFR26"
    assert len(generated.code) == events.CODE_LENGTH and set(generated.code) <= set(events.CODE_ALPHABET)
    async with database.session() as session:
        found = await events.by_code(session, " afr26 ")
        assert found is not None and found.starts_at == now + timedelta(days=3)
        assert found.starts_at.tzinfo is not None
        assert found.title("fr") == "Consultation régionale" and found.title("zh") == "Consultation"
        upcoming = await events.upcoming(session, now=now, regions={"africa"})
        assert [event.title("en") for event in upcoming] == ["Now", "إحاطة", "Consultation"]
        everything = await events.upcoming(session, now=now)
        assert len(everything) == 4
    with pytest.raises(IntegrityError):
        async with database.session() as session:
            await events.create(
                session,
                code="AFR26",
                region="africa",
                kind="other",
                titles={"en": "x"},
                starts_at=now,
                now=now,
            )
