"""Outreach lists in the browser console over real HTTP: upload a list with bad and repeated rows,
check the mapping and the problems before anything is stored, then import the good rows."""

from __future__ import annotations

import aiohttp
from sqlalchemy import select

from storage.models import AuditEntry, Contact
from tests.web_fixtures import ConsoleWorld, console_world

__all__ = ["console_world"]

LIST = (
    "E-mail,Nom,Organisation,Pays\n"
    "amal@example.org,Amal Hassan,Coastal Women Network,KE\n"
    "not-an-email,Badr,Sahel Youth,SN\n"
    "AMAL@example.org,Amal again,Coastal Women Network,KE\n"
    "chen@example.org,Chen Li,Delta Migrants,Atlantis\n"
    "dana@example.org,Dana,,Kenya\n"
)


def _field(html: str, name: str) -> str:
    return html.split(f'name="{name}" value="', 1)[1].split('"', 1)[0]


def _upload(csrf: str, content: bytes, filename: str) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("csrf", csrf)
    form.add_field("file", content, filename=filename, content_type="text/csv")
    return form


async def test_upload_check_then_import_the_good_rows(console_world: ConsoleWorld) -> None:
    member, member_id = await console_world.staff()
    browser = await console_world.signed_in(member)
    url = f"{console_world.base_url}/web/contacts"
    async with browser.get(url) as page:
        csrf = _field(await page.text(), "csrf")
    async with browser.post(url, data=_upload(csrf, b"x", "list.pdf")) as wrong:
        assert wrong.status == 422 and "Choose a .csv or .xlsx file." in await wrong.text()
    async with browser.post(url, data=_upload(csrf, b"Name,Org\nA,B\n", "list.csv")) as no_email:
        assert no_email.status == 422 and "The file has no email column." in await no_email.text()

    async with browser.post(url, data=_upload(csrf, ("\ufeff" + LIST).encode(), "list.csv")) as checked:
        html = await checked.text()
    assert checked.status == 200
    assert '<th scope="row">Email</th><td>E-mail</td>' in html and "<td>Nom</td>" in html
    assert "Rows: 5. Ready to import: 3." in html
    assert (
        "Line 3: check Email." in html
        and "Line 5" not in html.split("Rows with problems")[1].split("</ul>")[0]
    )
    # An unknown country keeps the contact (the email is worth keeping), without a country.
    assert "Imported without a country, as it was not recognised (lines): 5" in html
    assert "Repeated within the file (lines): 4" in html
    assert "Amal Hassan" not in html  # values are never echoed back
    async with console_world.services.db.session() as session:
        assert list(await session.scalars(select(Contact))) == []  # the check stores nothing

    draft = _field(html, "draft")
    async with browser.post(f"{url}/import", data={"csrf": csrf, "draft": draft, "source": " "}) as unnamed:
        assert unnamed.status == 422 and "Say where the list comes from." in await unnamed.text()
    async with browser.post(
        f"{url}/import", data={"csrf": csrf, "draft": draft, "source": "ECA network, May"}
    ) as done:
        text = await done.text()
    assert "Imported: 3. Already in the contacts: 0. Already using Liaison: 0." in text
    assert "Not imported: 1 bad rows, 1 repeated within the file." in text
    async with browser.post(f"{url}/import", data={"csrf": csrf, "draft": draft, "source": "again"}) as again:
        assert again.status == 409
    async with console_world.services.db.session() as session:
        stored = list(await session.scalars(select(Contact)))
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "contacts.import"))
    assert len(stored) == 3 and {c.country for c in stored} == {"KE", None}
    assert entry is not None and entry.actor == f"staff:{member_id}"


async def test_import_and_invite_to_an_event_as_the_cli_does(console_world: ConsoleWorld) -> None:
    from storage.models import OutboxMessage
    from storage.repositories import calendar

    event, _persons = await console_world.event_with_registrations(0, code="INV26")
    member, member_id = await console_world.staff()
    browser = await console_world.signed_in(member)
    url = f"{console_world.base_url}/web/contacts"
    async with browser.get(url) as page:
        csrf = _field(await page.text(), "csrf")
    async with browser.post(url, data=_upload(csrf, LIST.encode(), "list.csv")) as checked:
        html = await checked.text()
    assert '<option value="INV26">INV26: Nairobi consultation</option>' in html
    draft = _field(html, "draft")
    async with browser.post(
        f"{url}/import", data={"csrf": csrf, "draft": draft, "source": "ECA network", "invite": "NOPE1"}
    ) as unknown:
        text = await unknown.text()
    assert unknown.status == 422 and "No event has that code" in text
    assert "Rows: 5. Ready to import: 3." in text and f'name="draft" value="{draft}"' in text  # check kept
    async with console_world.services.db.session() as session:
        assert list(await session.scalars(select(Contact))) == []  # refused before any row is stored
        username = await calendar.setting(session, calendar.BOT_USERNAME)
    assert username == "liaison_sandbox_bot"  # recorded by the running bot at start-up
    async with console_world.services.db.session() as session:
        await calendar.set_setting(session, calendar.BOT_USERNAME, "")  # as before the bot's first start
    async with browser.post(
        f"{url}/import", data={"csrf": csrf, "draft": draft, "source": "ECA network", "invite": "INV26"}
    ) as blind:
        assert blind.status == 422 and "username is not known yet" in await blind.text()
    async with console_world.services.db.session() as session:
        await calendar.set_setting(session, calendar.BOT_USERNAME, username)

    async with browser.post(
        f"{url}/import", data={"csrf": csrf, "draft": draft, "source": "ECA network", "invite": "INV26"}
    ) as done:
        text = await done.text()
    assert done.status == 200 and "Imported: 3." in text
    assert "3 invitations to INV26 queued, by email in each contact&#39;s language." in text
    async with console_world.services.db.session() as session:
        stored = list(await session.scalars(select(Contact)))
        outbox = list(await session.scalars(select(OutboxMessage)))
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "contacts.import"))
    assert {c.invited_event for c in stored} == {"INV26"}
    assert len(outbox) == 3 and {m.channel for m in outbox} == {"email"}
    assert all("https://t.me/liaison_sandbox_bot?start=ev_INV26" in (m.body or "") for m in outbox)
    assert entry is not None and entry.actor == f"staff:{member_id}"
    assert event.code == "INV26"
