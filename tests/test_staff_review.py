"""Registration review, submissions queue, statistics and exports of the staff console, through the sandbox."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from bot.application import registrations as decisions
from bot.application.submission_exports import export as export_submissions
from bot.cli.stats import participant_list, write
from bot.domain.assessment import assess, improper_words
from bot.sandbox.driver import SandboxPerson
from scheduler.clock import system_clock
from storage.models import (
    AuditEntry,
    BalanceData,
    ChannelAddress,
    ConsentPurpose,
    Registration,
    StaffRole,
    SubmissionStatus,
)
from storage.repositories import events, people, registrations, staff, submissions
from storage.repositories.registrations import Categories
from tests.report_fixtures import ReportWorld, expect, report_world

__all__ = ["report_world"]


async def _person(
    world: ReportWorld, sandbox_person: SandboxPerson, organisation: str, *, share: bool, name: str
):  # type: ignore[no-untyped-def]
    db = world.services.db
    async with db.session() as session:
        person = await people.create(session, now=system_clock(), language=sandbox_person.user.language_code)
        person.display_name, person.organisation, person.stakeholder_type, person.country = (
            name,
            organisation,
            "civil_society",
            "KE",
        )
        await people.add_address(
            session,
            db.keyring,
            person,
            people.Channel.TELEGRAM,
            str(sandbox_person.id),
            now=system_clock(),
            verified=True,
        )
        await people.record_consent(
            session,
            person,
            ConsentPurpose.SHARE_WITH_NETWORK.value,
            granted=share,
            text_version="t",
            now=system_clock(),
        )
        session.add(
            BalanceData(
                person_id=person.id,
                gender="woman" if share else "man",
                age_group="25-34",
                migrant_led="yes",
                updated_at=system_clock(),
            )
        )
        return person.id


async def _world_with_event(world: ReportWorld) -> tuple[object, list[SandboxPerson]]:
    db = world.services.db
    now = system_clock()
    async with db.session() as session:
        event = await events.create(
            session, region="africa", kind="consultation", titles={"en": "Nairobi consultation", "ru": "Консультация в Найроби"},
            starts_at=now + timedelta(days=50), now=now, code="NBO26", capacity=1,
        )  # fmt: skip
    amal, badr = world.person("Amal"), world.person("Badr", language_code="fr")
    ids = [
        await _person(world, amal, "Coastal Women Network", share=True, name="Amal Hassan"),
        await _person(world, badr, "Sahel Youth", share=False, name="Badr Salem"),
    ]
    async with db.session() as session:
        event = await events.by_code(session, "NBO26")
        assert event is not None
        for person_id in ids:
            person = await session.get(people.Person, person_id)
            assert person is not None
            await registrations.register(
                session, event=event, person=person, kind="participant", slot="attend",
                categories=Categories("civil_society", "KE", "014", "africa"), now=system_clock(),
            )  # fmt: skip
    return event, [amal, badr]


async def test_review_accept_waitlist_capacity_and_promotion_on_withdrawal(report_world: ReportWorld) -> None:
    _event, (amal, badr) = await _world_with_event(report_world)
    reviewer = report_world.person("Rev")
    await report_world.reader(reviewer.id)
    await reviewer.send("/review")
    listing = await reviewer.next_reply()
    assert "Nairobi consultation" in listing.content and "0 of 1 place taken" in listing.content
    await reviewer.press("Nairobi")
    card = await expect(reviewer, "Registration R-")
    assert "Coastal Women Network" in card.content and card.protect_content
    await reviewer.press("Accept")
    assert (await reviewer.callback_answer()).answer_text == "Saved. The person is told in their language."
    second = await expect(reviewer, "Registration R-")
    assert "1 of 1 place taken" in second.content and "Sahel Youth" in second.content
    await reviewer.press("Accept")
    assert "The event is full" in ((await reviewer.callback_answer()).answer_text or "")
    await reviewer.press("Waiting list")
    await expect(reviewer, "Which reason will the person read?")
    await reviewer.press("All places are taken.")
    await expect(reviewer, "Nothing more to review for this event.")

    accepted = await expect(amal, "R-")
    assert "accepted" in accepted.content.lower()
    waitlisted = await expect(badr, "R-")  # in French
    assert "attente" in waitlisted.content.lower()

    async with report_world.services.db.session() as session:
        first = (await session.scalars(select(Registration).order_by(Registration.created_at))).first()
        assert first is not None
        services = report_world.services
        assert await decisions.withdraw(session, services.notices, first, now=system_clock())
    promoted = await expect(badr, "R-")
    assert "accept" in promoted.content.lower()
    async with report_world.services.db.session() as session:
        statuses = [
            r.status for r in await session.scalars(select(Registration).order_by(Registration.created_at))
        ]
        actions = [e.action for e in await session.scalars(select(AuditEntry))]
    assert statuses == ["withdrawn", "accepted"]
    assert (
        actions.count("registration.read") >= 2
        and "registration.accepted" in actions
        and "registration.waitlisted" in actions
    )


async def test_review_tells_staff_which_way_the_person_hears_of_it(report_world: ReportWorld) -> None:
    """Amal's chat is unreachable but her email is verified: she is told by email. Badr has no usable
    address: staff read that nobody was told, not that he was."""
    db = report_world.services.db
    now = system_clock()
    amal, badr = report_world.person("Amal"), report_world.person("Badr", language_code="fr")
    ids = [
        await _person(report_world, amal, "Coastal Women Network", share=True, name="Amal Hassan"),
        await _person(report_world, badr, "Sahel Youth", share=True, name="Badr Salem"),
    ]
    async with db.session() as session:
        event = await events.create(
            session, region="africa", kind="consultation", titles={"en": "Mombasa consultation"},
            starts_at=now + timedelta(days=50), now=now, code="MBA26",
        )  # fmt: skip
        for order, person_id in enumerate(ids):
            person = await session.get(people.Person, person_id)
            assert person is not None
            for address in await session.scalars(
                select(ChannelAddress).where(ChannelAddress.person_id == person_id)
            ):
                await people.mark_unreachable(session, address, now=now, reason="blocked")
            # A second apart: /review shows the older first (at one instant, the order is the ids').
            await registrations.register(
                session, event=event, person=person, kind="participant", slot="attend",
                categories=Categories("civil_society", "KE", "014", "africa"),
                now=now + timedelta(seconds=order),
            )  # fmt: skip
        amal_row = await session.get(people.Person, ids[0])
        assert amal_row is not None
        await people.add_address(
            session, db.keyring, amal_row, people.Channel.EMAIL, "amal@example.org", now=now, verified=True
        )
    reviewer = report_world.person("Rev")
    await report_world.reader(reviewer.id)
    await reviewer.send("/review")
    await reviewer.next_reply()
    await reviewer.press("Mombasa")
    await expect(reviewer, "Coastal Women Network")
    await reviewer.press("Accept")
    assert (await reviewer.callback_answer()).answer_text == (
        "Saved. The chat cannot reach this person, so they are told by email."
    )
    await expect(reviewer, "Sahel Youth")
    await reviewer.press("Accept")
    assert (await reviewer.callback_answer()).answer_text == (
        "Saved. The person cannot be reached now, so nobody was told."
    )
    assert not [m for m in report_world.sandbox.chat(amal.id).bot_messages if "R-" in m.content]


async def test_participant_exports_hold_no_name_without_consent(
    report_world: ReportWorld, tmp_path: Path
) -> None:
    await _world_with_event(report_world)
    rows = await participant_list(report_world.services, "NBO26", statuses=None)
    by_org = {row.organisation: row for row in rows}
    assert set(by_org) == {"Coastal Women Network", None}
    assert by_org["Coastal Women Network"].name == "Amal Hassan"
    assert by_org[None].name is None and by_org[None].stakeholder_type == "civil_society"
    for suffix in ("csv", "xlsx"):
        path = tmp_path / f"participants.{suffix}"
        write(path, rows)
        if suffix == "csv":
            content = path.read_text(encoding="utf-8")
            assert len(list(csv.reader(content.splitlines()))) == 3
        else:
            sheet = load_workbook(path).active
            assert sheet is not None
            content = "\n".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)
        assert "Amal Hassan" in content and "Badr" not in content and "Sahel Youth" not in content


async def test_stats_table_and_chart_in_chat(report_world: ReportWorld) -> None:
    await _world_with_event(report_world)
    staffer = report_world.person("Sta", language_code="ru")
    await report_world.reader(staffer.id)
    await staffer.send("/stats NBO26")
    table = await staffer.next_reply()
    assert "Консультация в Найроби" in table.content and "2" in table.content
    chart = await staffer.next_reply()
    assert chart.photo is not None and chart.protect_content
    await staffer.send("/stats")
    overview = await staffer.next_reply()
    assert "NBO26" not in overview.content and overview.content


def test_minimal_assessment() -> None:
    assert assess("x" * 99).too_short and not assess("x" * 99, has_document=True).too_short
    assert assess("x" * 4001).too_long
    assert improper_words("This is SHIT, frankly.") == ("shit",)
    assert improper_words("Это полная хуйня? нет, это сука") == ("сука",)
    assert improper_words("这是傻逼的做法") == ("傻逼",)
    assert improper_words("Shitake mushrooms and Scunthorpe") == ()


async def test_submissions_queue_publish_return_and_export(report_world: ReportWorld, tmp_path: Path) -> None:
    db = report_world.services.db
    author = report_world.person("Author", language_code="es")
    person_id = await _person(report_world, author, "Red Migrante", share=False, name="Ana")
    text = "<script>alert(1)</script> Our city opened legal aid desks for migrants.\n" + "Detail. " * 20
    async with db.session() as session:
        person = await session.get(people.Person, person_id)
        assert person is not None
        for title, body in (("Legal aid & <desks>", text), ("Bad words", "This shit " + "padding " * 20)):
            await submissions.create(
                session, person=person, title=title, body=body, document=None, language="en",
                publish_consent=True, disclaimer_version="d1", now=system_clock(),
            )  # fmt: skip
    member = report_world.person("Tea")
    async with db.session() as session:
        await staff.add(session, db.keyring, member.id, StaffRole.TASK_TEAM, now=system_clock())
    await member.send("/submissions")
    first = await member.next_reply()
    assert "2 submissions wait for review." in first.content and "Legal aid & <desks>" in first.content
    await member.press("Publish unedited")
    second = await expect(member, "Bad words")
    assert "Possibly improper words: shit" in second.content
    await member.press("Return with a reason")
    await expect(member, "Which reason will the author read?")
    await member.press("It uses improper language.")
    await expect(member, "No submissions wait for review.")
    returned = await expect(author, "S-")
    assert "lenguaje" in returned.content.lower()
    async with db.session() as session:
        states = sorted(s.status for s in await session.scalars(select(submissions.Submission)))
    assert states == sorted([SubmissionStatus.PUBLISHED.value, SubmissionStatus.NOT_SUITABLE.value])

    count, page, table = await export_submissions(report_world.services, tmp_path / "site")
    html_text, csv_text = page.read_text(encoding="utf-8"), table.read_text(encoding="utf-8")
    assert count == 1 and "&lt;script&gt;alert(1)&lt;/script&gt;" in html_text and "<script>" not in html_text
    assert "Legal aid &amp; &lt;desks&gt;" in html_text and "Bad words" not in html_text
    assert "do not necessarily have the endorsement of the United Nations" in html_text
    assert "Ana" not in html_text and "Red Migrante" not in html_text
    assert text.strip() in csv_text.replace("\r\n", "\n") or text in csv_text  # unedited
