"""Broadcasts in the browser console over real HTTP: compose per language, preview the counts per
language and channel, send to the sandbox and watch the progress, cancel; bad input explained."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import select

from bot.sandbox.driver import SandboxPerson
from scheduler import broadcasts
from scheduler.clock import system_clock
from storage.models import AuditEntry, Broadcast, BroadcastState, ConsentPurpose, StaffRole
from storage.repositories import people
from tests.report_fixtures import expect
from tests.web_fixtures import ConsoleWorld, console_world

__all__ = ["console_world"]


def _csrf(html: str) -> str:
    return html.split('name="csrf" value="', 1)[1].split('"', 1)[0]


async def _subscriber(world: ConsoleWorld, name: str, language: str) -> SandboxPerson:
    sandbox_person = world.person(name, language)
    db = world.services.db
    async with db.session() as session:
        person = await people.create(session, now=system_clock(), language=language)
        person.country = "KE"
        await people.add_address(
            session, db.keyring, person, people.Channel.TELEGRAM, str(sandbox_person.id),
            now=system_clock(), verified=True,
        )  # fmt: skip
        await people.record_consent(
            session, person, ConsentPurpose.UPDATES.value, granted=True, text_version="t", now=system_clock()
        )
    return sandbox_person


async def _page_until(browser, url: str, text: str, timeout: float = 10.0) -> str:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with browser.get(url) as page:
            html: str = await page.text()
        if text in html:
            return html
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{text!r} never appeared on {url}")
        await asyncio.sleep(0.1)


async def test_compose_preview_send_and_follow_progress(console_world: ConsoleWorld) -> None:
    amina = await _subscriber(console_world, "Amina", "en")
    karim = await _subscriber(console_world, "Karim", "ar")
    member, member_id = await console_world.staff()
    browser = await console_world.signed_in(member)
    url = f"{console_world.base_url}/web/broadcasts"
    async with browser.get(url) as page:
        html = await page.text()
    form = {"csrf": _csrf(html), "text_en": "Briefing moved\nThe briefing is on Monday.",
            "text_ar": "تغيير موعد الإحاطة\nالإحاطة يوم الاثنين.", "who": "updates", "region": "africa",
            "kind": "", "event": "", "channel": "both"}  # fmt: skip

    async with browser.post(url, data={**form, "text_en": "", "text_ar": ""}) as empty:
        assert empty.status == 422 and "Write the message in at least one language." in await empty.text()
    async with browser.post(url, data={**form, "who": "event", "event": "NOPE"}) as nobody:
        assert "Nobody matches this audience." in await nobody.text()

    async with browser.post(url, data=form) as preview:
        html = await preview.text()
    assert "Recipients: 2." in html and "English by Telegram: 1" in html and "العربية by Telegram: 1" in html
    async with console_world.services.db.session() as session:
        assert list(await session.scalars(select(Broadcast))) == []  # a preview sends nothing

    async with browser.post(url, data={**form, "send": "yes"}, allow_redirects=False) as sent:
        assert sent.status == 303
        progress_url = console_world.base_url + sent.headers["Location"]
    assert "Briefing moved" in (await expect(amina, "Briefing")).content
    assert "الإحاطة" in (await expect(karim, "الإحاطة")).content
    html = await _page_until(browser, progress_url, "Broadcast finished.")
    assert "Sent: 2. Failed: 0. Left: 0." in html
    async with console_world.services.db.session() as session:
        [stored] = list(await session.scalars(select(Broadcast)))
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "broadcast.sent"))
    assert stored.created_by == member_id and entry is not None and entry.subject_id == str(stored.id)


async def test_cancel_a_broadcast_not_yet_sent(console_world: ConsoleWorld) -> None:
    await _subscriber(console_world, "Amina", "en")
    member, _ = await console_world.staff()
    audience = broadcasts.Audience()
    async with console_world.services.db.session() as session:
        recipients = await broadcasts.select_recipients(session, audience)
        # Due tomorrow: the workers leave it alone, so the cancel is what happens to it.
        queued = await broadcasts.create(
            session, audience=audience, versions={"en": broadcasts.Version("Later")}, recipients=recipients,
            default_language="en", now=system_clock() + timedelta(days=1),
        )  # fmt: skip
    browser = await console_world.signed_in(member)
    page_url = f"{console_world.base_url}/web/broadcasts/{queued.id}"
    async with browser.get(page_url) as page:
        html = await page.text()
    assert "Sending the broadcast" in html and "Left: 1." in html
    async with browser.post(f"{page_url}/cancel", data={"csrf": _csrf(html)}) as cancelled:
        html = await cancelled.text()
    assert "Broadcast cancelled." in html and "Not sent: 1." in html
    async with console_world.services.db.session() as session:
        stored = await session.get(Broadcast, queued.id)
    assert stored is not None and stored.state == BroadcastState.CANCELLED
    async with browser.get(f"{console_world.base_url}/web/broadcasts/{uuid.uuid4()}") as missing:
        assert missing.status == 404


async def test_task_team_cannot_broadcast(console_world: ConsoleWorld) -> None:
    member, _ = await console_world.staff(StaffRole.TASK_TEAM)
    browser = await console_world.signed_in(member)
    async with browser.get(f"{console_world.base_url}/web/broadcasts") as page:
        assert page.status == 403
