"""The browser console's pages over real HTTP: registrations reviewed one or many at a time through
the same decision service as the chat (capacity, notices in the person's language, audit), filters,
the audited detail page, the audit log's search and verification, and the Arabic layout."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select, update

from scheduler.clock import system_clock
from storage.models import AuditEntry, Channel, Registration, RegistrationStatus, StaffRole
from storage.repositories import people
from tests.report_fixtures import expect
from tests.web_fixtures import ConsoleWorld, console_world

__all__ = ["console_world"]


def _csrf(html: str) -> str:
    return html.split('name="csrf" value="', 1)[1].split('"', 1)[0]


async def _ids(world: ConsoleWorld) -> list[str]:
    async with world.services.db.session() as session:
        rows = await session.scalars(select(Registration).order_by(Registration.created_at))
        return [str(r.id) for r in rows]


async def test_staff_read_how_many_could_not_be_told(console_world: ConsoleWorld) -> None:
    event, (reachable, blocked) = await console_world.event_with_registrations(2, code="UNR26")
    db = console_world.services.db
    async with db.session() as session:  # the second person blocked the bot, and has no email
        address = await people.find_address(session, db.keyring, Channel.TELEGRAM, str(blocked.id))
        assert address is not None
        await people.mark_unreachable(session, address, now=system_clock(), reason="blocked")
    member, _member_id = await console_world.staff()
    browser = await console_world.signed_in(member)
    url = f"{console_world.base_url}/web/events/{event.id}/registrations"
    async with browser.get(url) as page:
        csrf = _csrf(await page.text())
    ids = await _ids(console_world)
    async with browser.post(
        url,
        data=[("csrf", csrf), ("decision", "accepted"), ("registration", ids[0]), ("registration", ids[1])],
    ) as done:
        html = await done.text()
    assert "2 registrations saved" in html
    assert "1 of them cannot be reached now and was not told." in html
    assert "accept" in (await expect(reachable, "R-")).content.lower()
    assert not [m for m in console_world.sandbox.chat(blocked.id).bot_messages if "R-" in m.content]


async def test_accept_many_then_full_then_waitlist_with_a_reason(console_world: ConsoleWorld) -> None:
    event, (first, second, third) = await console_world.event_with_registrations(3, capacity=2)
    member, member_id = await console_world.staff()
    browser = await console_world.signed_in(member)
    url = f"{console_world.base_url}/web/events/{event.id}/registrations"
    async with browser.get(url) as page:
        html = await page.text()
    assert (
        "0 of 2 places taken, 0 waiting list, 3 to review." in html and "3 of 3 registrations shown." in html
    )
    ids = await _ids(console_world)
    csrf = _csrf(html)

    async with browser.post(
        url,
        data=[("csrf", csrf), ("decision", "accepted"), ("registration", ids[0]), ("registration", ids[1])],
    ) as done:
        html = await done.text()
    assert "2 registrations saved; each person is told in their language." in html
    assert "2 of 2 places taken" in html
    assert "accept" in (await expect(first, "R-")).content.lower()
    assert "accept" in (await expect(second, "R-")).content.lower()  # in French: "acceptée"

    async with browser.post(url, data={"csrf": csrf, "decision": "accepted", "registration": ids[2]}) as full:
        html = await full.text()
    assert "The event is full. Put this registration on the waiting list instead." in html
    async with browser.post(
        url, data={"csrf": csrf, "decision": "waitlisted", "registration": ids[2]}
    ) as no_reason:
        assert "Choose a reason the person will read." in await no_reason.text()
    async with browser.post(
        url, data={"csrf": csrf, "decision": "waitlisted", "reason": "capacity", "registration": ids[2]}
    ) as waited:
        html = await waited.text()
    assert "1 registration saved" in html and "2 of 2 places taken, 1 waiting list, 0 to review." in html
    assert "All places are taken." in html  # the reason, as the person reads it
    told = (await expect(third, "R-")).content
    assert "waiting list" in told and "All places are taken." in told

    async with browser.get(url, params={"status": "waitlisted"}) as filtered:
        html = await filtered.text()
    assert "1 of 3 registrations shown." in html
    async with console_world.services.db.session() as session:
        statuses = [
            r.status for r in await session.scalars(select(Registration).order_by(Registration.created_at))
        ]
        entries = list(await session.scalars(select(AuditEntry)))
    assert statuses == ["accepted", "accepted", "waitlisted"]
    assert sum(e.action == "registration.accepted" and e.actor == f"staff:{member_id}" for e in entries) == 2
    assert any(e.action == "registration.list" and e.subject_id == str(event.id) for e in entries)


async def test_declining_a_freed_place_promotes_the_longest_waiting(console_world: ConsoleWorld) -> None:
    event, (_first, second) = await console_world.event_with_registrations(2, capacity=1)
    ids = await _ids(console_world)
    async with console_world.services.db.session() as session:
        await session.execute(
            update(Registration).where(Registration.id == uuid.UUID(ids[0])).values(status="accepted")
        )
        await session.execute(
            update(Registration).where(Registration.id == uuid.UUID(ids[1])).values(status="waitlisted")
        )
    member, _ = await console_world.staff()
    browser = await console_world.signed_in(member)
    url = f"{console_world.base_url}/web/events/{event.id}/registrations"
    async with browser.get(url) as page:
        csrf = _csrf(await page.text())
    async with browser.post(
        url, data={"csrf": csrf, "decision": "declined", "reason": "duplicate", "registration": ids[0]}
    ) as done:
        html = await done.text()
    assert "1 of 1 places taken, 0 waiting list" in html
    await expect(second, "R-")  # promoted from the waiting list, and told
    async with console_world.services.db.session() as session:
        promoted = await session.get(Registration, uuid.UUID(ids[1]))
    assert promoted is not None and promoted.status == RegistrationStatus.ACCEPTED


async def test_a_registration_of_another_event_is_not_decided_here(console_world: ConsoleWorld) -> None:
    await console_world.event_with_registrations(1, code="AAA26")
    other, _ = await console_world.event_with_registrations(1, code="BBB26")
    ids = await _ids(console_world)
    member, _ = await console_world.staff()
    browser = await console_world.signed_in(member)
    url = f"{console_world.base_url}/web/events/{other.id}/registrations"
    async with browser.get(url) as page:
        csrf = _csrf(await page.text())
    async with browser.post(url, data={"csrf": csrf, "decision": "accepted", "registration": ids[0]}) as done:
        html = await done.text()
    assert "0 registrations saved" in html and "This registration was decided already." in html
    async with browser.post(url, data={"csrf": csrf, "decision": "accepted"}) as nothing:
        assert "Select at least one registration." in await nothing.text()
    async with browser.post(url, data={"csrf": csrf, "decision": "maybe", "registration": ids[1]}) as bad:
        assert "Choose accept, waiting list or decline." in await bad.text()


async def test_the_detail_page_shows_what_the_person_gave_and_is_audited(console_world: ConsoleWorld) -> None:
    _event, _people = await console_world.event_with_registrations(1)
    [registration_id] = await _ids(console_world)
    member, member_id = await console_world.staff()
    browser = await console_world.signed_in(member)
    async with browser.get(f"{console_world.base_url}/web/registrations/{registration_id}") as page:
        html = await page.text()
    assert page.status == 200 and "Organisation 0" in html and "Academia" in html
    async with browser.get(f"{console_world.base_url}/web/registrations/not-an-id") as missing:
        assert missing.status == 404
    async with console_world.services.db.session() as session:
        reads = list(
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "registration.read"))
        )
    assert [(e.actor, e.subject_id) for e in reads] == [(f"staff:{member_id}", registration_id)]


async def test_audit_log_search_and_verify(console_world: ConsoleWorld) -> None:
    await console_world.event_with_registrations(1)
    member, member_id = await console_world.staff(StaffRole.ADMINISTRATOR)
    browser = await console_world.signed_in(member)
    async with browser.get(f"{console_world.base_url}/web/audit", params={"action": "web.sign_in"}) as page:
        html = await page.text()
    assert f"staff:{member_id}" in html and "web.sign_in" in html
    async with browser.get(
        f"{console_world.base_url}/web/audit", params={"action": "no.such.action"}
    ) as page:
        html = await page.text()
    assert "web.sign_in" not in html
    async with browser.get(f"{console_world.base_url}/web/audit", params={"verify": "1"}) as page:
        assert "The audit log is intact" in await page.text()
    async with console_world.services.db.session() as session:
        await session.execute(update(AuditEntry).values(action="edited"))
    async with browser.get(f"{console_world.base_url}/web/audit", params={"verify": "1"}) as page:
        html = await page.text()
    assert "The audit log is intact" not in html and re.search(r"Entry \d+:", html)


async def test_arabic_staff_get_the_console_right_to_left(console_world: ConsoleWorld) -> None:
    event, _people = await console_world.event_with_registrations(1)
    member, _ = await console_world.staff(language_code="ar")
    link_reply_language_check = await console_world.link(member)
    assert link_reply_language_check
    browser = await console_world.signed_in(member, language="ar")
    async with browser.get(f"{console_world.base_url}/web/events/{event.id}/registrations") as page:
        html = await page.text()
    assert '<html lang="ar" dir="rtl">' in html and "مشاورة نيروبي" in html


async def test_participant_exports_csv_with_bom_and_xlsx_only_with_consent(
    console_world: ConsoleWorld,
) -> None:
    import io

    from openpyxl import load_workbook

    from scheduler.clock import system_clock
    from storage.models import ConsentPurpose, Person
    from storage.repositories import people

    event, _people = await console_world.event_with_registrations(2)
    async with console_world.services.db.session() as session:
        sharing, _private = [
            r.person_id for r in await session.scalars(select(Registration).order_by(Registration.created_at))
        ]
        person = await session.get(Person, sharing)
        assert person is not None
        person.display_name, person.organisation = "Amal Hassan", '=HYPERLINK("http://x")'
        await people.record_consent(
            session,
            person,
            ConsentPurpose.SHARE_WITH_NETWORK.value,
            granted=True,
            text_version="t",
            now=system_clock(),
        )
    member, member_id = await console_world.staff()
    browser = await console_world.signed_in(member)
    base = f"{console_world.base_url}/web/events/{event.id}"
    async with browser.get(f"{base}/participants.csv") as got:
        body = await got.read()
        assert got.status == 200 and got.headers["Content-Type"].startswith("text/csv")
        assert 'filename="NBO26-all.csv"' in got.headers["Content-Disposition"]
    assert body.startswith("\ufeff".encode())
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("reference,status,kind") and len(lines) == 3
    assert "Amal Hassan" in lines[1] and "'=HYPERLINK" in lines[1]  # a formula stays text
    assert "Organisation 1" not in body.decode()  # no consent: no organisation
    # As `liaison stats export` writes it: categories by name in the staff member's language.
    assert ",Academia," in lines[1] and "academia" not in body.decode()
    async with browser.get(f"{base}/participants.xlsx", params={"status": "accepted"}) as got:
        sheet = load_workbook(io.BytesIO(await got.read())).active
    assert (
        sheet is not None
        and [c.value for c in sheet[1]][:2] == ["reference", "status"]
        and sheet.max_row == 1
    )
    async with browser.get(f"{base}/participants.pdf") as bad:
        assert bad.status == 404
    async with console_world.services.db.session() as session:
        exports = list(
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "registration.export"))
        )
    assert [e.actor for e in exports] == [f"staff:{member_id}"] * 2
    team, _ = await console_world.staff(StaffRole.TASK_TEAM, name="Tomas")
    other = await console_world.signed_in(team)
    async with other.get(f"{base}/participants.csv") as refused:
        assert refused.status == 403


async def test_statistics_per_region_and_per_event_with_a_chart(console_world: ConsoleWorld) -> None:
    event, _people = await console_world.event_with_registrations(3)
    member, _ = await console_world.staff()
    browser = await console_world.signed_in(member)
    async with browser.get(f"{console_world.base_url}/web/stats") as page:
        html = await page.text()
    assert "Africa" in html and "<td>3</td>" in html  # three waiting for review
    async with browser.get(f"{console_world.base_url}/web/events/{event.id}/stats") as page:
        html = await page.text()
    assert "3 registrations." in html and "Academia" in html and html.count("<meter") >= 6
    async with browser.get(f"{console_world.base_url}/web/events/{event.id}/stats.png") as chart:
        assert chart.headers["Content-Type"] == "image/png" and (await chart.read()).startswith(b"\x89PNG")
    team, _ = await console_world.staff(StaffRole.TASK_TEAM, name="Tomas")
    other = await console_world.signed_in(team)
    async with other.get(f"{console_world.base_url}/web/events/{event.id}/stats") as refused:
        assert refused.status == 403
