"""/followup with the receipt, wrong codes, purged cases, pasted receipts; staff key dialogs."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from bot.sandbox.driver import SandboxPerson
from bot.sandbox.state import SandboxMessage
from scheduler.report_retention import purge_reports
from storage.crypto.report_keys import new_receipt
from storage.models import CaseKey, CaseStatus, ReportCase, ReportMessage, StaffReportKey
from storage.repositories import reports
from tests.report_fixtures import PASSPHRASE, ReportWorld, expect, file_report, report_world

__all__ = ["report_world"]

NOT_FOUND = "This code did not open a case."


async def anonymous_case(world: ReportWorld, person: SandboxPerson) -> tuple[str, str]:
    done = await file_report(person, kind="A problem taking part", what="We were not let in", anonymous=True)
    receipt = re.search(r"(\d{4} ){5}\d{4}", done[1].content)
    reference = re.search(r"C-\d{4}-\d{4}", done[0].content)
    assert receipt is not None and reference is not None
    return receipt.group(0), reference.group(0)


async def test_followup_shows_staff_replies_and_takes_more_information(report_world: ReportWorld) -> None:
    staff_id = await report_world.reader(8001)
    lin = report_world.person("Lin")
    receipt, reference = await anonymous_case(report_world, lin)
    async with report_world.services.db.session() as session:
        case = (await session.scalars(select(ReportCase))).one()
        await reports.add_staff_message(
            session, case.id, staff_id, "Are you safe? Reply here.", now=case.created_at
        )

    await lin.send("/followup")
    await expect(lin, "Send your receipt code")
    code_message = await lin.send(receipt)
    status = await expect(lin, f"Case {reference}")
    assert "received, not yet read" in status.content
    reply = await lin.next_reply()
    assert "Are you safe? Reply here." in reply.content and reply.protect_content
    assert report_world.sandbox.chat(lin.id).messages[code_message.message_id].deleted
    await expect(lin, "What would you like to do?")
    await lin.press("Add information")
    await expect(lin, "Write what you want to add")
    await lin.send("\u200f\u200b\u2066\u2069")  # looks empty: refused like an empty answer
    await expect(lin, "Please answer in a few words")
    await lin.send("They came back on Friday")
    await expect(lin, "We added this to your case")
    await report_world.staff_chat_has(f"New information on case {reference}.")

    async with report_world.services.db.session() as session:
        private = await reports.unlock(session, staff_id, PASSPHRASE)
        assert private is not None
        opened = await reports.open_case(session, case.id, staff_id, private, now=case.created_at)
    assert [e.text for e in opened.entries] == ["Are you safe? Reply here.", "They came back on Friday"]


async def test_code_as_command_argument_works_too(report_world: ReportWorld) -> None:
    await report_world.reader(8002)
    ana = report_world.person("Ana")
    receipt, reference = await anonymous_case(report_world, ana)
    sent = await ana.send(f"/followup {receipt}")
    await expect(ana, f"Case {reference}")
    await expect(ana, "There are no messages from us yet.")
    assert report_world.sandbox.chat(ana.id).messages[sent.message_id].deleted


async def test_wrong_codes_are_limited_per_chat_and_overall(report_world: ReportWorld) -> None:
    await report_world.reader(8003)
    owner = report_world.person("Owner")
    receipt, _ = await anonymous_case(report_world, owner)

    guesser = report_world.person("Guesser")
    await guesser.send("/followup")
    await expect(guesser, "Send your receipt code")
    for _ in range(3):  # the per-chat limit in these tests
        await guesser.send(new_receipt())
        assert NOT_FOUND in (await guesser.next_reply()).content
    await guesser.send(receipt)  # even the right code is refused now
    assert "Too many tries" in (await guesser.next_reply()).content

    other = report_world.person("Other")
    await other.send("/followup")
    await expect(other, "Send your receipt code")
    for _ in range(2):  # five wrong codes in all: the overall limit
        await other.send("1234 5678 9012 3456 7890 1234")
        assert NOT_FOUND in (await other.next_reply()).content
    await owner.send(f"/followup {receipt}")
    assert "Too many tries" in (await expect(owner, "Too many")).content


async def test_a_purged_case_answers_like_a_wrong_code(report_world: ReportWorld) -> None:
    staff_id = await report_world.reader(8004)
    mo = report_world.person("Mo")
    receipt, _ = await anonymous_case(report_world, mo)
    services = report_world.services
    async with services.db.session() as session:
        case = (await session.scalars(select(ReportCase))).one()
        await reports.set_status(
            session, case.id, CaseStatus.CLOSED, now=case.created_at, actor=f"staff:{staff_id}"
        )
        case.closed_at = case.created_at - services.reports.retention - timedelta(minutes=1)
    await mo.send(f"/followup {receipt}")
    await expect(mo, "This case is closed.")
    assert await purge_reports(services) == 1
    async with services.db.session() as session:
        assert (await session.scalars(select(CaseKey))).all() == []
        assert (await session.scalars(select(ReportMessage))).all() == []
    await mo.send(f"/followup {receipt}")
    wrong_for_purged = await expect(mo, NOT_FOUND)
    await mo.send("/cancel")
    await mo.send(f"/followup {new_receipt()}")
    wrong_for_unknown = await expect(mo, NOT_FOUND)
    assert wrong_for_purged.content == wrong_for_unknown.content


async def test_pasted_receipt_is_deleted_but_other_numbers_pass(report_world: ReportWorld) -> None:
    await report_world.reader(8005)
    sara = report_world.person("Sara")
    receipt, _ = await anonymous_case(report_world, sara)
    pasted = await sara.send(f"hi, my code {receipt}")
    warning = await expect(sara, "looked like a receipt code")
    assert warning.protect_content
    assert report_world.sandbox.chat(sara.id).messages[pasted.message_id].deleted
    # A short number in another dialog is not swallowed: the report dialog gets it.
    await sara.send("/report")
    await expect(sara, "What do you want to report?")
    await sara.press("Other feedback")
    await expect(sara, "What happened?")
    await sara.send("Room 1234 was locked")
    await expect(sara, "When did it happen?")


async def test_staff_set_passphrase_unlock_lock_and_grant(report_world: ReportWorld) -> None:
    services = report_world.services
    first = report_world.person("Staffer")
    await report_world.reader(first.id)
    # A second staff member sets up their key through the dialog.
    newcomer = report_world.person("Newcomer")
    from storage.models import StaffRole
    from storage.repositories import staff

    async with services.db.session() as session:
        await staff.add(session, services.keyring, newcomer.id, StaffRole.LIAISON, now=services.clock())
    # A case from before the newcomer's key.
    reporter = report_world.person("Reporter")
    await anonymous_case(report_world, reporter)

    await newcomer.send("/setpassphrase")
    await expect(newcomer, "Send a new passphrase")
    weak = await newcomer.send("short")
    await expect(newcomer, "too weak")
    assert report_world.sandbox.chat(newcomer.id).messages[weak.message_id].deleted
    one = await newcomer.send("river stone morning tea")
    await expect(newcomer, "Send the same passphrase again")
    two = await newcomer.send("river stone morning tea")
    await expect(newcomer, "Your report key is ready")
    chat = report_world.sandbox.chat(newcomer.id)
    assert chat.messages[one.message_id].deleted and chat.messages[two.message_id].deleted
    async with services.db.session() as session:
        newcomer_key = (
            await session.scalars(select(StaffReportKey).order_by(StaffReportKey.created_at))
        ).all()[-1]
        assert await session.scalar(select(CaseKey).where(CaseKey.staff_key_id == newcomer_key.id)) is None

    # The first staff member unlocks (a wrong passphrase first) and grants.
    await first.send("/grantcases")
    await expect(first, "Unlock your key with /unlock first.")
    await first.send("/unlock")
    await expect(first, "Send your passphrase")
    wrong = await first.send("not the passphrase")
    await expect(first, "did not open your key")
    right = await first.send(PASSPHRASE)
    await expect(first, "Unlocked until")
    assert report_world.sandbox.chat(first.id).messages[wrong.message_id].deleted
    assert report_world.sandbox.chat(first.id).messages[right.message_id].deleted
    await first.send("/grantcases")
    await expect(first, "Shared 1 case")
    async with services.db.session() as session:
        assert (
            await session.scalar(select(CaseKey).where(CaseKey.staff_key_id == newcomer_key.id)) is not None
        )
    await first.send("/lock")
    await expect(first, "locked")
    await first.send("/grantcases")
    await expect(first, "Unlock your key with /unlock first.")

    # Someone who is not staff learns nothing about these commands.
    await reporter.send("/unlock")
    assert "I did not understand that." in (await reporter.next_reply()).content


async def _warned_and_deleted(world: ReportWorld, person: SandboxPerson, message_id: int) -> None:
    await expect(person, "looked like a receipt code")
    await person.wait_until(
        lambda: world.sandbox.chat(person.id).messages[message_id].deleted, what="the message deleted"
    )


async def test_a_receipt_is_deleted_in_a_caption_an_edit_and_a_forward(report_world: ReportWorld) -> None:
    """Issue 12, hole 5: wherever the receipt appears, the message goes."""
    await report_world.reader(8006)
    sara = report_world.person("Sara")
    receipt, _ = await anonymous_case(report_world, sara)
    sandbox = report_world.sandbox

    captioned = await sara.upload("note.pdf", b"%PDF-1.4\n", "application/pdf", caption=f"code {receipt}")
    await _warned_and_deleted(report_world, sara, captioned.message_id)

    innocent = await sara.send("hello there")
    await sara.next_reply()
    edited = innocent.to_api()
    edited.update(text=f"hello there {receipt}", edit_date=edited["date"] + 5)
    sandbox.push_update({"edited_message": edited})
    await _warned_and_deleted(report_world, sara, innocent.message_id)

    chat = sandbox.chat(sara.id)
    forwarded = SandboxMessage(
        chat=chat, message_id=chat.next_message_id(), sender=sara.user, date=sandbox.world.clock(),
        via="user", text=f"Your receipt code: {receipt}",
    )  # fmt: skip
    chat.add(forwarded)
    api = forwarded.to_api()
    api["forward_origin"] = {"type": "hidden_user", "sender_user_name": "Me", "date": api["date"] - 60}
    sandbox.push_update({"message": api})
    await _warned_and_deleted(report_world, sara, forwarded.message_id)
