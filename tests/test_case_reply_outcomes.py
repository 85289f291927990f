"""Case replies (issue 12, hole 2): an undelivered reply leaves no readable copy in the outbox,
its author learns what happened, and the reply stays in the case."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from scheduler.case_reply_outcomes import tell_outcomes
from scheduler.outbox import Delivery, OutboxState, enqueue
from storage.db import Database
from storage.models import Channel, MessageAuthor, OutboxMessage, ReportMessage
from storage.repositories import outbox as repository
from storage.repositories import people
from tests.report_fixtures import ReportWorld, expect, file_report, report_world
from tests.test_staff_console import unlock

__all__ = ["report_world"]

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "state", [OutboxState.FAILED, OutboxState.DEAD, OutboxState.UNKNOWN, OutboxState.CANCELLED]
)
async def test_every_terminal_state_drops_the_content(database: Database, state: OutboxState) -> None:
    async with database.session() as session:
        person = await people.create(session, now=NOW)
        address = await people.add_address(
            session, database.keyring, person, Channel.TELEGRAM, "4242424242", now=NOW, verified=True
        )
        await enqueue(session, [Delivery("case-reply:x", address.id, "the reply text")], now=NOW)
    async with database.session() as session:
        row = (await session.scalars(select(OutboxMessage))).one()
        assert row.body == "the reply text"
        await repository.record(
            session, [repository.RowUpdate(row.id, address.id, state, attempts=1, error="blocked")], now=NOW
        )
    async with database.session() as session:
        row = (await session.scalars(select(OutboxMessage))).one()
        assert row.state == state.value and row.body is None and row.attachment is None


async def _outbox_row(world: ReportWorld, prefix: str, state: OutboxState) -> OutboxMessage:
    for _ in range(500):
        async with world.services.db.session() as session:
            row = await session.scalar(
                select(OutboxMessage).where(OutboxMessage.idempotency_key.startswith(prefix))
            )
        if row is not None and row.state == state.value:
            return row
        await asyncio.sleep(0.01)
    raise AssertionError(f"no {prefix} row reached {state}")


async def test_a_reply_to_a_reporter_who_blocked_the_bot(report_world: ReportWorld) -> None:
    reporter = report_world.person("Omar")
    liaison = report_world.person("Lia")
    await report_world.reader(liaison.id)
    done = await file_report(
        reporter, kind="A threat or reprisal", what="They took our badges at the door", anonymous=False
    )
    found = re.search(r"C-\d{4}-\d{4}", done[0].content)
    assert found is not None
    reference = found.group(0)
    report_world.sandbox.block(reporter.id)

    await unlock(liaison)
    await liaison.send("/cases")
    await liaison.next_reply()
    await liaison.press(f"Open {reference}")
    await expect(liaison, "badges")
    await liaison.press("Reply to reporter")
    await expect(liaison, "Write your reply")
    await liaison.send("Please call the focal point on Monday.")
    await expect(liaison, "I will tell you whether it was delivered.")

    failed = await _outbox_row(report_world, "case-reply:", OutboxState.FAILED)
    assert failed.last_error == "blocked" and failed.body is None  # nothing readable with the server's keys
    assert await tell_outcomes(report_world.services) == 1
    told = await expect(liaison, "could not be delivered: the reporter blocked the bot")
    assert reference in told.content and told.protect_content
    assert await tell_outcomes(report_world.services) == 0  # told once

    # The reply stays in the case, sealed to the case key, with its outcome beside it.
    async with report_world.services.db.session() as session:
        kept = (
            await session.scalars(
                select(ReportMessage).where(ReportMessage.author == MessageAuthor.STAFF.value)
            )
        ).one()
    assert b"focal point" not in kept.body
    await liaison.send("/cases")
    await liaison.next_reply()
    await liaison.press(f"Open {reference}")
    reopened = await expect(liaison, "Please call the focal point on Monday.")
    assert "could not be delivered: the reporter blocked the bot" in reopened.content


async def test_a_delivered_reply_is_reported_as_delivered(report_world: ReportWorld) -> None:
    reporter = report_world.person("Omar")
    liaison = report_world.person("Lia")
    await report_world.reader(liaison.id)
    done = await file_report(reporter, kind="A problem taking part", what="No visa letter", anonymous=False)
    found = re.search(r"C-\d{4}-\d{4}", done[0].content)
    assert found is not None
    await unlock(liaison)
    await liaison.send("/cases")
    await liaison.next_reply()
    await liaison.press(f"Open {found.group(0)}")
    await expect(liaison, "No visa letter")
    await liaison.press("Reply to reporter")
    await expect(liaison, "Write your reply")
    await liaison.send("We have written to the embassy.")
    await expect(reporter, "We have written to the embassy.")
    sent = await _outbox_row(report_world, "case-reply:", OutboxState.SENT)
    assert sent.body is None
    await tell_outcomes(report_world.services)
    await expect(liaison, "It was delivered to the reporter's chat.")
