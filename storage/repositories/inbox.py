"""Questions to the office, their replies, and FAQ entries: rows in and out, nothing else."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import FaqEntry, Question, QuestionReply, QuestionStatus


async def add_question(
    session: AsyncSession,
    person_id: uuid.UUID,
    body: str,
    *,
    language: str,
    region: str | None,
    now: datetime,
) -> Question:
    question = Question(
        id=uuid.uuid4(),
        person_id=person_id,
        language=language,
        region=region,
        body=body,
        status=QuestionStatus.OPEN.value,
        created_at=now,
    )
    session.add(question)
    await session.flush()
    return question


async def get_question(session: AsyncSession, question_id: uuid.UUID) -> Question | None:
    return await session.get(Question, question_id)


async def add_reply(
    session: AsyncSession, question: Question, body: str, *, staff_id: uuid.UUID | None, now: datetime
) -> QuestionReply:
    reply = QuestionReply(
        id=uuid.uuid4(), question_id=question.id, staff_id=staff_id, body=body, created_at=now
    )
    session.add(reply)
    question.status = QuestionStatus.ANSWERED.value
    question.answered_at = now
    await session.flush()
    return reply


async def replies(
    session: AsyncSession, question_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[QuestionReply]]:
    if not question_ids:
        return {}
    found: dict[uuid.UUID, list[QuestionReply]] = {}
    rows = await session.scalars(
        select(QuestionReply)
        .where(QuestionReply.question_id.in_(list(question_ids)))
        .order_by(QuestionReply.created_at, QuestionReply.id)
    )
    for row in rows:
        found.setdefault(row.question_id, []).append(row)
    return found


async def thread(session: AsyncSession, person_id: uuid.UUID, *, limit: int = 5) -> list[Question]:
    """The person's latest questions, newest first."""
    return list(
        await session.scalars(
            select(Question)
            .where(Question.person_id == person_id)
            .order_by(Question.created_at.desc(), Question.id)
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class InboxFilter:
    region: str | None = None
    language: str | None = None


async def inbox_size(session: AsyncSession, chosen: InboxFilter = InboxFilter()) -> int:
    query = select(func.count()).select_from(Question).where(Question.status == QuestionStatus.OPEN.value)
    query = _filtered(query, chosen)
    return int(await session.scalar(query) or 0)


def _filtered(query: Any, chosen: InboxFilter) -> Any:
    if chosen.region is not None:
        query = query.where(Question.region == chosen.region)
    if chosen.language is not None:
        query = query.where(Question.language == chosen.language)
    return query


async def inbox(
    session: AsyncSession, chosen: InboxFilter = InboxFilter(), *, limit: int = 20
) -> list[Question]:
    """Questions still open or answered lately: unanswered first, then by region, language and age."""
    query = select(Question).where(Question.status != QuestionStatus.CLOSED.value)
    query = _filtered(query, chosen).order_by(
        case((Question.status == QuestionStatus.OPEN.value, 0), else_=1),
        Question.region,
        Question.language,
        Question.created_at,
        Question.id,
    )
    return list(await session.scalars(query.limit(limit)))


async def export_for_person(session: AsyncSession, person_id: uuid.UUID) -> list[dict[str, Any]]:
    questions = list(
        await session.scalars(
            select(Question).where(Question.person_id == person_id).order_by(Question.created_at, Question.id)
        )
    )
    found = await replies(session, [q.id for q in questions])
    return [
        {
            "reference": question.reference,
            "asked_at": question.created_at.isoformat(),
            "language": question.language,
            "region": question.region,
            "question": question.body,
            "status": question.status,
            "replies": [
                {"at": reply.created_at.isoformat(), "text": reply.body}
                for reply in found.get(question.id, [])
            ],
        }
        for question in questions
    ]


async def count_for_person(session: AsyncSession, person_id: uuid.UUID) -> int:
    query = select(func.count()).select_from(Question).where(Question.person_id == person_id)
    return int(await session.scalar(query) or 0)


# --- FAQ ---


async def faq(session: AsyncSession) -> list[FaqEntry]:
    return list(await session.scalars(select(FaqEntry).order_by(FaqEntry.position, FaqEntry.created_at)))


async def faq_entry(session: AsyncSession, entry_id: uuid.UUID) -> FaqEntry | None:
    return await session.get(FaqEntry, entry_id)


async def add_faq_entry(
    session: AsyncSession,
    *,
    questions: dict[str, str],
    answers: dict[str, str],
    now: datetime,
    keywords: dict[str, str] | None = None,
) -> FaqEntry:
    last = await session.scalar(select(func.max(FaqEntry.position)))
    entry_id = uuid.uuid4()
    entry = FaqEntry(
        id=entry_id,
        slug=f"staff-{entry_id.hex[:12]}",
        position=int(last or 0) + 10,
        questions=questions,
        answers=answers,
        keywords=keywords or {},
        created_at=now,
        updated_at=now,
    )
    session.add(entry)
    await session.flush()
    return entry
