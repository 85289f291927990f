"""Triage of report cases: risk, assignment, acknowledgement, escalation, outcome. Every change is audited.

Nothing here reads case content; the content stays with `storage.repositories.reports`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CaseOutcome, CaseStatus, CaseTriage, ReportCase, Risk
from storage.repositories import audit
from storage.repositories import reports as cases
from storage.repositories.audit import staff_actor


@dataclass(frozen=True)
class TriageView:
    risk: Risk | None
    assigned_to: uuid.UUID | None
    acknowledged_at: datetime | None
    escalated_at: datetime | None
    outcome: CaseOutcome | None


EMPTY = TriageView(None, None, None, None, None)


def _view(row: CaseTriage | None) -> TriageView:
    if row is None:
        return EMPTY
    return TriageView(
        Risk(row.risk) if row.risk else None,
        row.assigned_to,
        row.acknowledged_at,
        row.escalated_at,
        CaseOutcome(row.outcome) if row.outcome else None,
    )


async def _row(session: AsyncSession, case_id: uuid.UUID, now: datetime) -> CaseTriage:
    if await session.get(ReportCase, case_id) is None:
        raise cases.CaseNotFoundError("no such case")
    row = await session.get(CaseTriage, case_id)
    if row is None:
        row = CaseTriage(case_id=case_id, updated_at=now)
        session.add(row)
    return row


async def view(session: AsyncSession, case_id: uuid.UUID) -> TriageView:
    return _view(await session.get(CaseTriage, case_id))


async def views(session: AsyncSession, case_ids: list[uuid.UUID]) -> dict[uuid.UUID, TriageView]:
    if not case_ids:
        return {}
    rows = await session.scalars(select(CaseTriage).where(CaseTriage.case_id.in_(case_ids)))
    return {row.case_id: _view(row) for row in rows}


async def acknowledge(session: AsyncSession, case_id: uuid.UUID, actor: uuid.UUID, *, now: datetime) -> bool:
    """Acknowledge a new case (stops its escalation clock); False when it was acknowledged already."""
    case = await session.get(ReportCase, case_id)
    if case is None:
        raise cases.CaseNotFoundError("no such case")
    row = await _row(session, case_id, now)
    if row.acknowledged_at is not None:
        return False
    row.acknowledged_at = row.updated_at = now
    if case.status == CaseStatus.NEW.value:
        await cases.set_status(session, case_id, CaseStatus.ACKNOWLEDGED, now=now, actor=staff_actor(actor))
    else:
        await audit.staff_action(
            session, actor, "report.acknowledge", subject_type="report_case", subject_id=case_id, now=now
        )
    return True


async def set_risk(
    session: AsyncSession, case_id: uuid.UUID, risk: Risk, actor: uuid.UUID, *, now: datetime
) -> None:
    row = await _row(session, case_id, now)
    row.risk, row.updated_at = risk.value, now
    await audit.staff_action(
        session, actor, f"report.risk.{risk.value}", subject_type="report_case", subject_id=case_id, now=now
    )


async def assign(
    session: AsyncSession, case_id: uuid.UUID, staff_member_id: uuid.UUID, actor: uuid.UUID, *, now: datetime
) -> None:
    row = await _row(session, case_id, now)
    row.assigned_to, row.updated_at = staff_member_id, now
    await audit.staff_action(
        session, actor, "report.assign", subject_type="report_case", subject_id=case_id, now=now
    )
    await audit.append(
        session, at=now, actor=staff_actor(actor), action="report.assigned_to",
        subject_type="staff_member", subject_id=str(staff_member_id),
    )  # fmt: skip


async def close(
    session: AsyncSession, case_id: uuid.UUID, outcome: CaseOutcome, actor: uuid.UUID, *, now: datetime
) -> None:
    """Close with an outcome. Closing counts as an acknowledgement."""
    row = await _row(session, case_id, now)
    row.outcome, row.updated_at = outcome.value, now
    if row.acknowledged_at is None:
        row.acknowledged_at = now
    await cases.set_status(session, case_id, CaseStatus.CLOSED, now=now, actor=staff_actor(actor))
    await audit.staff_action(
        session,
        actor,
        f"report.outcome.{outcome.value}",
        subject_type="report_case",
        subject_id=case_id,
        now=now,
    )


async def awaiting_reporter(
    session: AsyncSession, case_id: uuid.UUID, actor: uuid.UUID, *, now: datetime
) -> None:
    """After a request for more information: the case waits for the reporter (when the state allows it)."""
    case = await session.get(ReportCase, case_id)
    if case is None:
        raise cases.CaseNotFoundError("no such case")
    current = CaseStatus(case.status)
    if current is CaseStatus.NEW:
        await acknowledge(session, case_id, actor, now=now)
        current = CaseStatus.ACKNOWLEDGED
    if cases.can_move(current, CaseStatus.AWAITING_REPORTER):
        await cases.set_status(
            session, case_id, CaseStatus.AWAITING_REPORTER, now=now, actor=staff_actor(actor)
        )


@dataclass(frozen=True)
class ClockRow:
    case_id: uuid.UUID
    reference: str
    urgent: bool
    status: CaseStatus
    created_at: datetime
    acknowledged_at: datetime | None
    escalated_at: datetime | None


async def unacknowledged(session: AsyncSession) -> list[ClockRow]:
    """Cases still new (not acknowledged), with their escalation marks. No content."""
    rows = await session.execute(
        select(ReportCase, CaseTriage)
        .outerjoin(CaseTriage, CaseTriage.case_id == ReportCase.id)
        .where(ReportCase.status == CaseStatus.NEW.value)
        .order_by(ReportCase.created_at)
    )
    return [
        ClockRow(
            case.id,
            case.reference,
            case.urgent,
            CaseStatus(case.status),
            case.created_at,
            row.acknowledged_at if row else None,
            row.escalated_at if row else None,
        )
        for case, row in rows.all()
    ]


async def mark_escalated(session: AsyncSession, case_id: uuid.UUID, *, now: datetime) -> None:
    row = await _row(session, case_id, now)
    row.escalated_at = row.updated_at = now
    await audit.append(
        session,
        at=now,
        actor="system",
        action="report.escalate",
        subject_type="report_case",
        subject_id=str(case_id),
    )
