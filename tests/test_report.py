"""/report through the sandbox: every kind, identified and anonymous, evidence, alerts, no trace."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import select

from bot.log_redaction import RedactingFormatter
from storage.crypto.report_keys import (
    ReportCryptoError,
    StaffKeyMaterial,
    open_case_secret,
    unlock_private_key,
)
from storage.models import CaseKey, Person, ReportCase, ReportEvidence, ReportKind, StaffReportKey
from storage.repositories import people, reports
from tests.report_fixtures import PASSPHRASE, ReportWorld, expect, file_report, report_world

__all__ = ["report_world"]

CANARIES = ("Xylophone-Marmoset-4471", "Quetzal-Borealis-0093")
KINDS = [
    ("A threat or reprisal", ReportKind.REPRISAL),
    ("A problem getting information", ReportKind.INFORMATION),
    ("A problem taking part", ReportKind.PARTICIPATION),
    ("Other feedback", ReportKind.OTHER),
]


@pytest.mark.parametrize(("label", "kind"), KINDS)
async def test_each_kind_identified_then_anonymous(
    report_world: ReportWorld, label: str, kind: ReportKind
) -> None:
    staff_id = await report_world.reader(9001)
    identified = report_world.person("Omar")
    done = await file_report(identified, kind=label, what="They closed the meeting to us", anonymous=False)
    reference = re.search(r"C-\d{4}-\d{4}", done[0].content)
    assert reference is not None and "reply in this chat" in done[0].content
    anonymous = report_world.person("Lin")
    done = await file_report(anonymous, kind=label, what="No documents were shared in time", anonymous=True)
    receipt = re.search(r"(\d{4} ){5}\d{4}", done[1].content)
    assert receipt is not None and "shown only this once" in done[1].content

    async with report_world.services.db.session() as session:
        cases = (await session.scalars(select(ReportCase).order_by(ReportCase.sequence))).all()
        assert [(c.kind, c.anonymous) for c in cases] == [(kind.value, False), (kind.value, True)]
        assert cases[0].reference == reference.group(0)
        assert cases[0].person_id is not None and cases[1].person_id is None
        person = await session.get(Person, cases[0].person_id)
        assert person is not None and person.display_name is None  # no name is taken from Telegram
        private = await reports.unlock(session, staff_id, PASSPHRASE)
        assert private is not None
        opened = await reports.open_case(session, cases[1].id, staff_id, private, now=cases[1].created_at)
    assert opened.report["what"] == "No documents were shared in time"
    assert opened.report["where"] == "Ruritania"


async def test_urgent_anonymous_report_leaves_nothing_readable(
    report_world: ReportWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    staff_id = await report_world.reader(9002)
    amina = report_world.person("Amina", username="amina_reports")
    pdf = b"%PDF-1.4\n" + CANARIES[1].encode() + b"\n%%EOF\n"
    done = await file_report(
        amina, kind="A threat or reprisal", what=f"Police visited {CANARIES[0]} after the forum",
        anonymous=True, danger=True, document=("minutes.pdf", pdf),
    )  # fmt: skip
    reference = re.search(r"C-\d{4}-\d{4}", done[0].content)
    assert reference is not None

    # The staff alert: the reference and nothing else, protected.
    alert = await report_world.staff_chat_has(f"New urgent case {reference.group(0)}.")
    assert alert.protect_content
    # Every bot message in the reporter's chat is protected and repeats nothing they wrote.
    bot_messages = [m for m in report_world.sandbox.chat(amina.id).bot_messages]
    assert bot_messages and all(m.protect_content for m in bot_messages)
    # Logs as the production handler writes them (even at DEBUG, where libraries dump updates).
    formatter = RedactingFormatter("%(name)s %(message)s")
    logged = "\n".join(formatter.format(record) for record in caplog.records)
    assert "report case" in logged  # our own line is there, with ids only
    for canary in (*CANARIES, "after the forum", "my colleague", "early March", "Ruritania"):
        assert all(canary not in m.content for m in bot_messages)
        assert canary not in logged

    # The raw database (with its WAL) holds none of the words, the photo bytes or the account.
    await report_world.bot.stop()  # flush the persistence too
    raw = report_world.db_path.read_bytes()
    wal = report_world.db_path.with_name(report_world.db_path.name + "-wal")
    if wal.exists():
        raw += wal.read_bytes()
    for canary in CANARIES:
        assert canary.encode() not in raw
    assert b"amina_reports" not in raw and str(amina.id).encode() not in raw

    async with report_world.services.db.session() as session:
        case = (await session.scalars(select(ReportCase))).one()
        assert case.urgent and case.anonymous and case.person_id is None
        assert str(amina.id).encode() not in b"".join(v for v in vars(case).values() if isinstance(v, bytes))
        # No person row was created for the reporter either (only staff, who are alerted in their chats).
        assert await people.find_by_telegram(session, report_world.services.keyring, amina.id) is None
        evidence = (await session.scalars(select(ReportEvidence))).one()
        assert b"%PDF-1.4" not in evidence.body
        # The database plus the server's keys: the staff key does not open without the passphrase,
        # and no server secret opens a case secret.
        staff_row = (await session.scalars(select(StaffReportKey))).one()
        material = StaffKeyMaterial(
            staff_row.public_key,
            staff_row.encrypted_private,
            staff_row.salt,
            staff_row.opslimit,
            staff_row.memlimit,
        )
        with pytest.raises(ReportCryptoError):
            unlock_private_key(material, "")
        from nacl.public import PrivateKey

        keyring = report_world.services.keyring
        for sealed in (await session.scalars(select(CaseKey.sealed_secret))).all():
            for secret in [reports.pepper_for(keyring), *(key.secret for key in keyring._keys)]:
                with pytest.raises(ReportCryptoError):
                    open_case_secret(sealed, PrivateKey(secret))
        # With the passphrase, everything opens: the test above could have failed.
        private = await reports.unlock(session, staff_id, PASSPHRASE)
        assert private is not None
        opened = await reports.open_case(session, case.id, staff_id, private, now=case.created_at)
        assert CANARIES[0] in str(opened.report["what"]) and opened.report["danger"] is True
        file = await reports.evidence_content(
            session, opened.evidence[0].id, staff_id, private, now=case.created_at
        )
        assert file.content == pdf and file.mime_type == "application/pdf"


async def test_clearing_the_conversation_deletes_both_sides(report_world: ReportWorld) -> None:
    await report_world.reader(9003)
    omar = report_world.person("Omar")
    await file_report(omar, kind="Other feedback", what=f"note {CANARIES[0]}", anonymous=True)
    before = len(report_world.sandbox.calls_to("deleteMessages"))
    await omar.press("Clear this conversation")
    answer = await omar.callback_answer()
    assert answer.answer_text == "Cleared."
    await omar.wait_until(lambda: not omar.messages(), what="an empty chat")
    calls = report_world.sandbox.calls_to("deleteMessages")[before:]
    assert calls and all(call.ok for call in calls)
    deleted = [m for m in report_world.sandbox.chat(omar.id).messages.values() if m.deleted]
    assert any(not m.from_bot for m in deleted) and any(m.from_bot for m in deleted)


async def test_nothing_is_stored_until_confirmed_and_cancel_discards(report_world: ReportWorld) -> None:
    await report_world.reader(9004)
    zoe = report_world.person("Zoe")
    await zoe.send("/report")
    await expect(zoe, "What do you want to report?")
    await zoe.send("hello?")
    await expect(zoe, "Please use the buttons above")
    await zoe.press("Other feedback")
    await expect(zoe, "What happened?")
    await zoe.send("x" * 3001)
    await expect(zoe, "at most 3000 characters")
    await zoe.send_sticker()
    await expect(zoe, "Please answer in a few words")
    await zoe.send(f"Something about {CANARIES[1]}")
    await expect(zoe, "When did it happen?")
    async with report_world.services.db.session() as session:
        assert (await session.scalars(select(ReportCase))).all() == []
    await zoe.send("/cancel")
    await expect(zoe, "Your report was discarded. Nothing was saved.")
    await zoe.send("yesterday")
    reply = await zoe.next_reply()
    assert "When did it happen?" not in reply.content  # the dialog is over


async def test_no_staff_key_means_the_channel_says_it_is_not_ready(report_world: ReportWorld) -> None:
    ana = report_world.person("Ana")
    await ana.send("/report")
    await expect(ana, "not set up yet")


async def test_report_in_arabic(report_world: ReportWorld) -> None:
    await report_world.reader(9005)
    salma = report_world.person("Salma", language_code="ar")
    await salma.send("/report")
    first = await salma.next_reply()
    assert "سري" in first.content
    await expect(salma, "ماذا تريد أن تبلغ")
    await salma.press("ملاحظات أخرى")
    reply = await salma.next_reply()
    assert "ماذا حدث" in reply.content


async def test_panic_clears_the_chat_and_forgets_the_draft(report_world: ReportWorld) -> None:
    await report_world.reader(9006)
    kofi = report_world.person("Kofi")
    await kofi.send("/language")  # something from before the report, also cleared
    await kofi.next_reply()
    await kofi.send("/report")
    await expect(kofi, "What do you want to report?")
    await kofi.press("A problem taking part")
    await expect(kofi, "What happened?")
    await kofi.send(f"They followed {CANARIES[0]}")
    await expect(kofi, "When did it happen?")
    await kofi.send("/panic")
    await kofi.wait_until(lambda: not kofi.messages(), what="an empty chat")
    assert report_world.sandbox.calls_to("deleteMessages")
    assert not any(m.content for m in kofi.messages())
    # The draft is gone: the dialog does not carry on with it.
    await kofi.send("last week")
    reply = await kofi.next_reply()
    assert "no longer open" in reply.content
