"""Questions to the office in the browser console over real HTTP: the inbox in its order, narrowed
by language, a question with its actions (assign, reply, a ready answer, FAQ entry, close), each
reaching the person as from the chat; the task team has no inbox."""

from __future__ import annotations

from sqlalchemy import select

from scheduler.clock import system_clock
from storage.models import FaqEntry, Question, QuestionStatus, StaffRole
from storage.repositories import inbox, people
from tests.report_fixtures import expect
from tests.web_fixtures import ConsoleWorld, console_world

__all__ = ["console_world"]


def _csrf(html: str) -> str:
    return html.split('name="csrf" value="', 1)[1].split('"', 1)[0]


async def _question(world: ConsoleWorld, name: str, language: str, body: str, region: str) -> tuple:  # type: ignore[type-arg]
    asker = world.person(name, language)
    db = world.services.db
    async with db.session() as session:
        person = await people.create(session, now=system_clock(), language=language)
        await people.add_address(
            session,
            db.keyring,
            person,
            people.Channel.TELEGRAM,
            str(asker.id),
            now=system_clock(),
            verified=True,
        )
        question = await inbox.add_question(
            session, person.id, body, language=language, region=region, now=system_clock()
        )
        return asker, question.id, question.reference


async def test_liaison_staff_answer_a_question_from_the_browser(console_world: ConsoleWorld) -> None:
    awa, awa_id, awa_ref = await _question(
        console_world, "Awa", "fr", "Comment le réseau choisit-il ses priorités régionales ?", "africa"
    )
    _li, _li_id, li_ref = await _question(console_world, "Li", "zh", "区域审查什么时候举行？", "asia_pacific")
    member, _member_id = await console_world.staff(StaffRole.LIAISON)
    browser = await console_world.signed_in(member)
    base = f"{console_world.base_url}/web/inbox"
    async with browser.get(base) as page:
        html = await page.text()
    assert "2 questions wait for an answer." in html and awa_ref in html and li_ref in html
    assert "Africa" in html and "Français" in html and "nobody" in html
    assert "priorités" not in html  # the list shows no one's words
    async with browser.get(base, params={"language": "zh"}) as page:
        html = await page.text()
    assert li_ref in html and awa_ref not in html and "1 question waits for an answer." in html

    question_page = f"{base}/{awa_id}"
    async with browser.get(question_page) as page:
        html = await page.text()
    assert awa_ref in html and "priorités régionales" in html and "Make the answer an FAQ entry" not in html
    csrf = _csrf(html)
    async with browser.post(f"{question_page}/assign", data={"csrf": csrf}) as done:
        html = await done.text()
    assert "Assigned to you." in html and "Assigned to: you." in html
    async with browser.post(f"{question_page}/reply", data={"csrf": csrf, "text": "  "}) as refused:
        assert "Write something first." in await refused.text()
    answer = "Les priorités sont fixées avec les réseaux nationaux ; voir /faq."
    async with browser.post(f"{question_page}/reply", data={"csrf": csrf, "text": answer}) as done:
        html = await done.text()
    assert (
        "Sent. The person gets the answer in their chat." in html and "Make the answer an FAQ entry" in html
    )
    assert answer in (await expect(awa, awa_ref)).content
    async with browser.post(f"{question_page}/canned", data={"csrf": csrf, "key": "events"}) as done:
        assert "Sent. The person gets the answer in their chat." in await done.text()
    assert "/calendar" in (await expect(awa, "/events")).content  # in French, the language asked in

    async with browser.post(
        f"{question_page}/faq",
        data={"csrf": csrf, "text": "Comment les priorités régionales sont-elles fixées ?"},
    ) as done:
        assert "Added to the FAQ." in await done.text()
    async with browser.post(f"{question_page}/close", data={"csrf": csrf}) as done:
        assert "Closed." in await done.text()
    async with browser.get(base) as page:
        assert awa_ref not in await page.text()  # answered, then closed: off the inbox
    async with console_world.services.db.session() as session:
        closed = await session.get(Question, awa_id)
        added = await session.scalar(select(FaqEntry).where(FaqEntry.slug.like("staff-%")))
    assert closed is not None and closed.status == QuestionStatus.CLOSED
    # The latest answer (the ready one, in French) under the wording staff gave.
    assert added is not None and added.questions == {
        "fr": "Comment les priorités régionales sont-elles fixées ?"
    }
    assert "/calendar" in added.answers["fr"]


async def test_the_task_team_has_no_inbox(console_world: ConsoleWorld) -> None:
    member, _ = await console_world.staff(StaffRole.TASK_TEAM)
    browser = await console_world.signed_in(member)
    async with browser.get(f"{console_world.base_url}/web/inbox") as page:
        assert page.status == 403
