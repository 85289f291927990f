"""/report, hardened (issue 12, holes 4 and 6; issue 14's Back button): danger first in a threat
report, evidence told by its bytes, photos without their location, captions kept, invisible
answers refused, and ◀ Back that keeps what was typed."""

from __future__ import annotations

import io
import re

from PIL import Image
from sqlalchemy import select

from bot.sandbox.driver import SandboxPerson
from storage.models import ReportCase
from storage.repositories import reports
from tests.evidence_samples import jpeg_with_location
from tests.report_fixtures import PASSPHRASE, ReportWorld, expect, file_report, report_world
from tests.test_staff_console import unlock

__all__ = ["report_world"]

REFUSED = "I cannot take this kind of file."
NOTE = "Gate-Canary-7310"


async def _open_newest(world: ReportWorld, staff_id: object) -> reports.OpenedCase:
    async with world.services.db.session() as session:
        case = (await session.scalars(select(ReportCase).order_by(ReportCase.sequence.desc()))).first()
        assert case is not None
        private = await reports.unlock(session, staff_id, PASSPHRASE)  # type: ignore[arg-type]
        assert private is not None
        return await reports.open_case(session, case.id, staff_id, private, now=case.created_at)  # type: ignore[arg-type]


async def _where(person: SandboxPerson, place: str) -> None:
    """Answer the country step, keeping the typed text when countries are offered."""
    await person.send(place)
    reply = await person.next_reply()
    if "Which of these" in reply.content:
        await person.press("Keep what I typed")
        reply = await person.next_reply()
    assert "Who is affected?" in reply.content


async def _begin(person: SandboxPerson, kind: str) -> None:
    """/report, and the kind chosen."""
    await person.send("/report")
    await expect(person, "What do you want to report?")
    await person.press(kind)


async def _to_evidence(person: SandboxPerson) -> None:
    await _begin(person, "A problem getting information")
    await expect(person, "What happened?")
    await person.send("The agenda came too late")
    await expect(person, "When did it happen?")
    await person.send("in May")
    await expect(person, "In which country")
    await _where(person, "Ruritania")
    await person.send("our network")
    await expect(person, "immediate danger")
    await person.press("No")
    await expect(person, "evidence")


async def test_a_threat_report_asks_about_danger_first(report_world: ReportWorld) -> None:
    await report_world.reader(9101)
    amina = report_world.person("Amina")
    await _begin(amina, "A threat or reprisal")
    assert "Is anyone in immediate danger?" in (await amina.next_reply()).content
    await amina.press("Yes")
    # The guidance comes at once, before any other question.
    assert "contact local emergency services" in (await amina.next_reply()).content
    assert "What happened?" in (await amina.next_reply()).content
    await amina.send("Two men waited outside my office")
    await expect(amina, "When did it happen?")
    await amina.send("yesterday")
    await expect(amina, "In which country")
    await _where(amina, "Ruritania")
    await amina.send("me")
    assert "evidence" in (await amina.next_reply()).content  # not asked about danger twice


async def test_evidence_is_judged_by_its_bytes(report_world: ReportWorld) -> None:
    await report_world.reader(9102)
    omar = report_world.person("Omar")
    await _to_evidence(omar)
    await omar.upload("photo.jpg", b"MZ\x90\x00\x03" + b"\x00" * 64, "image/jpeg")  # a program
    refused = await omar.next_reply()
    assert REFUSED in refused.content and "PDF" in refused.content and "MP4" in refused.content
    await omar.upload("evidence.pdf", b"<!doctype html><script>steal()</script>", "application/pdf")
    assert REFUSED in (await omar.next_reply()).content
    await omar.upload("minutes.pdf", b"%PDF-1.4\n1 0 obj\n%%EOF\n", "application/pdf")
    assert "File received (1 of" in (await omar.next_reply()).content


async def test_a_photo_sent_as_a_file_loses_its_location_and_keeps_its_caption(
    report_world: ReportWorld,
) -> None:
    staff_id = await report_world.reader(9103)
    lin = report_world.person("Lin")
    original = jpeg_with_location(NOTE)
    await file_report(
        lin, kind="A problem taking part", what="The gate was closed to us", anonymous=True,
        document=("IMG_2041.JPG", original), caption="Taken at the north gate",
    )  # fmt: skip
    opened = await _open_newest(report_world, staff_id)
    assert [e.mime_type for e in opened.evidence] == ["image/jpeg"]
    async with report_world.services.db.session() as session:
        private = await reports.unlock(session, staff_id, PASSPHRASE)
        assert private is not None
        file = await reports.evidence_content(
            session, opened.evidence[0].id, staff_id, private, now=opened.created_at
        )
    assert file.caption == "Taken at the north gate" and file.filename == "IMG_2041.jpg"
    assert NOTE.encode() not in file.content
    with Image.open(io.BytesIO(file.content)) as image:
        assert not image.getexif() and image.size == (12, 16)
    raw = report_world.db_path.read_bytes()
    assert b"north gate" not in raw


async def test_every_caption_is_kept_and_shown_whole(report_world: ReportWorld) -> None:
    """A one-character caption and a Premium one longer than a bot may send with a file: both
    kept, sealed with their file, and shown to staff in full (the long one after its file)."""
    liaison = report_world.person("Lia")
    staff_id = await report_world.reader(liaison.id)
    lin = report_world.person("Lin")
    pdf = b"%PDF-1.4\n1 0 obj\n%%EOF\n"
    long = " ".join(f"Minute {n} of the meeting at the gate." for n in range(60))  # over 2,000 characters
    await _to_evidence(lin)
    await lin.upload("gate.pdf", pdf, "application/pdf", caption="门")
    await expect(lin, "File received (1 of")
    await lin.upload("minutes.pdf", pdf, "application/pdf", caption=long)
    await expect(lin, "File received (2 of")
    await lin.press("Done")
    await expect(lin, "How may we contact you?")
    await lin.press("Stay anonymous")
    await expect(lin, "Send it now?")
    await lin.press("Send")
    done = await expect(lin, "Thank you.")
    found = re.search(r"C-\d{4}-\d{4}", done.content)
    assert found is not None

    opened = await _open_newest(report_world, staff_id)
    async with report_world.services.db.session() as session:
        private = await reports.unlock(session, staff_id, PASSPHRASE)
        assert private is not None
        captions = [
            (
                await reports.evidence_content(session, item.id, staff_id, private, now=opened.created_at)
            ).caption
            for item in opened.evidence
        ]
    assert sorted(captions, key=len) == ["门", long]

    await unlock(liaison)
    await liaison.send("/cases")
    await liaison.next_reply()
    await liaison.press(f"Open {found.group(0)}")
    await expect(liaison, "The agenda came too late")
    await liaison.press("File 2: minutes.pdf")
    document = await liaison.next_reply()
    assert document.document is not None and document.caption is None and document.protect_content
    shown = await liaison.next_reply()
    assert shown.text == long and shown.protect_content


async def test_an_answer_of_invisible_characters_is_refused(report_world: ReportWorld) -> None:
    await report_world.reader(9104)
    zoe = report_world.person("Zoe")
    await _begin(zoe, "Other feedback")
    await expect(zoe, "What happened?")
    await zoe.send("\u200f\u200e\u200b\u2066\u2069")
    assert "Please answer in a few words" in (await zoe.next_reply()).content
    await zoe.send("\u3164\u3164\u3164")
    assert "Please answer in a few words" in (await zoe.next_reply()).content
    await zoe.send("The forum had no interpretation")
    await expect(zoe, "When did it happen?")


async def test_back_goes_to_the_previous_step_and_keeps_what_was_typed(report_world: ReportWorld) -> None:
    staff_id = await report_world.reader(9105)
    kofi = report_world.person("Kofi")
    await _begin(kofi, "A problem getting information")
    await expect(kofi, "What happened?")
    await kofi.send("The minutes were never shared")
    await expect(kofi, "When did it happen?")
    await kofi.press("◀ Back")
    back = await expect(kofi, "What happened?")
    assert "The minutes were never shared" not in back.content  # the bot never repeats it
    await kofi.press("Keep my earlier answer")
    await expect(kofi, "When did it happen?")
    await kofi.send("in April")
    await expect(kofi, "In which country")
    await _where(kofi, "Ruritania")
    await kofi.send("our members")
    await expect(kofi, "immediate danger")
    await kofi.press("◀ Back")
    await expect(kofi, "Who is affected?")
    await kofi.send("our members and partners")  # a new answer replaces the old one
    await expect(kofi, "immediate danger")
    await kofi.press("No")
    await expect(kofi, "evidence")
    await kofi.press("Done")
    await expect(kofi, "How may we contact you?")
    await kofi.press("Stay anonymous")
    await expect(kofi, "Send it now?")
    await kofi.press("◀ Back")
    await expect(kofi, "How may we contact you?")
    await kofi.press("Stay anonymous")
    await expect(kofi, "Send it now?")
    await kofi.press("Send")
    done = await expect(kofi, "Thank you.")
    assert re.search(r"C-\d{4}-\d{4}", done.content)
    opened = await _open_newest(report_world, staff_id)
    assert opened.report["what"] == "The minutes were never shared"
    assert opened.report["when"] == "in April" and opened.report["who"] == "our members and partners"


async def test_back_in_a_threat_report_returns_to_the_danger_question(report_world: ReportWorld) -> None:
    await report_world.reader(9106)
    amina = report_world.person("Amina", language_code="ar")
    await amina.send("/report")
    await amina.next_reply()
    await amina.next_reply()
    await amina.press("تهديد")
    danger = await amina.next_reply()
    await amina.press("◀")
    again = await amina.next_reply()  # the kinds again
    assert again.content != danger.content and len(again.inline_keyboard or []) == 4


async def test_back_on_a_lost_draft_answers_the_press_once(report_world: ReportWorld) -> None:
    from bot.handlers.report import DRAFTS_KEY

    await report_world.reader(9107)
    lin = report_world.person("Lin")
    await _begin(lin, "A problem getting information")
    await expect(lin, "What happened?")
    await lin.send("The room was locked")
    await expect(lin, "When did it happen?")
    app = report_world.bot.app
    assert app is not None
    app.bot_data[DRAFTS_KEY].clear()  # as after a restart: the draft is gone
    before = len(report_world.sandbox.calls_to("answerCallbackQuery"))
    await lin.press("◀ Back")
    await expect(lin, "no longer open")
    assert len(report_world.sandbox.calls_to("answerCallbackQuery")) == before + 1
