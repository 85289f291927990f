"""Criteria in advance (R8): who may register, until when and what happens after, in /events, the
invitation and the calendar entry, in the person's language, before any question is asked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.criteria import calendar_note, criteria_lines
from bot.sandbox.driver import SandboxPerson
from bot.sandbox.server import SandboxServer
from scheduler.invitations import invitation_text
from storage.repositories import people, profiles
from tests.bot_fixtures import TRANSLATOR, RunningBot
from tests.calendar_helpers import an_event

RU_WHO = "Кто может зарегистрироваться: все заинтересованные стороны."
RU_AFTER = "После регистрации сотрудники рассмотрят её"


async def test_events_and_the_registration_dialog_show_the_criteria_first_in_russian(
    running_bot: RunningBot, sandbox: SandboxServer
) -> None:
    services = running_bot.services
    now = datetime.now(UTC)
    async with services.db.session() as session:
        await an_event(session, now=now, starts_at=now + timedelta(days=50), kind="consultation")
        await an_event(session, now=now, starts_at=now + timedelta(days=20), kind="submission_deadline")
    olga = SandboxPerson(sandbox, sandbox.add_user(first_name="Olga", language_code="ru"))
    await olga.send("/events")
    listing = (await olga.next_reply()).content
    assert RU_WHO in listing and RU_AFTER in listing
    assert listing.count(RU_AFTER) == 1  # a deadline has nothing to register for: no criteria

    # The registration dialog opens with them too, before its first question.
    async with services.db.session() as session:
        person = await profiles.ensure_person(session, services.keyring, olga.id, now=now, language="ru")
        person.organisation, person.stakeholder_type, person.country = "Org", "civil_society", "KE"
        await people.record_consent(
            session, person, "share_with_network", granted=True, text_version="v1", now=now
        )
    await olga.press("Записаться на 2")
    opening = await olga.next_reply()
    assert RU_WHO in opening.content


async def test_the_calendar_entry_carries_the_criteria_in_its_description(
    running_bot: RunningBot, sandbox: SandboxServer
) -> None:
    services = running_bot.services
    now = datetime.now(UTC)
    async with services.db.session() as session:
        await an_event(session, now=now, starts_at=now + timedelta(days=50), kind="review_meeting")
    amal = SandboxPerson(sandbox, sandbox.add_user(first_name="Amal", language_code="ar"))
    await amal.send("/calendar")
    await amal.next_reply()
    await amal.press("1")
    sent = await amal.next_reply()
    assert sent.document is not None
    ics = sent.document.content.replace(b"\r\n ", b"").decode()
    assert "DESCRIPTION:" in ics
    description = ics.split("DESCRIPTION:", 1)[1].split("\r\n", 1)[0]
    assert "من يمكنه التسجيل: للتحدث من القاعة" in description
    assert "آخر موعد للتسجيل" in description


async def test_the_invitation_states_the_criteria_and_the_deadline(running_bot: RunningBot) -> None:
    services = running_bot.services
    now = datetime.now(UTC)
    async with services.db.session() as session:
        event = await an_event(session, now=now, starts_at=now + timedelta(days=60), kind="consultation")
    t = TRANSLATOR.get("fr")
    _subject, body = invitation_text(t, event, "Africa/Nairobi", "https://t.me/liaison_bot?start=ev_X")
    assert "Qui peut s'inscrire : toutes les parties prenantes concernées." in body
    assert "Date limite d'inscription" in body
    assert body.index("Qui peut s'inscrire") < body.index("https://t.me/liaison_bot")


def test_events_without_registration_have_no_criteria() -> None:
    from storage.models import Event

    deadline = Event(kind="submission_deadline", titles={"en": "x"}, starts_at=datetime.now(UTC))
    t = TRANSLATOR.get("en")
    assert criteria_lines(deadline, t) == [] and calendar_note(deadline, t, None) is None
