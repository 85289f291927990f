"""Events organisations shared, in the browser console over real HTTP: the pending list oldest
first, a proposal's page, approve (a community event of its region), edit the title then approve,
decline with a reason the organisation reads in its chat; a form without its CSRF token and the
task team are refused; right to left in Arabic."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from bot.application import proposals as sharing
from bot.sandbox.driver import SandboxPerson
from scheduler.clock import system_clock
from storage.models import AuditEntry, CommunityEvent, Event, EventProposal, ProposalStatus, StaffRole
from storage.repositories import people, profiles
from storage.repositories.audit import staff_actor
from tests.bot_fixtures import TRANSLATOR
from tests.report_fixtures import expect
from tests.web_fixtures import ConsoleWorld, console_world

__all__ = ["console_world"]

ORGANISATION = "Jamii Youth Network"


def _csrf(html: str) -> str:
    return html.split('name="csrf" value="', 1)[1].split('"', 1)[0]


async def _proposal(
    world: ConsoleWorld, who: SandboxPerson, title: str, *, language: str = "en"
) -> uuid.UUID:
    """`who`'s organisation (onboarded, in Kenya, reachable in the sandbox) shares an event, as
    /share_event does: through `bot.application.proposals.propose`."""
    db = world.services.db
    now = system_clock()
    async with db.session() as session:
        person = await profiles.ensure_person(session, db.keyring, who.id, now=now, language=language)
        person.organisation, person.stakeholder_type = ORGANISATION, "civil_society"
        person.country, person.time_zone = "KE", "Africa/Nairobi"
        await people.record_consent(
            session, person, "public_listing", granted=True, text_version="v1", now=now
        )
        new = sharing.NewProposal(
            title, "webinar", now + timedelta(days=30), "Africa/Nairobi", "africa",
            "https://jamii.example/webinar", ["en", "es"], language,
        )  # fmt: skip
        return (await sharing.propose(session, person.id, new, now=now)).id


async def test_liaison_staff_approve_retitle_and_decline_shared_events(console_world: ConsoleWorld) -> None:
    kofi = console_world.person("Kofi", "en")
    first = await _proposal(console_world, kofi, "Diaspora dialogue on remittances")
    second = await _proposal(console_world, kofi, "Youth forum on labour migration")
    third = await _proposal(console_world, kofi, "Webinar without an agenda")
    member, member_id = await console_world.staff(StaffRole.LIAISON)
    browser = await console_world.signed_in(member)
    base = f"{console_world.base_url}/web/proposals"

    async with browser.get(base) as page:
        html = await page.text()
    assert "3 shared events wait for review." in html and "Webinar" in html and "Africa" in html
    assert html.index("Diaspora dialogue") < html.index("Youth forum") < html.index("without an agenda")
    assert ORGANISATION not in html  # as in the chat's card: the event, not who shared it
    async with browser.get(f"{base}/{first}") as page:
        html = await page.text()
    assert "Diaspora dialogue on remittances" in html and "https://jamii.example/webinar" in html
    assert "English, Español" in html and ORGANISATION not in html
    csrf = _csrf(html)

    async with browser.post(f"{base}/{first}/approve", data={}) as refused:  # no CSRF token
        assert refused.status == 403 and "This form has expired" in await refused.text()
    async with console_world.services.db.session() as session:
        assert await session.scalar(select(Event)) is None

    async with browser.post(f"{base}/{first}/approve", data={"csrf": csrf}) as done:
        html = await done.text()
    assert (
        "Approved: it is in the regional calendar as event " in html and 'action="/web/proposals' not in html
    )
    assert "ya está" not in html  # the staff member's language, not the proposer's
    await expect(kofi, "is now in the regional calendar as a community event")
    async with browser.post(f"{base}/{first}/approve", data={"csrf": csrf}) as again:
        assert "This shared event was decided already." in await again.text()

    async with browser.post(f"{base}/{second}/title", data={"csrf": csrf, "text": " "}) as refused:
        assert "Write something first." in await refused.text()
    retitled = "Youth forum: labour migration and rights"
    async with browser.post(f"{base}/{second}/title", data={"csrf": csrf, "text": retitled}) as done:
        html = await done.text()
    assert "Saved." in html and retitled in html and f'action="/web/proposals/{second}/approve"' in html
    async with browser.post(f"{base}/{second}/approve", data={"csrf": csrf}) as done:
        assert "Approved: it is in the regional calendar" in await done.text()
    await expect(kofi, retitled)

    reason = "Please send us the agenda first."
    async with browser.post(f"{base}/{third}/decline", data={"csrf": csrf, "text": reason}) as done:
        assert "Declined. The organisation is told your reason." in await done.text()
    told = await expect(kofi, "was not added to the calendar")
    assert reason in told.content

    async with browser.get(base) as page:
        assert "No shared events wait for review." in await page.text()
    async with console_world.services.db.session() as session:
        approved = {
            event.title("en"): event
            for event in await session.scalars(select(Event))
            if await session.get(CommunityEvent, event.id) is not None
        }
        declined = await session.get(EventProposal, third)
        audited = [
            (entry.action, entry.subject_id)
            for entry in await session.scalars(
                select(AuditEntry).where(AuditEntry.actor == staff_actor(member_id)).order_by(AuditEntry.id)
            )
            if entry.action.startswith("proposal.")
        ]
    assert set(approved) == {"Diaspora dialogue on remittances", retitled}
    assert all(event.region == "africa" for event in approved.values())
    assert declined is not None and declined.status == ProposalStatus.DECLINED and declined.reason == reason
    # As the chat audits: each decision by the staff member, by the proposal's id only.
    assert audited == [
        ("proposal.approve", str(first)),
        ("proposal.edit", str(second)),
        ("proposal.approve", str(second)),
        ("proposal.decline", str(third)),
    ]


async def test_the_task_team_has_no_proposals(console_world: ConsoleWorld) -> None:
    proposal = await _proposal(console_world, console_world.person("Kofi"), "Diaspora dialogue")
    member, _ = await console_world.staff(StaffRole.TASK_TEAM)
    browser = await console_world.signed_in(member)
    for path in ("", f"/{proposal}"):
        async with browser.get(f"{console_world.base_url}/web/proposals{path}") as page:
            assert page.status == 403
    async with browser.get(f"{console_world.base_url}/web") as page:
        assert "/web/proposals" not in await page.text()  # not in the task team's menu either


async def test_arabic_staff_see_shared_events_right_to_left(console_world: ConsoleWorld) -> None:
    proposal = await _proposal(
        console_world, console_world.person("Amara", "es"), "Seminario web", language="es"
    )
    member, _ = await console_world.staff(StaffRole.LIAISON, language_code="ar")
    browser = await console_world.signed_in(member, language="ar")
    async with browser.get(f"{console_world.base_url}/web/proposals/{proposal}") as page:
        html = await page.text()
    assert '<html lang="ar" dir="rtl">' in html and "Seminario web" in html
    assert TRANSLATOR.get("ar")._("Approve") in html
