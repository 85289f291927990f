"""The keyed audit chain and its checkpoints (issue 12, hole 3): edits, insertions, recomputed
chains and a cut tail are each detected; checkpoints reach administrators daily."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, update
from typer.testing import CliRunner

from bot.cli.main import app
from scheduler.audit_checkpoints import send_checkpoints
from scheduler.clock import ManualClock
from storage.db import Database
from storage.models import AuditEntry, OutboxMessage, StaffRole
from storage.repositories import audit, staff
from storage.repositories.audit import Checkpoint, chain_key, entry_digest, legacy_digest
from tests.bot_fixtures import make_services, settings_for_tests
from tests.database_fixtures import make_keyring

START = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
Digest = Callable[[str, datetime, str, str, str, str], str]


async def _fill(db: Database, count: int = 5) -> Checkpoint:
    async with db.session() as session:
        for n in range(count):
            await audit.append(
                session, at=START + timedelta(minutes=n), actor=f"staff:{n}", action="report.open",
                subject_type="report_case", subject_id=f"case-{n}",
            )  # fmt: skip
        return await audit.checkpoint(session)


async def _problems(db: Database, *checkpoints: Checkpoint) -> list[str]:
    async with db.session() as session:
        return [p.reason for p in await audit.verify(session, checkpoints)]


async def _recompute(db: Database, digest: Digest) -> None:
    """What someone with write access does after an edit: rehash every entry from the start."""
    async with db.session() as session:
        rows = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        previous = audit.GENESIS
        for row in rows:
            new_hash = digest(previous, row.at, row.actor, row.action, row.subject_type, row.subject_id)
            await session.execute(
                update(AuditEntry)
                .where(AuditEntry.id == row.id)
                .values(previous_hash=previous, entry_hash=new_hash)
                .execution_options(synchronize_session=False)
            )
            previous = new_hash


async def test_an_intact_chain_agrees_with_its_checkpoint(database: Database) -> None:
    point = await _fill(database)
    assert point.count == 5 and len(point.head) == 64
    assert await _problems(database, point) == []
    await _fill(database, 2)  # the log grows: an older checkpoint still agrees
    assert await _problems(database, point) == []


async def test_an_edit_is_detected(database: Database) -> None:
    await _fill(database)
    async with database.session() as session:
        await session.execute(
            update(AuditEntry).where(AuditEntry.subject_id == "case-2").values(actor="staff:someone-else")
        )
    assert any("it was edited" in reason for reason in await _problems(database))


async def test_an_insertion_is_detected(database: Database) -> None:
    """An entry added by hand, linked and hashed the way the unkeyed chain did it."""
    await _fill(database)
    async with database.session() as session:
        newest = await session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
        assert newest is not None
        at = START + timedelta(hours=1)
        fields = (newest.entry_hash, at, "staff:ghost", "report.open", "report_case", "case-x")
        await session.execute(
            insert(AuditEntry).values(
                at=at, actor="staff:ghost", action="report.open", subject_type="report_case",
                subject_id="case-x", previous_hash=newest.entry_hash, entry_hash=legacy_digest(*fields),
            )
        )  # fmt: skip
    assert any("it was edited" in reason for reason in await _problems(database))


async def test_a_chain_recomputed_without_the_key_is_detected(database: Database) -> None:
    await _fill(database)
    async with database.session() as session:
        await session.execute(update(AuditEntry).where(AuditEntry.subject_id == "case-1").values(actor="cli"))
    await _recompute(database, legacy_digest)
    assert await _problems(database)


async def test_a_chain_recomputed_with_the_key_is_caught_by_a_checkpoint(database: Database) -> None:
    point = await _fill(database)
    async with database.session() as session:
        await session.execute(update(AuditEntry).where(AuditEntry.subject_id == "case-1").values(actor="cli"))
    key = chain_key(database.keyring)  # the attacker holds the server's keys

    def keyed(*fields: object) -> str:
        return entry_digest(key, *fields)  # type: ignore[arg-type]

    await _recompute(database, keyed)
    assert await _problems(database) == []  # consistent in itself: only an outside copy can tell
    assert any("differs from the checkpoint" in reason for reason in await _problems(database, point))


async def test_a_cut_tail_is_caught_by_a_checkpoint(database: Database) -> None:
    point = await _fill(database)
    async with database.session() as session:
        await session.execute(delete(AuditEntry).where(AuditEntry.subject_id.in_(["case-3", "case-4"])))
    assert await _problems(database) == []  # what is left still chains
    reasons = await _problems(database, point)
    assert any("the newest entries were removed" in reason for reason in reasons)


async def test_a_chain_from_another_key_does_not_verify(database_url: str) -> None:
    db = Database(database_url, make_keyring("k1"))
    await _fill(db)
    await db.dispose()
    other = Database(database_url, make_keyring("k1"))  # another installation's index key
    try:
        assert await _problems(other)
    finally:
        await other.dispose()


def test_checkpoint_parsing() -> None:
    point = Checkpoint.parse("12:" + "a" * 64)
    assert point == Checkpoint(12, "a" * 64) and str(point) == "12:" + "a" * 64
    with pytest.raises(ValueError, match="COUNT:HASH"):
        Checkpoint.parse("12:xyz")


def test_cli_checkpoint_then_verify(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.bootstrap import keyring_from

    monkeypatch.setenv("LIAISON_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LIAISON_DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    settings = settings_for_tests(tmp_path)
    db = Database(settings.resolved_database_url, keyring_from(settings))

    async def fill() -> None:
        await _fill(db)
        await db.dispose()

    asyncio.run(fill())
    printed = runner.invoke(app, ["audit", "checkpoint"])
    assert printed.exit_code == 0
    point = printed.output.strip()
    assert point.startswith("5:")
    good = runner.invoke(app, ["audit", "verify", "--checkpoint", point])
    assert good.exit_code == 0 and "agrees with 1 checkpoint" in good.output
    wrong = runner.invoke(app, ["audit", "verify", "--checkpoint", "not-a-checkpoint"])
    assert wrong.exit_code == 2 and "COUNT:HASH" in wrong.output
    with sqlite3.connect(tmp_path / "liaison.db") as raw:
        raw.execute("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)")
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0  # alone, the chain cannot tell
    cut = runner.invoke(app, ["audit", "verify", "--checkpoint", point])
    assert cut.exit_code == 1 and "the newest entries were removed" in cut.output


async def test_administrators_get_the_head_daily(database: Database, tmp_path: Path) -> None:
    clock = ManualClock(START)
    services = make_services(settings_for_tests(tmp_path), database, clock)
    async with database.session() as session:
        await staff.add(session, database.keyring, 5550001, StaffRole.ADMINISTRATOR, now=START)
        await staff.add(session, database.keyring, 5550002, StaffRole.LIAISON, now=START)
    point = await _fill(database)
    assert await send_checkpoints(services) == 1
    await send_checkpoints(services)  # an hour later, the same day: nothing new
    clock.advance(timedelta(days=1))
    await send_checkpoints(services)
    async with database.session() as session:
        rows = list(
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.idempotency_key.startswith("audit-checkpoint:"))
                .order_by(OutboxMessage.created_at)
            )
        )
    assert len(rows) == 2 and all(row.protect_content for row in rows)
    assert rows[0].body is not None and str(point) in rows[0].body
