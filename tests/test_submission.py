"""Written submissions (R7) through the sandbox: text or document, bad input at each step, a restart,
refused consent; the document check on its bytes; sealing at rest."""

from __future__ import annotations

import io
import zipfile

from sqlalchemy import select

from bot.domain.documents import MAX_DOCUMENT_BYTES, DocumentType, sniff
from bot.sandbox.driver import SandboxPerson
from storage.models import Submission, SubmissionDocument
from storage.repositories import submissions
from tests.bot_fixtures import RunningBot
from tests.test_events import PersonFactory, make_person, say, tap

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CANARY_TEXT = (
    "Canary findings Vqz: in our district, migrant domestic workers still cannot open bank accounts "
    "without a local guarantor.\n\nWe ask the regional review to look at this."
)


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def odt() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.text",
            compress_type=zipfile.ZIP_STORED,
        )
        # A fixed time, so two calls give the same bytes (writestr with a name stamps the current time).
        archive.writestr(
            zipfile.ZipInfo("content.xml", date_time=(2026, 1, 1, 0, 0, 0)), "<office:document-content/>"
        )
    return buffer.getvalue()


def test_documents_are_judged_by_their_bytes() -> None:
    assert sniff(PDF) is DocumentType.PDF
    assert sniff(docx()) is DocumentType.DOCX
    assert sniff(odt()) is DocumentType.ODT
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as archive:
        archive.writestr("notes.txt", "hello")
    assert sniff(plain_zip.getvalue()) is None
    assert sniff(b"PK\x03\x04 broken archive") is None
    assert sniff(b"MZ\x90\x00 a program") is None
    assert sniff(b"") is None


async def _submissions(running_bot: RunningBot) -> list[Submission]:
    async with running_bot.services.db.session() as session:
        return list(await session.scalars(select(Submission)))


async def _to_content_step(person: SandboxPerson, *, language: str = "English") -> None:
    await say(person, "/submit")
    await say(person, "Access to banking for migrant workers")
    await tap(person, language)
    await tap(person, "Yes, publish it")


async def test_text_submission_in_english_with_bad_input(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    db = running_bot.services.db
    amina = new_person(first_name="Amina", language_code="en")
    assert "/start" in (await say(amina, "/submit")).content  # no profile yet
    await make_person(db, amina)
    ask = await say(amina, "/submit")
    assert "What is its title? Up to 200 characters." in ask.content
    await amina.send_photo()
    assert (await amina.next_reply()).content == "I can only read text here. Please type your answer."
    assert "at least 5" in (await say(amina, "Hi")).content
    assert "at most 200" in (await say(amina, "t" * 201)).content
    language = await say(amina, "Access to banking for migrant workers")
    assert language.content == "In which language is your submission written?"
    assert "Another language" in language.buttons and "العربية" in language.buttons
    assert "buttons above" in (await say(amina, "English please")).content
    consent = await tap(amina, "English")
    assert "unedited" in consent.content and "endorsement of the United Nations" in consent.content
    content = await tap(amina, "Yes, publish it")
    assert "100 to 4000 characters" in content.content and "5 MB" in content.content
    await amina.send_sticker()
    assert (await amina.next_reply()).content == "Please type your text, or send a PDF, DOCX or ODT file."
    assert "at least 100" in (await say(amina, "Too short to be useful.")).content
    assert "control characters" in (await say(amina, CANARY_TEXT + "\u202e")).content
    done = await say(amina, CANARY_TEXT)
    assert done.content.startswith("Thank you. Your submission is received; its reference is S-")
    [row] = await _submissions(running_bot)
    assert row.body == CANARY_TEXT  # kept as typed, line breaks included
    assert (row.title, row.language, row.publish_consent, row.disclaimer_version, row.status) == (
        "Access to banking for migrant workers",
        "en",
        True,
        "d1",
        "received",
    )
    async with db.engine.connect() as connection:
        raw = (await connection.exec_driver_sql("SELECT title, body FROM submissions")).one()
    assert all(b"Canary" not in bytes(value) and b"banking" not in bytes(value) for value in raw)


async def test_document_submission_in_chinese(running_bot: RunningBot, new_person: PersonFactory) -> None:
    db = running_bot.services.db
    li = new_person(first_name="Li", language_code="zh")
    await make_person(
        db, li, language="zh", time_zone="Asia/Shanghai", country="CN", regions=("asia_pacific",)
    )
    await say(li, "/submit")
    await say(li, "移民工人获得银行服务的问题")
    await tap(li, "中文")
    content = await tap(li, "是，发布")
    assert "PDF" in content.content and "5 MB" in content.content
    await li.upload("report.pdf", b"GIF89a not really a pdf", "application/pdf")
    assert "PDF、DOCX 或 ODT" in (await li.next_reply()).content
    await li.upload("huge.pdf", b"%PDF-" + b"0" * MAX_DOCUMENT_BYTES, "application/pdf")
    assert "5 MB" in (await li.next_reply()).content
    await li.upload("报告.odt", odt(), "application/vnd.oasis.opendocument.text")
    done = await li.next_reply()
    assert done.content.startswith("谢谢。您的意见已收到，编号为 S-")
    [row] = await _submissions(running_bot)
    assert row.has_document and row.body is None and row.language == "zh"
    async with db.session() as session:
        document = await submissions.document_of(session, row.id)
        stored = await session.scalar(select(SubmissionDocument))
    assert document is not None and document.content == odt() and document.filename == "报告.odt"
    assert stored is not None and stored.file_type == "odt" and stored.size == len(odt())
    async with db.engine.connect() as connection:
        raw = (
            await connection.exec_driver_sql("SELECT content_b64, filename FROM submission_documents")
        ).one()
    content_b64, filename = tuple(raw)
    assert b"opendocument" not in bytes(content_b64) and "报告".encode() not in bytes(filename)


async def test_restart_at_the_content_step_then_a_docx(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    db = running_bot.services.db
    karim = new_person(first_name="Karim", language_code="ar")
    await make_person(
        db, karim, language="ar", time_zone="Africa/Cairo", country="EG", regions=("arab_states",)
    )
    await say(karim, "/submit")
    await say(karim, "الحصول على الخدمات المصرفية للعمال المهاجرين")
    await tap(karim, "العربية")
    await tap(karim, "نعم، انشرها")
    assert "/cancel" in (await say(karim, "/events")).content  # another command mid-dialog
    await running_bot.restart()
    await karim.upload(
        "report.docx", docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    done = await karim.next_reply()
    assert "S-" in done.content and "شكرًا لك" in done.content
    [row] = await _submissions(running_bot)
    assert row.language == "ar" and row.has_document


async def test_no_consent_keeps_nothing_and_cancel_stops(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    db = running_bot.services.db
    amina = new_person(first_name="Amina", language_code="en")
    await make_person(db, amina)
    await say(amina, "/submit")
    await say(amina, "A title that will not be kept")
    await tap(amina, "Another language")
    refused = await tap(amina, "No, do not publish it")
    assert refused.content.endswith("Nothing was kept.")
    await say(amina, "/submit")
    assert (await say(amina, "/cancel")).content == "Stopped. Nothing was kept."
    assert await _submissions(running_bot) == []
    assert "nothing to cancel" in (await say(amina, "/cancel")).content.lower()


async def test_back_on_every_step_keeps_the_title_and_choices(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    """◀ Back from the text to the consent, to the language, to the title; the title typed first is
    offered to keep, and the submission made at the end carries it and the new language."""
    db = running_bot.services.db
    omar = new_person(first_name="Omar", language_code="ar")
    await make_person(db, omar, language="ar")
    await say(omar, "/submit")
    language = await say(omar, "الوصول إلى الخدمات المصرفية")
    back_label = next(b for b in language.buttons if b.startswith("◀"))
    consent = await tap(omar, "English")
    yes, no = consent.buttons[:2]  # read now: answering takes a message's buttons away
    content = await tap(omar, yes)
    assert back_label in content.buttons
    again = await tap(omar, back_label)  # from the text back to the consent
    assert again.buttons == [yes, no, back_label]
    await tap(omar, back_label)  # back to the language
    title = await tap(omar, back_label)  # back to the title
    keep = next(b for b in title.buttons if "الوصول إلى الخدمات المصرفية" in b)
    await tap(omar, keep)
    await tap(omar, "Français")
    await tap(omar, yes)
    done = await say(omar, CANARY_TEXT)
    assert "S-" in done.content
    [row] = await _submissions(running_bot)
    assert (row.title, row.language) == ("الوصول إلى الخدمات المصرفية", "fr")
