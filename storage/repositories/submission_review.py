"""The task team's side of written submissions (R7): the queue, publishing, returning, the published set.

Reading a submission for review and every decision is audited (ids only). A returned
submission's author is told the reason by `bot.application.submissions`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Submission, SubmissionStatus
from storage.repositories import audit, submissions


class NotReviewable(ValueError):
    """The submission was decided already, or may not be published."""


async def queue_size(session: AsyncSession) -> int:
    count = await session.scalar(
        select(func.count()).where(Submission.status == SubmissionStatus.RECEIVED.value)
    )
    return int(count or 0)


async def next_received(session: AsyncSession, *, after: datetime | None = None) -> Submission | None:
    query = select(Submission).where(Submission.status == SubmissionStatus.RECEIVED.value)
    if after is not None:
        query = query.where(Submission.created_at > after)
    return await session.scalar(query.order_by(Submission.created_at, Submission.id).limit(1))


async def read(session: AsyncSession, submission: Submission, *, actor: str, now: datetime) -> None:
    await audit.append(
        session,
        at=now,
        actor=actor,
        action="submission.read",
        subject_type="submission",
        subject_id=str(submission.id),
    )


async def publish(
    session: AsyncSession, submission_id: uuid.UUID, *, actor: str, now: datetime
) -> Submission:
    found = await session.get(Submission, submission_id)
    if found is None or found.status != SubmissionStatus.RECEIVED.value:
        raise NotReviewable("this submission was decided already")
    if not found.publish_consent:
        raise NotReviewable("the author did not agree to publication")
    found.status = SubmissionStatus.PUBLISHED.value
    await audit.append(
        session,
        at=now,
        actor=actor,
        action="submission.publish",
        subject_type="submission",
        subject_id=str(found.id),
    )
    return found


async def mark_returned(
    session: AsyncSession, submission_id: uuid.UUID, *, actor: str, now: datetime
) -> Submission:
    """Write that a submission is not suitable (the author's notice is the caller's)."""
    found = await session.get(Submission, submission_id)
    if found is None or found.status != SubmissionStatus.RECEIVED.value:
        raise NotReviewable("this submission was decided already")
    found.status = SubmissionStatus.NOT_SUITABLE.value
    await audit.append(
        session,
        at=now,
        actor=actor,
        action="submission.return",
        subject_type="submission",
        subject_id=str(found.id),
    )
    return found


@dataclass(frozen=True)
class Published:
    reference: str
    title: str
    text: str | None
    language: str
    document_name: str | None
    created_at: datetime
    document: submissions.Document | None = None  # the published file itself, read once here


async def published(session: AsyncSession) -> list[Published]:
    """The published set, oldest first, exactly as the authors wrote it."""
    found = []
    rows = await session.scalars(
        select(Submission)
        .where(Submission.status == SubmissionStatus.PUBLISHED.value)
        .order_by(Submission.created_at)
    )
    for row in rows:
        document = await submissions.document_of(session, row.id) if row.has_document else None
        found.append(
            Published(
                row.reference,
                row.title,
                row.body,
                row.language,
                document.filename if document else None,
                row.created_at,
                document,
            )
        )
    return found
