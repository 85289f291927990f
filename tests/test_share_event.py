"""Share your event (R23) through the sandbox: propose in Spanish, staff approve, the event is in the
region's calendar feed and the next digest as a community event; decline with a reason; the rate
limit; /forget erases proposals."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.application.calendar_feeds import region_feed
from bot.sandbox.driver import SandboxPerson
from bot.sandbox.server import SandboxServer
from bot.services import Services
from scheduler import community
from scheduler.clock import ManualClock
from scheduler.digests import plan_digests
from storage.crypto.keyring import Keyring
from storage.db import Database
from storage.models import CommunityEvent, Event, EventProposal, ProposalStatus, StaffRole
from storage.repositories import people, profiles, staff
from tests.bot_fixtures import TRANSLATOR, RunningBot, make_services, settings_for_tests

NOW = datetime(2027, 3, 1, 5, 0, tzinfo=UTC)  # a Monday, 08:00 in Nairobi
ORGANISATION = "Jamii Youth Network"


@pytest.fixture
async def world(
    sandbox: SandboxServer, sqlite_url: str, keyring: Keyring, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[RunningBot, ManualClock]]:
    monkeypatch.setenv("LIAISON_OUTBOX_POLL_SECONDS", "0.1")
    monkeypatch.setenv("LIAISON_OUTBOX_HTTP_ENABLED", "false")
    monkeypatch.setenv("LIAISON_OUTBOX_PRIVATE_CHAT_INTERVAL", "0")
    clock = ManualClock(NOW)
    db = Database(sqlite_url, keyring)
    running = RunningBot(
        sandbox, make_services(settings_for_tests(tmp_path, database_url=sqlite_url), db, clock)
    )
    await running.start()
    try:
        yield running, clock
    finally:
        await running.stop()
        await db.dispose()


async def organisation(services: Services, who: SandboxPerson, language: str, *, public: bool = True) -> None:
    """An onboarded organisation in Kenya that follows Africa and agreed (or not) to a public listing."""
    async with services.db.session() as session:
        person = await profiles.ensure_person(session, services.keyring, who.id, now=NOW, language=language)
        person.organisation, person.stakeholder_type = ORGANISATION, "civil_society"
        person.country, person.time_zone = "KE", "Africa/Nairobi"
        for purpose, granted in (("updates", True), ("public_listing", public)):
            await people.record_consent(session, person, purpose, granted=granted, text_version="v1", now=NOW)
        await profiles.set_subscriptions(session, person.id, "region", {"africa"}, now=NOW)


async def staff_member(services: Services, who: SandboxPerson) -> None:
    async with services.db.session() as session:
        await staff.add(session, services.keyring, who.id, StaffRole.LIAISON, now=NOW)


async def propose(who: SandboxPerson, t_language: str, title: str, when: str) -> None:
    t = TRANSLATOR.get(t_language)
    await who.send("/share_event")
    await who.next_reply()
    await who.send(title)
    await who.next_reply()
    await who.press(t._("Webinar"))
    await who.next_reply()
    await who.send(when)
    await who.next_reply()
    await who.press(t._("Africa (ECA)"))
    await who.next_reply()
    await who.send("https://jamii.example/webinar")
    await who.next_reply()
    await who.press("English")
    await who.press("Español")
    await who.press(t._("Done"))
    summary = await who.next_reply()
    assert title in summary.content
    await who.press(t._("Send"))


async def proposal_before_staff(
    services: Services, sandbox: SandboxServer, *, public: bool
) -> tuple[SandboxPerson, SandboxPerson]:
    """Kofi's organisation has shared an event and Sam, a liaison, has it open in /proposals."""
    kofi = SandboxPerson(sandbox, sandbox.add_user(first_name="Kofi", language_code="en"))
    sam = SandboxPerson(sandbox, sandbox.add_user(first_name="Sam", language_code="en"))
    await organisation(services, kofi, "en", public=public)
    await staff_member(services, sam)
    await propose(kofi, "en", "Diaspora dialogue on remittances", "2027-04-02 10:00")
    await kofi.next_reply()
    await sam.send("/proposals")
    await sam.next_reply()
    return kofi, sam


async def test_a_shared_event_is_approved_and_reaches_the_feed_and_the_digest(
    world: tuple[RunningBot, ManualClock], sandbox: SandboxServer
) -> None:
    running, clock = world
    services = running.services
    amara = SandboxPerson(sandbox, sandbox.add_user(first_name="Amara", language_code="es"))
    sam = SandboxPerson(sandbox, sandbox.add_user(first_name="Sam", language_code="en"))
    await organisation(services, amara, "es")
    await staff_member(services, sam)

    await amara.send("/share_event")
    assert "¿Cuál es su título?" in (await amara.next_reply()).content
    await amara.send("Seminario web: derechos de las personas migrantes")
    assert (await amara.next_reply()).content == "¿Qué tipo de evento es?"
    await amara.press("Seminario web")
    await amara.next_reply()
    await amara.send("mañana a las tres")  # not a date: asked again
    assert "2026-06-10 09:00" in (await amara.next_reply()).content
    await amara.send("2027-03-10 15:00")
    await amara.next_reply()
    await amara.press(TRANSLATOR.get("es")._("Africa (ECA)"))
    await amara.next_reply()
    await amara.send("not a link")
    assert "https://" in (await amara.next_reply()).content
    await amara.send("https://jamii.example/webinar")
    await amara.next_reply()
    await amara.press("English")
    await amara.press("Español")
    await amara.press("Listo")
    summary = await amara.next_reply()
    assert "Seminario web: derechos de las personas migrantes" in summary.content
    assert "Africa/Nairobi" in summary.content or "Nairobi" in summary.content
    await amara.press("Enviar")
    assert "El personal revisará su evento" in (await amara.next_reply()).content

    async with services.db.session() as session:
        [proposal] = list(await session.scalars(select(EventProposal)))
    assert proposal.starts_at == datetime(2027, 3, 10, 12, 0, tzinfo=UTC)  # 15:00 in Nairobi
    assert proposal.languages == ["en", "es"] and proposal.language == "es"

    await sam.send("/proposals")
    card = (await sam.next_reply()).content
    assert "1 shared event waits for review." in card and "Seminario web" in card
    await sam.press("Approve")
    approved = (await sam.next_reply()).content
    assert approved.startswith("Approved: it is in the regional calendar as event ")
    assert (await sam.next_reply()).content == "No shared events wait for review."
    await sam.press("Approve")  # the old card's button again: decided already, nothing twice
    assert (await sam.callback_answer()).answer_text == "This shared event was decided already."
    notice = await amara.next_reply(timeout=10)
    assert "ya está en el calendario regional como evento comunitario" in notice.content

    async with services.db.session() as session:
        event = await session.scalar(select(Event))
        assert event is not None and await session.get(CommunityEvent, event.id) is not None
    assert event.region == "africa" and event.view_link == "https://jamii.example/webinar"

    await amara.send("/events")
    listed = (await amara.next_reply()).content
    assert "Seminario web: derechos de las personas migrantes" in listed
    assert f"Evento comunitario compartido por {ORGANISATION}." in listed

    feed, count = await region_feed(services, "africa", "es", since=NOW)
    unfolded = feed.replace(b"\r\n ", b"").decode()
    assert count == 1 and "Seminario web: derechos de las personas migrantes" in unfolded
    assert f"Evento comunitario compartido por {ORGANISATION}." in unfolded

    # Monday 09:05 in Nairobi: the weekly digest lists it, marked, in Spanish.
    clock.advance(timedelta(hours=1, minutes=5))
    assert await plan_digests(dataclasses.replace(services, clock=clock)) == 1
    digest = await amara.next_reply(timeout=10)
    assert "Seminario web: derechos de las personas migrantes" in digest.content
    assert f"Evento comunitario compartido por {ORGANISATION}." in digest.content


async def test_declined_with_a_reason_and_rate_limited(
    world: tuple[RunningBot, ManualClock], sandbox: SandboxServer
) -> None:
    running, _clock = world
    services = running.services
    kofi, sam = await proposal_before_staff(services, sandbox, public=False)
    await sam.press("Decline with a reason")
    await sam.next_reply()
    await sam.send("Please send us the agenda first.")
    assert (await sam.next_reply()).content == "Declined. The organisation is told your reason."
    told = await kofi.next_reply(timeout=10)
    assert (
        "was not added to the calendar" in told.content and "Please send us the agenda first." in told.content
    )
    async with services.db.session() as session:
        [declined] = list(await session.scalars(select(EventProposal)))
    assert declined.status == ProposalStatus.DECLINED

    await propose(kofi, "en", "Second try with agenda", "2027-04-03 10:00")
    await kofi.next_reply()
    await propose(kofi, "en", "Third event of the week", "2027-04-04 10:00")
    await kofi.next_reply()
    await kofi.send("/share_event")  # a fourth in one week is refused before any question
    assert (await kofi.next_reply()).content.startswith("You have shared several events this week.")


async def test_not_onboarded_is_sent_to_start_and_forget_erases_proposals(
    world: tuple[RunningBot, ManualClock], sandbox: SandboxServer
) -> None:
    running, _clock = world
    services = running.services
    stranger = SandboxPerson(sandbox, sandbox.add_user(first_name="Lin", language_code="zh"))
    await stranger.send("/share_event")
    assert (await stranger.next_reply()).content == "要分享活动，请先设置您的资料：发送 /start。"

    kofi = SandboxPerson(sandbox, sandbox.add_user(first_name="Kofi", language_code="en"))
    await organisation(services, kofi, "en")
    await propose(kofi, "en", "Diaspora dialogue on remittances", "2027-04-02 10:00")
    await kofi.next_reply()
    await kofi.send("/forget")
    await kofi.next_reply()
    await kofi.press("Yes, erase everything")
    await kofi.wait_until(lambda: "Erased:" in kofi.last_message().content, what="the erasure")
    assert "events you proposed: 1" in kofi.last_message().content
    async with services.db.session() as session:
        assert list(await session.scalars(select(EventProposal))) == []


async def test_the_name_is_shown_only_while_public_listing_is_in_force(
    world: tuple[RunningBot, ManualClock], sandbox: SandboxServer
) -> None:
    running, clock = world
    services = running.services
    kofi, sam = await proposal_before_staff(services, sandbox, public=True)
    await sam.press("Edit the title")
    await sam.next_reply()
    await sam.send("Diaspora dialogue: remittances and rights")
    assert (await sam.next_reply()).content.startswith("1 shared event waits for review.")
    await sam.press("Approve")
    await sam.next_reply()

    async with services.db.session() as session:
        event = await session.scalar(select(Event))
        assert event is not None and event.title("en") == "Diaspora dialogue: remittances and rights"
        assert await community.labels(session, [event.id]) == {event.id: ORGANISATION}
        person = await people.find_by_telegram(session, services.keyring, kofi.id)
        assert person is not None
        await people.record_consent(
            session,
            person,
            "public_listing",
            granted=False,
            text_version="v1",
            now=clock() + timedelta(seconds=1),
        )
    async with services.db.session() as session:
        assert await community.labels(session, [event.id]) == {event.id: None}
    feed, _ = await region_feed(services, "africa", "en", since=NOW)
    unfolded = feed.replace(b"\r\n ", b"").decode()
    assert "Community event." in unfolded and ORGANISATION not in unfolded


async def test_staff_edit_the_title_before_approving(
    world: tuple[RunningBot, ManualClock], sandbox: SandboxServer
) -> None:
    running, _clock = world
    services = running.services
    _kofi, sam = await proposal_before_staff(services, sandbox, public=True)
    await sam.press("Edit the title")
    assert (await sam.next_reply()).content == "Send the new title, or /cancel."
    await sam.send("Diaspora dialogue: remittances and development")
    card = await sam.next_reply()  # the same proposal again, with the new title, to decide on
    assert "Diaspora dialogue: remittances and development" in card.content and "Approve" in card.buttons
    await sam.press("Approve")
    assert (await sam.next_reply()).content.startswith("Approved: it is in the regional calendar")
    async with services.db.session() as session:
        [event] = list(await session.scalars(select(Event)))
    assert "Diaspora dialogue: remittances and development" in event.titles.values()
