"""The audit log: append-only hash chain; an edited, deleted or inserted row fails `liaison audit verify`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, update
from typer.testing import CliRunner

from bot.cli.audit import entries, verify_chain
from bot.cli.main import app
from bot.services import Services
from scheduler.clock import ManualClock
from storage.db import Database
from storage.models import AuditEntry
from storage.repositories import audit
from tests.bot_fixtures import make_services, settings_for_tests

START = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


async def _fill(db: Database, count: int = 4) -> None:
    async with db.session() as session:
        for n in range(count):
            await audit.append(
                session, at=START + timedelta(minutes=n), actor=f"staff:{n}", action="report.open",
                subject_type="report_case", subject_id=f"case-{n}",
            )  # fmt: skip


async def test_an_intact_chain_verifies(database: Database, tmp_path: Path) -> None:
    await _fill(database)
    services = make_services(settings_for_tests(tmp_path), database, ManualClock(START))
    count, problems = await verify_chain(services)
    assert count == 4 and problems == []


@pytest.mark.parametrize(
    "tamper",
    [
        update(AuditEntry).where(AuditEntry.subject_id == "case-2").values(actor="staff:someone-else"),
        update(AuditEntry).where(AuditEntry.subject_id == "case-1").values(at=START - timedelta(days=1)),
        delete(AuditEntry).where(AuditEntry.subject_id == "case-1"),
    ],
    ids=["edited actor", "edited time", "deleted row"],
)
async def test_editing_or_deleting_one_row_breaks_verification(database: Database, tamper: object) -> None:
    await _fill(database)
    async with database.session() as session:
        await session.execute(tamper)  # type: ignore[call-overload]
    async with database.session() as session:
        problems = await audit.verify(session)
    assert problems  # the chain no longer matches: verification fails


async def test_showing_the_log_is_itself_recorded(database: Database, tmp_path: Path) -> None:
    await _fill(database, 3)
    services: Services = make_services(settings_for_tests(tmp_path), database, ManualClock(START))
    shown = await entries(services, limit=2)
    assert [e.subject_id for e in shown] == ["case-1", "case-2"]
    newest = await entries(services, limit=1)
    assert newest[0].action == "audit.read" and newest[0].actor == "cli"
    assert (await verify_chain(services))[1] == []


def test_cli_verify_exits_1_on_a_tampered_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio
    import sqlite3

    from bot.bootstrap import keyring_from

    monkeypatch.setenv("LIAISON_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LIAISON_DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    settings = settings_for_tests(tmp_path)
    db = Database(settings.resolved_database_url, keyring_from(settings))
    asyncio.run(_fill_and_dispose(db))
    good = runner.invoke(app, ["audit", "verify"])
    assert good.exit_code == 0 and "intact: 4 entries" in good.output
    shown = runner.invoke(app, ["audit", "--limit", "10"])
    assert shown.exit_code == 0 and "report.open" in shown.output and "case-3" in shown.output
    with sqlite3.connect(tmp_path / "liaison.db") as raw:
        raw.execute("UPDATE audit_log SET subject_id = 'case-9' WHERE subject_id = 'case-2'")
    bad = runner.invoke(app, ["audit", "verify"])
    assert bad.exit_code == 1 and "it was edited" in bad.output and "BROKEN" in bad.output


async def _fill_and_dispose(db: Database) -> None:
    await _fill(db)
    await db.dispose()
