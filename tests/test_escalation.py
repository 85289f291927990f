"""Escalation of unacknowledged cases (R20): the rules as plain functions, and the clock with a ManualClock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.domain.escalation import CaseClock, EscalationRules, escalation_due, overdue
from scheduler.clock import ManualClock
from scheduler.escalation import escalate
from storage.crypto.report_keys import TEST_MEMLIMIT, TEST_OPSLIMIT, KdfLimits
from storage.db import Database
from storage.models import AuditEntry, CaseTriage, OutboxMessage, ReportKind, StaffRole
from storage.repositories import people, reports, staff, triage
from tests.bot_fixtures import make_services, settings_for_tests

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
RULES = EscalationRules()
FAST = KdfLimits(TEST_OPSLIMIT, TEST_MEMLIMIT)


def test_deadlines_are_one_hour_for_urgent_and_72_hours_for_others() -> None:
    urgent = CaseClock(urgent=True, created_at=START, acknowledged=False, escalated_at=None)
    other = CaseClock(urgent=False, created_at=START, acknowledged=False, escalated_at=None)
    assert not escalation_due(urgent, START + timedelta(minutes=59), RULES)
    assert escalation_due(urgent, START + timedelta(hours=1), RULES)
    assert not escalation_due(other, START + timedelta(hours=71, minutes=59), RULES)
    assert escalation_due(other, START + timedelta(hours=72), RULES)
    acknowledged = CaseClock(urgent=True, created_at=START, acknowledged=True, escalated_at=None)
    assert not escalation_due(acknowledged, START + timedelta(days=9), RULES)
    once = CaseClock(
        urgent=True, created_at=START, acknowledged=False, escalated_at=START + timedelta(hours=1)
    )
    assert not escalation_due(once, START + timedelta(days=9), RULES) and overdue(
        once, START + timedelta(days=9), RULES
    )


def test_rules_are_configurable_and_checked() -> None:
    rules = EscalationRules.from_env(
        {"LIAISON_ESCALATION_URGENT_MINUTES": "15", "LIAISON_ESCALATION_OTHER_HOURS": "24"}
    )
    assert rules == EscalationRules(timedelta(minutes=15), timedelta(hours=24))
    assert EscalationRules.from_env({}) == RULES
    with pytest.raises(ValueError, match="LIAISON_ESCALATION_URGENT_MINUTES"):
        EscalationRules.from_env({"LIAISON_ESCALATION_URGENT_MINUTES": "soon"})
    with pytest.raises(ValueError, match="greater than zero"):
        EscalationRules.from_env({"LIAISON_ESCALATION_OTHER_HOURS": "0"})


async def _case(db: Database, *, urgent: bool, now: datetime) -> reports.Submitted:
    async with db.session() as session:
        content = reports.ReportContent(
            kind=ReportKind.REPRISAL, what="Secret-Canary-7781", when="x", where="y", who="z",
            danger=urgent, anonymous=False,
        )  # fmt: skip
        return await reports.submit(session, db.keyring, content, now=now, receipt_limits=FAST)


async def test_the_clock_escalates_once_to_administrators_without_content(
    database: Database, tmp_path: Path
) -> None:
    clock = ManualClock(START)
    services = make_services(settings_for_tests(tmp_path), database, clock)
    async with database.session() as session:
        admin = await staff.add(session, database.keyring, 424242, StaffRole.ADMINISTRATOR, now=START)
        liaison = await staff.add(session, database.keyring, 515151, StaffRole.LIAISON, now=START)
        await reports.create_staff_key(session, liaison.id, "violet harbour lantern 42", FAST, now=START)
    urgent = await _case(database, urgent=True, now=START)
    calm = await _case(database, urgent=False, now=START)
    handled = await _case(database, urgent=True, now=START)
    async with database.session() as session:
        await triage.acknowledge(session, handled.case_id, liaison.id, now=START + timedelta(minutes=30))

    clock.advance(timedelta(minutes=59))
    assert await escalate(services, RULES) == 0
    clock.advance(timedelta(minutes=1))
    assert await escalate(services, RULES) == 1
    assert await escalate(services, RULES) == 0  # once only
    clock.advance(timedelta(hours=71))
    assert await escalate(services, RULES) == 1  # the calm case, at 72 hours

    async with database.session() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at))).all()
        address = await people.find_address(session, database.keyring, people.Channel.TELEGRAM, "424242")
        marks = {row.case_id: row for row in await session.scalars(select(CaseTriage))}
        actions = [e.action for e in await session.scalars(select(AuditEntry))]
    assert address is not None and [r.address_id for r in rows] == [address.id, address.id]
    assert all(r.protect_content for r in rows)
    bodies = [r.body or "" for r in rows]
    assert (
        bodies[0]
        == f"Urgent case {urgent.reference} has waited 1 hour without an acknowledgement. Send /cases."
    )
    assert bodies[1] == f"Case {calm.reference} has waited 72 hours without an acknowledgement. Send /cases."
    assert all("Secret-Canary" not in body for body in bodies)
    assert marks[urgent.case_id].escalated_at == START + timedelta(hours=1)
    assert marks[handled.case_id].escalated_at is None
    assert actions.count("report.escalate") == 2
    assert admin.id != liaison.id
