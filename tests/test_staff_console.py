"""The staff console through the sandbox: who may reach it, removal, and case triage end to end."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from bot.handlers.staff import all_buttons, all_commands
from bot.handlers.staff.access import PREFIX, short
from bot.sandbox.driver import SandboxPerson
from scheduler.clock import system_clock
from scheduler.outbox import OutboxState
from storage.models import (
    AuditEntry,
    CaseStatus,
    CaseTriage,
    Channel,
    OutboxMessage,
    ReportCase,
    StaffRole,
)
from storage.repositories import audit, people, reports, staff
from tests.report_fixtures import PASSPHRASE, ReportWorld, expect, file_report, report_world
from tests.waiting import eventually

__all__ = ["report_world"]

REFUSAL = "I did not understand that. Send /help to see what I can do."


async def unlock(person: SandboxPerson) -> None:
    await person.send("/unlock")
    await expect(person, "Send your passphrase")
    await person.send(PASSPHRASE)
    await expect(person, "Unlocked until")


async def test_every_staff_command_and_button_refuses_strangers_and_the_wrong_role(
    report_world: ReportWorld,
) -> None:
    commands, buttons = all_commands(), all_buttons()
    assert {"cases", "review", "submissions", "stats", "staff"} <= {c.name for c in commands}
    assert len(buttons) >= 20  # every module's buttons are in the registry
    stranger = report_world.person("Stranger")
    task_member = report_world.person("Tam")
    async with report_world.services.db.session() as session:
        await staff.add(
            session, report_world.services.keyring, task_member.id, StaffRole.TASK_TEAM, now=system_clock()
        )
    fake = short(uuid.uuid4())
    for person, roles_exclude in ((stranger, None), (task_member, StaffRole.TASK_TEAM)):
        for command in commands:
            if roles_exclude is not None and roles_exclude in command.roles:
                continue
            await person.send(f"/{command.name}")
            reply = await person.next_reply()
            assert reply.content == REFUSAL, (person, command.name)
        anchor = person.last_message()
        for entry in buttons:
            if roles_exclude is not None and roles_exclude in entry.roles:
                continue
            report_world.sandbox.push_callback(
                person.user, anchor.message_id, f"{PREFIX}{entry.prefix}:{fake}:{fake}"
            )
        if roles_exclude is None:  # a button no module declares: the check runs before the lookup
            report_world.sandbox.push_callback(person.user, anchor.message_id, f"{PREFIX}nothing:here:{fake}")
        await person.wait_until(
            lambda who=person.user: all(  # type: ignore[misc]
                r.answered for r in report_world.sandbox.world.callbacks.values() if r.user is who
            ),
            what="every press answered",
        )
        presses = [r for r in report_world.sandbox.world.callbacks.values() if r.user is person.user]
        assert presses and all(r.answer_text == REFUSAL for r in presses)
        assert await person.replies_until_quiet() == []  # nothing else was sent
    # The task team member does reach their own command.
    await task_member.send("/submissions")
    assert (await task_member.next_reply()).content == "No submissions wait for review."


async def test_removal_takes_effect_at_once(report_world: ReportWorld) -> None:
    liaison = report_world.person("Lia")
    await report_world.reader(liaison.id)
    await liaison.send("/cases")
    assert (await liaison.next_reply()).content == "There are no open cases."
    await liaison.send("/staff")
    listing = await liaison.next_reply()
    assert "/cases" in listing.content and "/submissions" not in listing.content
    async with report_world.services.db.session() as session:
        assert await staff.remove(session, report_world.services.keyring, liaison.id, now=system_clock())
    await liaison.send("/cases")
    assert (await liaison.next_reply()).content == REFUSAL


async def test_no_staff_console_in_a_group(report_world: ReportWorld) -> None:
    liaison = report_world.person("Lia")
    await report_world.reader(liaison.id)
    report_world.sandbox.push_text(liaison.user, "/cases", chat=report_world.staff_chat)
    await liaison.wait_until(
        lambda: any("I did not understand that" in m.content for m in report_world.staff_chat.bot_messages),
        what="the unknown-command answer in the group",
    )
    assert not any("open cases" in m.content for m in report_world.staff_chat.bot_messages)


async def test_triage_end_to_end_with_the_reply_relayed(report_world: ReportWorld) -> None:
    reporter = report_world.person("Omar")
    liaison = report_world.person("Lia")
    liaison_id = await report_world.reader(liaison.id)
    colleague = report_world.person("Col")
    colleague_id = await report_world.reader(colleague.id)
    async with report_world.services.db.session() as session:
        member = await session.get(staff.StaffMember, colleague_id)
        assert member is not None
        member.display_name = "Colette"
    done = await file_report(
        reporter, kind="A threat or reprisal", what="They took our badges at the door", anonymous=False
    )
    reference = re.search(r"C-\d{4}-\d{4}", done[0].content)
    assert reference is not None
    # Both staff members are alerted in their private chats (content-free).
    await expect(liaison, f"New case {reference.group(0)}.", timeout=10)
    await expect(colleague, f"New case {reference.group(0)}.", timeout=10)

    # Locked: no triage.
    await liaison.send("/cases")
    listing = await liaison.next_reply()
    assert reference.group(0) in listing.content and "badges" not in listing.content
    await liaison.press(f"Open {reference.group(0)}")
    assert (await liaison.next_reply()).content == "Unlock your key with /unlock first."

    await unlock(liaison)
    await liaison.send("/cases")
    await liaison.next_reply()
    await liaison.press(f"Open {reference.group(0)}")
    opened = await expect(liaison, "They took our badges at the door")
    assert opened.protect_content and "Identified" in opened.content
    async with report_world.services.db.session() as session:
        case = (await session.scalars(select(ReportCase))).one()
        actions = [(e.action, e.subject_id) for e in await session.scalars(select(AuditEntry))]
    assert ("report.open", str(case.id)) in actions

    await liaison.press("Acknowledge")
    assert (await liaison.callback_answer()).answer_text == "Acknowledged."
    await liaison.press("Set risk")
    await expect(liaison, "Which risk level?")
    await liaison.press("High risk")
    await expect(liaison, "Risk set: High risk.")
    await liaison.send("/cases")
    await liaison.next_reply()
    await liaison.press(f"Open {reference.group(0)}")
    await expect(liaison, "High risk")
    await liaison.press("Assign")
    await expect(liaison, "Assign the case to whom?")
    await liaison.press("Colette")
    await expect(liaison, "Assigned to Colette.")

    await liaison.press("Internal note")  # the newest keyboard is still the case's
    await expect(liaison, "internal note")
    await liaison.send("Call the regional focal point first")
    await expect(liaison, "The note is saved in the case.")

    await liaison.send("/cases")
    await liaison.next_reply()
    await liaison.press(f"Open {reference.group(0)}")
    reopened = await expect(liaison, "Internal note,")
    assert "Call the regional focal point first" in reopened.content
    await liaison.press("Reply to reporter")
    await expect(liaison, "Write your reply")
    await liaison.send("x" * 3001)
    await expect(liaison, "at most 3000 characters")
    await liaison.send("We are looking into it and will write again within two days.")
    await expect(liaison, "I will tell you whether it was delivered.")

    # The outbox workers relay it to the reporter's chat: protected, only what staff wrote.
    relayed_message = await expect(reporter, "We are looking into it and will write again within two days.")
    assert relayed_message.protect_content and reference.group(0) in relayed_message.content
    assert "badges" not in relayed_message.content and "Lia" not in relayed_message.content

    async def relayed_and_recorded() -> list[OutboxMessage] | None:
        """The relayed row, once the worker has committed its outcome (the chat sees it a moment before)."""
        async with report_world.services.db.session() as session:
            address = await people.find_address(
                session, report_world.services.keyring, Channel.TELEGRAM, str(reporter.id)
            )
            assert address is not None
            rows = (
                await session.scalars(select(OutboxMessage).where(OutboxMessage.address_id == address.id))
            ).all()
        relayed = [r for r in rows if r.idempotency_key.startswith("case-reply:")]
        return relayed if relayed and relayed[0].state == OutboxState.SENT.value else None

    relayed = await eventually(relayed_and_recorded)
    assert isinstance(relayed, list) and len(relayed) == 1 and relayed[0].protect_content

    await liaison.press("Close")
    await expect(liaison, "Close the case with which outcome?")
    await liaison.press("Resolved")
    await expect(liaison, "Case closed: Resolved.")
    async with report_world.services.db.session() as session:
        case = (await session.scalars(select(ReportCase))).one()
        triage_row = await session.get(CaseTriage, case.id)
        entries = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        assert await audit.verify(session) == []
    assert case.status == CaseStatus.CLOSED.value
    assert triage_row is not None and triage_row.risk == "high" and triage_row.assigned_to == colleague_id
    assert triage_row.outcome == "resolved" and triage_row.acknowledged_at is not None
    actions = [e.action for e in entries if e.subject_id == str(case.id)]
    for expected in ("report.open", "report.status.acknowledged", "report.risk.high", "report.assign",
                     "report.note", "report.reply", "report.status.closed", "report.outcome.resolved"):  # fmt: skip
        assert expected in actions
    assert all(
        e.actor == f"staff:{liaison_id}"
        for e in entries
        if e.action.startswith("report.") and e.subject_id == str(case.id)
    )
    # Nothing of the content reached the staff group chat.
    assert all(
        "badges" not in m.content and "looking into" not in m.content
        for m in report_world.staff_chat.bot_messages
    )


async def test_anonymous_reply_waits_for_followup(report_world: ReportWorld) -> None:
    reporter = report_world.person("Lin")
    liaison = report_world.person("Lia", language_code="ru")
    liaison_id = await report_world.reader(liaison.id)
    await file_report(reporter, kind="Other feedback", what="Nobody answered our emails", anonymous=True)
    await expect(liaison, "C-", timeout=10)  # the new-case alert, in Russian
    await unlock_in_russian(liaison)
    await liaison.send("/cases")
    listing = await liaison.next_reply()
    assert "открыт" in listing.content.lower()  # staff read the console in their language
    await liaison.press("C-")
    await liaison.next_reply()
    await liaison.press("Ответить")
    await liaison.next_reply()
    await liaison.send("Please tell us which meeting it was.")
    saved = await liaison.next_reply()
    assert "/followup" in saved.content
    async with report_world.services.db.session() as session:
        case = (await session.scalars(select(ReportCase))).one()
        # Nothing is relayed anywhere: the only rows are the content-free new-case alerts.
        keys = (await session.scalars(select(OutboxMessage.idempotency_key))).all()
        assert keys and all(key.startswith(f"case-alert:{case.reference}:new:") for key in keys)
        private = await reports.unlock(session, liaison_id, PASSPHRASE)
        assert private is not None
        opened = await reports.open_case(session, case.id, liaison_id, private, now=system_clock())
    assert any(
        e.text == "Please tell us which meeting it was." and e.author == "staff" for e in opened.entries
    )


async def unlock_in_russian(person: SandboxPerson) -> None:
    await person.send("/unlock")
    await person.next_reply()
    await person.send(PASSPHRASE)
    await person.next_reply()
