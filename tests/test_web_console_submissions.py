"""Written submissions in the browser console over real HTTP: the task team's queue, an audited
read, publish unedited, return with a reason the author is told in their language."""

from __future__ import annotations

from sqlalchemy import select

from scheduler.clock import system_clock
from storage.models import AuditEntry, StaffRole, Submission, SubmissionStatus
from storage.repositories import people, submissions
from tests.report_fixtures import expect
from tests.web_fixtures import ConsoleWorld, console_world

__all__ = ["console_world"]

TEXT = "Our network documented access to services for migrants in three cities. " * 3


def _csrf(html: str) -> str:
    return html.split('name="csrf" value="', 1)[1].split('"', 1)[0]


async def _submission(world: ConsoleWorld, name: str, *, consent: bool):  # type: ignore[no-untyped-def]
    author = world.person(name, "fr")
    db = world.services.db
    async with db.session() as session:
        person = await people.create(session, now=system_clock(), language="fr")
        await people.add_address(
            session,
            db.keyring,
            person,
            people.Channel.TELEGRAM,
            str(author.id),
            now=system_clock(),
            verified=True,
        )
        item = await submissions.create(
            session, person=person, title=f"Report from {name}", body=TEXT, document=None, language="fr",
            publish_consent=consent, disclaimer_version="v1", now=system_clock(),
        )  # fmt: skip
        return author, item.id


async def test_task_team_reads_publishes_and_returns(console_world: ConsoleWorld) -> None:
    _first, first_id = await _submission(console_world, "Awa", consent=True)
    second, second_id = await _submission(console_world, "Bilal", consent=False)
    member, member_id = await console_world.staff(StaffRole.TASK_TEAM)
    browser = await console_world.signed_in(member)
    base = f"{console_world.base_url}/web/submissions"
    async with browser.get(base) as page:
        html = await page.text()
    assert "2 submissions wait for review." in html and "Report from Awa" not in html  # no titles in the list
    assert "The author did not agree to publication." in html

    async with browser.get(f"{base}/{first_id}") as page:
        html = await page.text()
    assert "Report from Awa" in html and "three cities" in html and "Publish unedited" in html
    async with browser.post(f"{base}/{first_id}/publish", data={"csrf": _csrf(html)}) as done:
        assert "Published." in await done.text()

    async with browser.get(f"{base}/{second_id}") as page:
        html = await page.text()
    assert "Publish unedited" not in html  # no consent, no button
    async with browser.post(f"{base}/{second_id}/publish", data={"csrf": _csrf(html)}) as refused:
        assert "This submission cannot be published." in await refused.text()
    async with browser.post(
        f"{base}/{second_id}/return", data={"csrf": _csrf(html), "reason": "nope"}
    ) as bad:
        assert "Which reason will the author read?" in await bad.text()
    async with browser.post(
        f"{base}/{second_id}/return", data={"csrf": _csrf(html), "reason": "topic"}
    ) as done:
        assert "Returned. The author is told in their language." in await done.text()
    told = await expect(second, "S-")
    assert "Pacte mondial" in told.content or "migrations" in told.content.lower()

    async with console_world.services.db.session() as session:
        statuses = {s.id: s.status for s in await session.scalars(select(Submission))}
        reads = [
            e.actor
            for e in await session.scalars(select(AuditEntry).where(AuditEntry.action == "submission.read"))
        ]
    assert statuses == {first_id: SubmissionStatus.PUBLISHED, second_id: SubmissionStatus.NOT_SUITABLE}
    assert reads and set(reads) == {f"staff:{member_id}"}

    liaison, _ = await console_world.staff(StaffRole.LIAISON, name="Lina")
    other = await console_world.signed_in(liaison)
    async with other.get(base) as page:
        assert page.status == 403


async def test_download_the_published_set_as_the_cli_writes_it(console_world: ConsoleWorld) -> None:
    import io
    import zipfile

    from storage.repositories.submissions import Document

    _awa, text_id = await _submission(console_world, "Awa", consent=True)
    db = console_world.services.db
    async with db.session() as session:
        person = await people.create(session, now=system_clock(), language="ar")
        with_file = await submissions.create(
            session, person=person, title="مساهمة مكتوبة", body=None,
            document=Document("brief.pdf", "pdf", b"%PDF-1.4 the brief"), language="ar",
            publish_consent=True, disclaimer_version="v1", now=system_clock(),
        )  # fmt: skip
        file_id, file_reference = with_file.id, with_file.reference
    _waiting, _still_waiting = await _submission(console_world, "Chen", consent=True)
    member, member_id = await console_world.staff(StaffRole.TASK_TEAM)
    browser = await console_world.signed_in(member)
    base = f"{console_world.base_url}/web/submissions"
    for item_id in (text_id, file_id):
        async with browser.get(f"{base}/{item_id}") as page:
            html = await page.text()
        async with browser.post(f"{base}/{item_id}/publish", data={"csrf": _csrf(html)}) as done:
            assert "Published." in await done.text()
    async with browser.get(base) as page:
        html = await page.text()
    assert "Download the published set" in html

    async with browser.post(f"{base}/export", data={"csrf": "forged"}) as forged:
        assert forged.status == 403 and forged.content_type == "text/html"
    async with browser.post(f"{base}/export", data={"csrf": _csrf(html)}) as download:
        assert download.status == 200 and download.content_type == "application/zip"
        assert 'attachment; filename="submissions-' in download.headers["Content-Disposition"]
        archive = zipfile.ZipFile(io.BytesIO(await download.read()))
    names = set(archive.namelist())
    assert names == {"submissions.html", "submissions.csv", f"files/{file_reference}.pdf"}
    page_text = archive.read("submissions.html").decode("utf-8")
    table = archive.read("submissions.csv")
    assert "Report from Awa" in page_text and "three cities" in page_text and "مساهمة مكتوبة" in page_text
    assert "Report from Chen" not in page_text  # not published: not exported
    assert f'href="files/{file_reference}.pdf"' in page_text
    assert table.startswith(b"\xef\xbb\xbf") and "Report from Awa" in table.decode("utf-8-sig")
    assert archive.read(f"files/{file_reference}.pdf") == b"%PDF-1.4 the brief"
    async with db.session() as session:
        exports = list(
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "submission.export"))
        )
    assert [(e.actor, e.subject_id) for e in exports] == [(f"staff:{member_id}", "2")]
