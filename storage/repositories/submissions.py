"""Written submissions (R7): stored sealed with their document, for the task team's minimal assessment."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Person, Submission, SubmissionDocument, SubmissionStatus
from storage.repositories.registrations import next_reference


@dataclass(frozen=True)
class Document:
    filename: str
    file_type: str  # "pdf", "docx" or "odt", as the bytes showed
    content: bytes


async def create(
    session: AsyncSession,
    *,
    person: Person,
    title: str,
    body: str | None,
    document: Document | None,
    language: str,
    publish_consent: bool,
    disclaimer_version: str,
    now: datetime,
) -> Submission:
    if (body is None) == (document is None):
        raise ValueError("a submission is a text or a document, one of the two")
    submission = Submission(
        id=uuid.uuid4(),
        reference=await next_reference(session, "S", now),
        person_id=person.id,
        title=title,
        body=body,
        language=language,
        publish_consent=publish_consent,
        disclaimer_version=disclaimer_version,
        status=SubmissionStatus.RECEIVED.value,
        has_document=document is not None,
        created_at=now,
    )
    session.add(submission)
    await session.flush()
    if document is not None:
        session.add(
            SubmissionDocument(
                id=uuid.uuid4(),
                submission_id=submission.id,
                filename=document.filename,
                file_type=document.file_type,
                size=len(document.content),
                content_b64=base64.b64encode(document.content).decode("ascii"),
                created_at=now,
            )
        )
        await session.flush()
    return submission


async def document_of(session: AsyncSession, submission_id: uuid.UUID) -> Document | None:
    row = await session.scalar(
        select(SubmissionDocument).where(SubmissionDocument.submission_id == submission_id)
    )
    if row is None:
        return None
    return Document(row.filename, row.file_type, base64.b64decode(row.content_b64))


async def for_person(session: AsyncSession, person_id: uuid.UUID) -> list[Submission]:
    return list(
        await session.scalars(
            select(Submission).where(Submission.person_id == person_id).order_by(Submission.created_at)
        )
    )


async def received(session: AsyncSession) -> list[Submission]:
    """What waits for the task team's assessment, oldest first."""
    return list(
        await session.scalars(
            select(Submission)
            .where(Submission.status == SubmissionStatus.RECEIVED.value)
            .order_by(Submission.created_at)
        )
    )


async def export_for_person(session: AsyncSession, person_id: uuid.UUID) -> list[dict[str, Any]]:
    """The person's submissions for /mydata: what they wrote; of a document, its name, type and size."""
    found: list[dict[str, Any]] = []
    for submission in await for_person(session, person_id):
        document = await session.scalar(
            select(SubmissionDocument).where(SubmissionDocument.submission_id == submission.id)
        )
        found.append(
            {
                "reference": submission.reference,
                "title": submission.title,
                "text": submission.body,
                "document": None
                if document is None
                else {"filename": document.filename, "type": document.file_type, "bytes": document.size},
                "language": submission.language,
                "publish_consent": submission.publish_consent,
                "disclaimer_version": submission.disclaimer_version,
                "status": submission.status,
                "created_at": submission.created_at.isoformat(),
            }
        )
    return found
