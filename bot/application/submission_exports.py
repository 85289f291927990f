"""The published submissions as a static HTML page, a CSV and
their files (R7).

Published unedited: titles and texts exactly as the authors wrote them, HTML-escaped and
shown with their line breaks, under the disclaimer in the six languages; a submission sent
as a document is written to `DIR/files/<reference>.<type>` and linked from the page. The
CSV is UTF-8 with a byte-order mark, so spreadsheet programs read every script. No author
names or contacts are exported.
"""

from __future__ import annotations

import asyncio
import csv
import html
from pathlib import Path
from typing import TYPE_CHECKING

from bot.i18n import N_
from bot.settings import LANGUAGES
from storage.repositories import audit, submission_review

if TYPE_CHECKING:
    from bot.i18n import Translator
    from bot.services import Services
    from storage.repositories.submission_review import Published
    from storage.repositories.submissions import Document

# Shown to authors before they send, and above every export (R7).
DISCLAIMER = N_(
    "Submissions are posted in their original, unedited form and do not necessarily have the "
    "endorsement of the United Nations."
)
CSV_FIELDS = ("reference", "title", "language", "submitted", "document", "text", "file")
FILES = "files"


def file_path(reference: str, document: Document) -> str:
    """Where a submission's document goes, relative to the export directory."""
    return f"{FILES}/{reference}.{document.file_type}"


def disclaimers(translator: Translator) -> list[tuple[str, str]]:
    return [(code, translator.get(code)._(DISCLAIMER)) for code in LANGUAGES]


def render_html(
    items: list[Published], translator: Translator, documents: dict[str, Document] | None = None
) -> str:
    notes = "\n".join(
        f'<p lang="{code}" dir="{"rtl" if code == "ar" else "ltr"}">{html.escape(text)}</p>'
        for code, text in disclaimers(translator)
    )
    sections = []
    for item in items:
        language = item.language if item.language in LANGUAGES else ""
        direction = ' dir="rtl"' if language == "ar" else ""
        document = (documents or {}).get(item.reference)
        name = html.escape(item.document_name or "")
        link = (
            f'<a href="{html.escape(file_path(item.reference, document))}">{name}</a>' if document else name
        )
        body = (
            f'<div class="text"{direction}>{html.escape(item.text)}</div>'
            if item.text
            else f"<p>Document: {link}</p>"
        )
        sections.append(
            f'<article id="{html.escape(item.reference)}" lang="{language}">\n'
            f"<h2{direction}>{html.escape(item.title)}</h2>\n"
            f'<p class="meta">{html.escape(item.reference)} · {item.created_at.date().isoformat()}</p>\n'
            f"{body}\n</article>"
        )
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Written submissions</title>\n"
        "<style>body{font-family:sans-serif;max-width:46em;margin:auto;padding:1em}"
        ".text{white-space:pre-wrap}.meta{color:#555}.disclaimer{border:1px solid #999;padding:.5em}</style>\n"
        "</head><body>\n<h1>Written submissions</h1>\n"
        f'<section class="disclaimer">\n{notes}\n</section>\n' + "\n".join(sections) + "\n</body></html>\n"
    )


def write_csv(
    path: Path, items: list[Published], translator: Translator, documents: dict[str, Document] | None = None
) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        for code, text in disclaimers(translator):
            writer.writerow([f"# {code}", text])
        writer.writerow(CSV_FIELDS)
        for item in items:
            document = (documents or {}).get(item.reference)
            writer.writerow(
                [item.reference, item.title, item.language, item.created_at.date().isoformat(),
                 item.document_name or "", item.text or "", file_path(item.reference, document) if document else ""]
            )  # fmt: skip


def write_files(
    directory: Path,
    items: list[Published],
    translator: Translator,
    documents: dict[str, Document] | None = None,
) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    for reference, document in (documents or {}).items():
        target = directory / file_path(reference, document)
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(document.content)
    page, table = directory / "submissions.html", directory / "submissions.csv"
    page.write_text(render_html(items, translator, documents), encoding="utf-8")
    write_csv(table, items, translator, documents)
    return page, table


async def export(services: Services, directory: Path, *, actor: str = "cli") -> tuple[int, Path, Path]:
    """Write the published set into `directory`; the export is audited (the web console passes its actor)."""
    async with services.db.session() as session:
        items = await submission_review.published(session)
        documents = {item.reference: item.document for item in items if item.document is not None}
        await audit.append(
            session, at=services.clock(), actor=actor, action="submission.export", subject_type="submissions",
            subject_id=str(len(items)),
        )  # fmt: skip
    page, table = await asyncio.to_thread(write_files, directory, items, services.translator, documents)
    return len(items), page, table
