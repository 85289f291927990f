"""The staff console in a real Chromium, in English (laptop) and in Arabic (right to left, tablet):
sign in by the chat link, review and accept registrations, run a selection and confirm it, compose
and send a broadcast to the sandbox (and watch a broadcast's progress refresh itself), import a list
with a bad row, create, look at and cancel an event, read a submission, verify the audit log; axe-core
finds no serious violation on any page, and each page is pictured in both languages.

`make screenshots` runs these with LIAISON_SCREENSHOTS=docs/console to refresh the pictures in docs/.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from storage.models import Registration, RegistrationStatus, StaffRole
from tests.browser_fixtures import chromium, screenshot, serious_violations
from tests.report_fixtures import expect
from tests.web_fixtures import ConsoleWorld, console_world

__all__ = ["chromium", "console_world"]

pytestmark = pytest.mark.slow


LAPTOP = {"width": 1280, "height": 800}
TABLET = {"width": 768, "height": 1024}


async def _page(chromium: Any, language: str, viewport: dict[str, int] = LAPTOP) -> Any:
    # bypass_csp only lets the test inject axe-core (the console's own CSP allows no inline script).
    context = await chromium.new_context(locale=language, bypass_csp=True, viewport=viewport)
    return await context.new_page()


async def _check(page: Any, name: str) -> None:
    assert await serious_violations(page) == [], name
    # Usable on a tablet too: the page itself never scrolls sideways (wide tables scroll in their box).
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), name
    await screenshot(page, name)


SUBMISSIONS = {
    "ar": ("تقرير عن الوصول إلى المعلومات", "نص المساهمة. "),
    "en": ("Access to information in the region", "The text of the submission. "),
}


async def _submission_waiting(world: ConsoleWorld, language: str) -> None:
    from scheduler.clock import system_clock
    from storage.repositories import people, submissions

    title, sentence = SUBMISSIONS[language]
    async with world.services.db.session() as session:
        person = await people.create(session, now=system_clock(), language=language)
        await submissions.create(
            session, person=person, title=title, body=sentence * 20,
            document=None, language=language, publish_consent=True, disclaimer_version="v1", now=system_clock(),
        )  # fmt: skip


QUESTIONS = {
    "ar": "متى يُعقد الاستعراض الإقليمي القادم في منطقتنا؟",
    "en": "When is the next regional review in our region?",
}


async def _question_waiting(world: ConsoleWorld, language: str) -> None:
    from scheduler.clock import system_clock
    from storage.repositories import inbox, people

    async with world.services.db.session() as session:
        person = await people.create(session, now=system_clock(), language=language)
        await inbox.add_question(
            session, person.id, QUESTIONS[language], language=language, region="africa", now=system_clock()
        )


async def _inbox(page: Any, world: ConsoleWorld, language: str) -> None:
    """The inbox and one question (the navigation link by its address: the same in both languages)."""
    await _question_waiting(world, language)
    await page.locator('nav a[href="/web/inbox"]').click()
    await page.wait_for_url("**/web/inbox")
    assert QUESTIONS[language] not in await page.locator("main").inner_text()  # no one's words in the list
    await _check(page, f"{language}-inbox")
    await page.locator("tbody th a").first.click()
    await page.locator("textarea#reply").wait_for()
    assert QUESTIONS[language] in await page.locator("main").inner_text()
    await _check(page, f"{language}-question")


PROPOSALS = {"ar": "حوار المغتربين حول التحويلات المالية", "en": "Diaspora dialogue on remittances"}


async def _proposals(page: Any, world: ConsoleWorld, language: str) -> None:
    """An organisation's shared event waiting, the Proposals page and the proposal itself."""
    from tests.test_web_console_proposals import _proposal

    await _proposal(world, world.person(f"Org{language}", language), PROPOSALS[language], language=language)
    await page.locator('nav a[href="/web/proposals"]').click()
    await page.wait_for_url("**/web/proposals")
    await _check(page, f"{language}-proposals")
    await page.locator("tbody th a").first.click()
    await page.locator("form button.primary").wait_for()
    assert PROPOSALS[language] in await page.locator("main").inner_text()
    await _check(page, f"{language}-proposal")


async def _statuses(world: ConsoleWorld) -> list[str]:
    async with world.services.db.session() as session:
        rows = await session.scalars(select(Registration).order_by(Registration.created_at))
        return [r.status for r in rows]


async def test_sign_in_by_the_chat_link_and_accept_registrations_in_english(
    console_world: ConsoleWorld, chromium: Any
) -> None:
    event, (first, _second, _third) = await console_world.event_with_registrations(3, capacity=10)
    member, _ = await console_world.staff(StaffRole.ADMINISTRATOR)
    page = await _page(chromium, "en")

    await page.goto(await console_world.link(member))
    assert await page.get_attribute("html", "dir") == "ltr"
    await _check(page, "en-signin")
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("**/web")
    assert await page.locator("h1").inner_text() == "Events"
    await _check(page, "en-events")

    await page.get_by_role("link", name="Nairobi consultation").click()
    await page.wait_for_url(f"**/web/events/{event.id}/registrations")
    assert "0 of 10 places taken" in await page.locator(".capacity").inner_text()
    await _check(page, "en-registrations")

    await page.get_by_label("Stakeholder type").select_option(label="Academia")
    await page.get_by_role("button", name="Filter", exact=True).click()
    await page.wait_for_url("**stakeholder_type=academia**")
    rows = page.locator("tbody tr")
    assert await rows.count() == 2  # persons 0 and 2
    for checkbox in await page.get_by_role("checkbox").all():
        await checkbox.check()
    await page.get_by_label("Decision").select_option("accepted")
    await page.get_by_role("button", name="Save the decision").click()
    await page.locator(".saved").wait_for()
    assert "2 registrations saved" in await page.locator(".saved").inner_text()
    assert "2 of 10 places taken" in await page.locator(".capacity").inner_text()
    await _check(page, "en-registrations-decided")
    assert "accepted" in (await expect(first, "R-")).content.lower()
    assert await _statuses(console_world) == ["accepted", "pending", "accepted"]

    await page.get_by_role("link", name="Balanced selection for this event").click()
    await page.get_by_label("How many to select").fill("1")
    await page.get_by_role("button", name="Run the selection").click()
    await page.locator("#report-title").wait_for()
    assert "1 of 1 selected" in await page.locator("main").inner_text()
    await _check(page, "en-selection")
    await page.get_by_role("button", name="Confirm").click()
    await page.locator(".saved").wait_for()
    assert "1 accepted, 0 waitlisted" in await page.locator(".saved").inner_text()
    assert await _statuses(console_world) == ["accepted", "accepted", "accepted"]

    await page.get_by_role("link", name="Registrations").click()
    await page.get_by_role("link", name="Statistics").last.click()
    await page.locator("img.chart").wait_for()
    await _check(page, "en-event-statistics")
    await page.get_by_role("link", name="Registrations").click()
    await page.locator("tbody th a").first.click()
    await page.locator("dl").wait_for()
    await _check(page, "en-registration")
    await page.get_by_role("link", name="Statistics").first.click()
    await page.wait_for_url("**/web/stats")
    await _check(page, "en-statistics")

    await _submission_waiting(console_world, "en")
    await page.get_by_role("link", name="Submissions").click()
    await _check(page, "en-submissions")
    await page.locator("tbody th a").first.click()
    await page.get_by_role("button", name="Return with a reason").wait_for()
    assert SUBMISSIONS["en"][0] in await page.locator("main").inner_text()
    await _check(page, "en-submission")
    await _inbox(page, console_world, "en")
    await _proposals(page, console_world, "en")

    await page.get_by_role("link", name="Audit log").click()
    await page.wait_for_url("**/web/audit")
    await page.get_by_role("button", name="Verify the chain").click()
    await page.locator(".saved").wait_for()
    await _check(page, "en-audit")

    await page.get_by_role("link", name="Events").click()
    await page.get_by_role("link", name="Import events from a file").click()
    await _check(page, "en-event-import")
    await page.get_by_role("link", name="Events").click()
    await page.get_by_role("link", name="New event").click()
    await _check(page, "en-event-new")
    await page.get_by_label("Kind").select_option("briefing")
    await page.get_by_label("Region").select_option("global")
    await page.get_by_label("Title").fill("Global briefing on submissions")
    await page.get_by_label("Time zone of the venue").fill("Europe/Zurich")
    await page.get_by_label("Starts (local time of the venue)").fill("2031-03-04T10:30")
    await page.get_by_role("button", name="Create the event").click()
    await page.locator(".saved").wait_for()
    assert "is created" in await page.locator(".saved").inner_text()
    assert "10:30" in await page.locator("main ul").inner_text()
    await _check(page, "en-event")
    await page.get_by_role("button", name="Cancel the event").click()
    await page.locator("form.confirm").wait_for()
    await _check(page, "en-event-cancel")

    await page.get_by_role("link", name="Outreach lists").click()
    await _check(page, "en-outreach")
    await page.get_by_label("List file (CSV or XLSX)").set_input_files(
        files=[
            {
                "name": "list.csv",
                "mimeType": "text/csv",
                "buffer": b"email,name\nana@example.org,Ana\nnot-an-address,Bo\n",
            }
        ]
    )
    await page.get_by_role("button", name="Check the file").click()
    await page.locator("#check-title").wait_for()
    assert "Line 3: check Email." in await page.locator("main").inner_text()
    await _check(page, "en-outreach-check")
    await page.get_by_label("Where the list comes from").fill("ECA network")
    await page.get_by_role("button", name="Import the good rows").click()
    await page.locator(".saved").first.wait_for()
    assert "Imported: 1." in await page.locator("main").inner_text()

    await page.get_by_role("link", name="Broadcasts").click()
    await _check(page, "en-broadcasts")
    await page.get_by_label("English").fill("Briefing moved\nThe briefing is on Monday.")
    await page.get_by_label("Registrants of an event").check()
    await page.get_by_label("Which event?").select_option("NBO26")
    await page.get_by_role("button", name="Preview").click()
    await page.locator("#preview-title").wait_for()
    await _check(page, "en-broadcast-preview")
    await page.get_by_role("button", name="Send now").click()
    await page.wait_for_url("**/web/broadcasts/*")
    assert "Briefing moved" in (await expect(first, "Briefing")).content
    await _check(page, "en-broadcast")

    await page.get_by_role("button", name="Sign out").click()
    await page.goto(f"{console_world.base_url}/web")
    assert "You are not signed in" in await page.locator("h1").inner_text()
    await _check(page, "en-signed-out")


async def test_sign_in_accept_select_broadcast_and_import_in_arabic_right_to_left(
    console_world: ConsoleWorld, chromium: Any
) -> None:
    event, (first, _second, _third) = await console_world.event_with_registrations(3, capacity=2)
    member, _ = await console_world.staff(StaffRole.ADMINISTRATOR, language_code="ar")
    page = await _page(chromium, "ar", TABLET)  # and on a tablet
    accepted, pending, waitlisted = (
        RegistrationStatus.ACCEPTED,
        RegistrationStatus.PENDING,
        RegistrationStatus.WAITLISTED,
    )

    await page.goto(await console_world.link(member))
    assert await page.get_attribute("html", "dir") == "rtl"
    await _check(page, "ar-signin")
    await page.get_by_role("button", name="تسجيل الدخول").click()
    await page.wait_for_url("**/web")
    assert await page.get_attribute("html", "lang") == "ar"
    assert await page.locator("h1").inner_text() == "الفعاليات"
    await _check(page, "ar-events")

    await page.get_by_role("link", name="مشاورة نيروبي").click()
    await page.wait_for_url(f"**/web/events/{event.id}/registrations")
    # Right to left: the table's first column sits at the right edge.
    table = await page.locator("table").bounding_box()
    first_cell = await page.locator("thead th").first.bounding_box()
    assert table is not None and first_cell is not None
    assert first_cell["x"] + first_cell["width"] > table["x"] + table["width"] - 5
    await _check(page, "ar-registrations")

    await page.get_by_role("checkbox").first.check()
    await page.get_by_label("القرار").select_option("accepted")
    await page.get_by_role("button", name="حفظ القرار").click()
    await page.locator(".saved").wait_for()
    assert "حُفظ تسجيل واحد" in await page.locator(".saved").inner_text()  # Arabic says "one registration"
    await _check(page, "ar-registrations-decided")
    await expect(first, "R-")
    assert await _statuses(console_world) == [accepted, pending, pending]

    # The balanced selection fills the last place; the other request waits.
    await page.get_by_role("link", name="اختيار متوازن لهذه الفعالية").click()
    await page.get_by_label("عدد من يُختارون").fill("1")
    await page.get_by_role("button", name="إجراء الاختيار").click()
    await page.locator("#report-title").wait_for()
    assert await page.locator("meter").count() == 2  # each request's chance, as a bar
    await _check(page, "ar-selection")
    await page.locator("form.confirm button").click()
    await page.locator(".saved").wait_for()
    assert sorted(await _statuses(console_world)) == sorted([accepted, accepted, waitlisted])

    # The waiting one does not fit: the refusal comes back in Arabic, nothing changes.
    await page.goto(f"{console_world.base_url}/web/events/{event.id}/registrations?status=waitlisted")
    await page.get_by_role("checkbox").first.check()
    await page.get_by_label("القرار").select_option("accepted")
    await page.get_by_role("button", name="حفظ القرار").click()
    await page.locator("ul.problem").wait_for()
    assert sorted(await _statuses(console_world)) == sorted([accepted, accepted, waitlisted])

    await page.get_by_role("link", name="الإحصاءات").last.click()
    await page.locator("img.chart").wait_for()
    await _check(page, "ar-event-statistics")
    await page.get_by_role("link", name="التسجيلات", exact=True).click()
    await page.locator("tbody th a").first.click()
    await page.locator("dl").wait_for()
    await _check(page, "ar-registration")

    await page.get_by_role("link", name="الرسائل الجماعية").click()
    await _check(page, "ar-broadcasts")
    await page.locator("#text_ar").fill("تغيير الموعد\nالإحاطة يوم الاثنين.")
    await page.locator("#who-event").check()
    await page.locator("#event").select_option("NBO26")
    await page.get_by_role("button", name="معاينة").click()
    await page.locator("#preview-title").wait_for()
    await _check(page, "ar-broadcast-preview")
    await page.get_by_role("button", name="أرسل الآن").click()
    await page.wait_for_url("**/web/broadcasts/*")
    assert "تغيير الموعد" in (await expect(first, "تغيير الموعد")).content
    await _check(page, "ar-broadcast")

    await page.get_by_role("link", name="قوائم التواصل").click()
    await _check(page, "ar-outreach")
    await page.locator("#file").set_input_files(
        files=[
            {
                "name": "list.csv",
                "mimeType": "text/csv",
                "buffer": "email,name\nhuda@example.org,هدى\nnot-an-address,Bo\n".encode(),
            }
        ]
    )
    await page.get_by_role("button", name="فحص الملف").click()
    await page.locator("#check-title").wait_for()
    assert await page.locator("ul.problem li").count() == 1  # line 3, the bad address
    await _check(page, "ar-outreach-check")
    await page.locator("#source").fill("شبكة المنطقة")
    await page.get_by_role("button", name="استيراد الصفوف السليمة").click()
    await page.locator(".saved").first.wait_for()

    await page.get_by_role("link", name="الإحصاءات").click()
    await _check(page, "ar-statistics")
    await _submission_waiting(console_world, "ar")
    await page.get_by_role("link", name="المساهمات المكتوبة").click()
    await _check(page, "ar-submissions")
    await page.locator("tbody th a").first.click()
    await page.get_by_role("button", name="الإعادة مع ذكر السبب").wait_for()
    await _check(page, "ar-submission")
    await _inbox(page, console_world, "ar")
    await _proposals(page, console_world, "ar")
    await page.get_by_role("link", name="سجل التدقيق").click()
    await _check(page, "ar-audit")
    await page.get_by_role("link", name="الفعاليات").click()
    await page.get_by_role("link", name="فعالية جديدة").click()
    await _check(page, "ar-event-new")
    await page.get_by_role("link", name="الفعاليات").click()
    await page.get_by_role("link", name="استيراد الفعاليات من ملف").click()
    await _check(page, "ar-event-import")

    await page.get_by_role("link", name="الفعاليات").click()
    # The code sits in bidi isolates inside the Arabic sentence, so match around them.
    await page.get_by_role("link", name=re.compile(r"تغيير\W*NBO26\W*أو إلغاؤه")).click()
    await _check(page, "ar-event")
    await page.get_by_role("button", name="إلغاء الفعالية").first.click()
    await page.locator("form.confirm").wait_for()
    await _check(page, "ar-event-cancel")


async def test_the_accessibility_check_finds_a_serious_violation(chromium: Any) -> None:
    """The check itself can fail: a button without a name and an image without a text are found."""
    page = await _page(chromium, "en")
    await page.set_content(
        '<html lang="en"><body><main><button></button><img src="x.png"></main></body></html>'
    )
    found = await serious_violations(page)
    assert any(v.startswith("button-name") for v in found) and any(v.startswith("image-alt") for v in found)


async def test_broadcast_progress_refreshes_itself(console_world: ConsoleWorld, chromium: Any) -> None:
    """htmx (vendored, allowed by the CSP) replaces the progress part while the broadcast runs."""
    from datetime import timedelta

    from scheduler import broadcasts
    from scheduler.clock import system_clock
    from storage.repositories import outbox

    event, _people = await console_world.event_with_registrations(1)
    audience = broadcasts.Audience(event_code=event.code)
    async with console_world.services.db.session() as session:
        recipients = await broadcasts.select_recipients(session, audience)
        # Due tomorrow: the workers leave it queued until the test cancels it.
        queued = await broadcasts.create(
            session, audience=audience, versions={"en": broadcasts.Version("Later")}, recipients=recipients,
            default_language="en", now=system_clock() + timedelta(days=1),
        )  # fmt: skip
    member, _ = await console_world.staff()
    page = await _page(chromium, "en")
    await page.goto(await console_world.link(member))
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("**/web")
    await page.goto(f"{console_world.base_url}/web/broadcasts/{queued.id}")
    assert "Left: 1." in await page.locator("#progress").inner_text()
    await page.wait_for_function("typeof window.htmx === 'object'")
    async with console_world.services.db.session() as session:
        await outbox.cancel_broadcast(session, queued.id, now=system_clock())
    await page.get_by_text("Broadcast cancelled.").wait_for(timeout=10_000)  # no reload by the test
    assert "Not sent: 1." in await page.locator("#progress").inner_text()
    await _check(page, "en-broadcast-progress")
