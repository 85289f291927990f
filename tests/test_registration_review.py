"""The staff review hook (R9) and the registrations repository, on SQLite and PostgreSQL; the status
notice reaching the person's chat through the outbox, in their language."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.application import registrations as decisions
from bot.bidi import strip_isolates
from bot.i18n import Translator
from scheduler.notices import Notices
from storage.db import Database
from storage.models import Channel, OutboxMessage, Person, Registration, RegistrationStatement
from storage.repositories import events, people, profiles, registrations
from tests.bot_fixtures import RunningBot
from tests.test_events import PersonFactory, make_event, make_person, say, tap

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
TRANSLATOR = Translator()
NOTICES = Notices(TRANSLATOR)


async def decide(
    session: AsyncSession,
    registration_id: uuid.UUID,
    status: str,
    *,
    reason_key: str | None = None,
    now: datetime = NOW,
) -> decisions.Decision:
    return await decisions.decide(
        session, NOTICES, registration_id, status, reason_key=reason_key, actor="test", now=now
    )


KENYA = registrations.Categories(
    stakeholder_type="civil_society", country="KE", subregion="014", region="africa"
)


async def _setup(db: Database, *, language: str = "ar", email: bool = False) -> tuple[uuid.UUID, uuid.UUID]:
    async with db.session() as session:
        person = await people.create(session, now=NOW, language=language, time_zone="Africa/Cairo")
        person.organisation = "Canary Collective Zqx"
        person.stakeholder_type = "civil_society"
        person.country = "EG"
        telegram = await people.add_address(
            session, db.keyring, person, Channel.TELEGRAM, "7001", now=NOW, verified=True
        )
        if email:
            await people.add_address(
                session, db.keyring, person, Channel.EMAIL, "amal@example.org", now=NOW, verified=True
            )
            await people.mark_unreachable(session, telegram, now=NOW, reason="blocked")
        event = await events.create(
            session,
            code="REV26",
            region="arab_states",
            kind="review_meeting",
            titles={"en": "Review meeting", "ar": "اجتماع الاستعراض"},
            starts_at=NOW + timedelta(days=40),
            view_link="https://example.org/watch",
            participant_link="https://example.org/join",
            now=NOW,
        )
        return person.id, event.id


async def _register(
    db: Database,
    person_id: uuid.UUID,
    event_id: uuid.UUID,
    kind: str,
    *,
    slot: str = "attend",
    motivation: str | None = None,
) -> registrations.Registered:
    async with db.session() as session:
        person = await session.get(Person, person_id)
        event = await events.get(session, event_id)
        assert person is not None and event is not None
        return await registrations.register(
            session,
            event=event,
            person=person,
            kind=kind,
            slot=slot,
            categories=KENYA,
            now=NOW,
            motivation=motivation,
        )


async def _outbox(db: Database) -> list[OutboxMessage]:
    async with db.session() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at)))


async def test_register_is_idempotent_and_references_count_up(database: Database) -> None:
    person_id, event_id = await _setup(database)
    first = await _register(database, person_id, event_id, "observer")
    again = await _register(database, person_id, event_id, "observer")
    assert first.outcome is registrations.Outcome.CREATED and again.outcome is registrations.Outcome.ALREADY
    assert first.registration.reference == "R-2026-0001" == again.registration.reference
    changed = await _register(database, person_id, event_id, "floor")
    assert (
        changed.outcome is registrations.Outcome.CHANGED and changed.registration.reference == "R-2026-0001"
    )
    interest = await _register(
        database,
        person_id,
        event_id,
        "panel_speaker",
        slot="panel_speaker",
        motivation="Twenty years of work.",
    )
    assert interest.registration.reference == "R-2026-0002"
    async with database.session() as session:
        assert await registrations.next_reference(session, "R", NOW + timedelta(days=365)) == "R-2027-0001"
        assert await registrations.next_reference(session, "S", NOW) == "S-2026-0001"
        rows = list(await session.scalars(select(Registration)))
        assert len(rows) == 2
    # The database itself refuses a second row in the same slot.
    with pytest.raises(IntegrityError):
        async with database.session() as session:
            session.add(
                Registration(
                    id=uuid.uuid4(),
                    reference="R-2026-0999",
                    event_id=event_id,
                    person_id=person_id,
                    slot="attend",
                    kind="observer",
                    status="pending",
                    status_changes=0,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )


async def test_set_status_queues_one_notice_in_the_persons_language(database: Database) -> None:
    person_id, event_id = await _setup(database, language="ar")
    registration = (await _register(database, person_id, event_id, "observer")).registration
    async with database.session() as session:
        decision = await decide(session, registration.id, "accepted")
        updated = decision.registration
        assert updated.status == "accepted" and updated.status_changes == 1
        assert decision.told is not None and decision.told.channels == ("telegram",)
    [row] = await _outbox(database)
    assert (
        row.idempotency_key == f"reg-status:{registration.id}:accepted:1:telegram"
        and row.channel == "telegram"
    )
    assert row.body is not None
    assert "خبر سار" in row.body and "R-2026-0001" in row.body and "اجتماع الاستعراض" in row.body
    assert "https://example.org/watch" in row.body and "https://example.org/join" not in row.body  # observers
    # The same decision again (a staff double click): nothing new.
    async with database.session() as session:
        assert not (await decide(session, registration.id, "accepted")).changed
    assert len(await _outbox(database)) == 1
    # Declined with a reason, then a withdrawn registration cannot be reviewed.
    async with database.session() as session:
        await decide(session, registration.id, "declined", reason_key="capacity")
    rows = await _outbox(database)
    assert len(rows) == 2 and rows[1].body is not None and "جميع الأماكن محجوزة" in rows[1].body
    async with database.session() as session:
        with pytest.raises(decisions.DecisionRefused):
            await decide(session, registration.id, "declined", reason_key="nonsense")
        with pytest.raises(decisions.DecisionRefused):
            await decide(session, uuid.uuid4(), "accepted")
        row2 = await session.get(Registration, registration.id)
        assert row2 is not None
        row2.status = "withdrawn"
    async with database.session() as session:
        with pytest.raises(decisions.DecisionRefused):
            await decide(session, registration.id, "accepted")


async def test_notice_goes_by_email_when_telegram_cannot_reach(database: Database) -> None:
    person_id, event_id = await _setup(database, language="en", email=True)
    registration = (await _register(database, person_id, event_id, "floor")).registration
    async with database.session() as session:
        decision = await decide(session, registration.id, "waitlisted", reason_key="balance")
        assert decision.told is not None and decision.told.channels == ("email",)
    [row] = await _outbox(database)
    assert row.channel == "email" and row.subject == "Your registration R-2026-0001"
    assert row.body is not None and "waiting list" in row.body and "balance regions" in row.body


async def test_erasure_leaves_an_anonymous_count_and_nothing_written(database: Database) -> None:
    person_id, event_id = await _setup(database)
    await _register(database, person_id, event_id, "observer")
    await _register(
        database,
        person_id,
        event_id,
        "panel_speaker",
        slot="panel_speaker",
        motivation="Canary motivation Qzx",
    )
    async with database.session() as session:
        exported = await registrations.export_for_person(session, person_id)
        assert {entry["kind"] for entry in exported} == {"observer", "panel_speaker"}
        assert any(entry["motivation"] == "Canary motivation Qzx" for entry in exported)
        await profiles.forget(session, person_id)
    async with database.session() as session:
        rows = list(await session.scalars(select(Registration)))
        assert [row.person_id for row in rows] == [None, None]
        assert {row.stakeholder_type for row in rows} == {"civil_society"}
        assert await session.scalar(select(func.count()).select_from(RegistrationStatement)) == 0
        assert await registrations.counts(session, event_id) == {
            ("observer", "pending"): 1,
            ("panel_speaker", "pending"): 1,
        }
        # Reviewing an anonymous registration tells nobody.
        assert (await decide(session, rows[0].id, "accepted")).told is None
    assert await _outbox(database) == []


async def test_status_notice_reaches_the_chat_in_arabic(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    db = running_bot.services.db
    karim = new_person(first_name="Karim", language_code="ar")
    await make_person(
        db, karim, language="ar", time_zone="Africa/Cairo", country="EG", regions=("arab_states",)
    )
    await make_event(db, code="AFR26", participant_link="https://example.org/join")
    await say(karim, "/start ev_AFR26")
    await tap(karim, "المشاركة")
    async with db.session() as session:
        [row] = list(await session.scalars(select(Registration)))
        await decide(session, row.id, "declined", reason_key="late", now=datetime.now(UTC))
    notice = await karim.next_reply(timeout=10)
    shown = strip_isolates(notice.content)  # as read: the bidi isolates are invisible
    assert shown.startswith("نأسف: لم يُقبل تسجيلك R-")
    assert "السبب: وصل الطلب بعد إغلاق التسجيل." in shown and "/registrations" in shown
    async with db.session() as session:
        await decide(session, row.id, "accepted", now=datetime.now(UTC))
    accepted = await karim.next_reply(timeout=10)
    assert (
        strip_isolates(accepted.content).startswith("خبر سار")
        and "https://example.org/join" in accepted.content
    )
