"""The outbox: state rules and pacing as plain functions; enqueue, claims and leases on both databases."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from scheduler.outbox import (
    Delivery,
    OutboxState,
    Outcome,
    OutcomeKind,
    RetryPolicy,
    enqueue,
    new_row_ids,
    next_transition,
)
from scheduler.rate_limits import ChatPacing, GlobalSchedule
from storage.crypto.keyring import DecryptionError, field_aad
from storage.db import Database
from storage.models import OutboxMessage
from storage.repositories import outbox as repository
from storage.sealed import PlaintextWriteError
from tests.worker_process import add_recipients

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
POLICY = RetryPolicy(base=timedelta(seconds=10), cap=timedelta(seconds=100), max_attempts=3)


# --- rules ---


def transition(kind: OutcomeKind, attempts: int = 0, *, retry_unknown: bool = False, **kw: object) -> object:
    return next_transition(
        Outcome(kind, **kw),  # type: ignore[arg-type]
        attempts=attempts,
        now=NOW,
        policy=POLICY,
        retry_unknown=retry_unknown,
        rng=lambda: 1.0,
    )


def test_sent_and_permanent_outcomes_are_final() -> None:
    assert transition(OutcomeKind.SENT).state is OutboxState.SENT  # type: ignore[attr-defined]
    blocked = transition(OutcomeKind.UNREACHABLE, error="blocked")
    assert (blocked.state, blocked.unreachable) == (OutboxState.FAILED, "blocked")  # type: ignore[attr-defined]
    assert transition(OutcomeKind.PERMANENT, error="bad_request").state is OutboxState.FAILED  # type: ignore[attr-defined]


def test_rate_limit_waits_exactly_and_is_not_a_failure() -> None:
    result = transition(OutcomeKind.RATE_LIMITED, attempts=2, retry_after=7.0)
    assert result.state is OutboxState.QUEUED  # type: ignore[attr-defined]
    assert result.send_after == NOW + timedelta(seconds=7)  # type: ignore[attr-defined]
    assert result.attempts == 2  # type: ignore[attr-defined]


def test_transient_failures_back_off_then_dead_letter() -> None:
    first = transition(OutcomeKind.TRANSIENT, attempts=0)
    second = transition(OutcomeKind.TRANSIENT, attempts=1)
    assert first.send_after == NOW + timedelta(seconds=10)  # type: ignore[attr-defined]
    assert second.send_after == NOW + timedelta(seconds=20)  # type: ignore[attr-defined]
    assert transition(OutcomeKind.TRANSIENT, attempts=2).state is OutboxState.DEAD  # type: ignore[attr-defined]


def test_backoff_has_jitter_within_bounds_and_a_cap() -> None:
    delays = {POLICY.delay(2, rng=lambda r=r: r).total_seconds() for r in (0.0, 0.5, 1.0)}
    assert delays == {10.0, 15.0, 20.0}
    assert POLICY.delay(30, rng=lambda: 1.0) == timedelta(seconds=100)


def test_unknown_outcome_is_counted_and_retried_only_when_asked() -> None:
    kept = transition(OutcomeKind.UNKNOWN)
    assert (kept.state, kept.unknown) == (OutboxState.UNKNOWN, True)  # type: ignore[attr-defined]
    retried = transition(OutcomeKind.UNKNOWN, retry_unknown=True)
    assert (retried.state, retried.unknown) == (OutboxState.QUEUED, True)  # type: ignore[attr-defined]


def test_global_schedule_spaces_slots_and_never_bursts() -> None:
    now = [100.0]
    schedule = GlobalSchedule(25.0, clock=lambda: now[0])
    slots = [schedule.reserve() for _ in range(50)]
    assert slots[0] == 100.0
    assert slots[-1] == pytest.approx(100.0 + 49 / 25)
    now[0] = 200.0  # idle time is not saved up as a burst
    assert schedule.reserve() == 200.0 and schedule.reserve() == pytest.approx(200.04)
    assert GlobalSchedule(None).reserve() == 0.0


def test_chat_pacing_is_per_chat_and_a_pause_touches_only_that_chat() -> None:
    now = [0.0]
    pacing = ChatPacing(clock=lambda: now[0])
    assert [pacing.reserve(1) for _ in range(3)] == [0.0, 1.0, 2.0]
    assert pacing.reserve(2) == 0.0
    assert [pacing.reserve(-100) for _ in range(2)] == [0.0, 3.0]  # groups: 20 a minute
    pacing.pause(2, 30)
    assert pacing.reserve(2) == 30.0
    assert pacing.reserve(3) == 0.0


# --- storage ---


async def test_enqueue_is_batched_idempotent_and_sealed(database: Database) -> None:
    ids = await add_recipients(database, ["1001", "1002", "1003"])
    deliveries = [
        Delivery(
            f"hello:{address}", address, f"Private text {n}", attachment=("a.ics", b"BEGIN", "text/calendar")
        )
        for n, address in enumerate(ids)
    ]
    async with database.session() as session:
        assert await enqueue(session, deliveries, now=NOW) == 3
        assert await enqueue(session, [*deliveries, Delivery("new", ids[0], "More")], now=NOW) == 1
    async with database.session() as session:
        raw = (await session.execute(text("SELECT body, attachment FROM outbox"))).all()
        assert len(raw) == 4
        assert all(
            b"Private" not in bytes(body) and b"BEGIN" not in bytes(attachment or b"")
            for body, attachment in raw
        )
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.idempotency_key))).all()
        assert {row.body for row in rows} == {"Private text 0", "Private text 1", "Private text 2", "More"}
        assert {row.channel for row in rows} == {"telegram"}


async def test_enqueue_keeps_the_first_of_repeated_keys_and_seals_each_field_to_its_row(
    database: Database,
) -> None:
    first, second = await add_recipients(database, ["1101", "1102"])
    deliveries = [
        Delivery("same", first, "First wins", channel="telegram"),
        Delivery("same", second, "Second is dropped"),
        Delivery(
            "mail",
            second,
            "Body",
            subject="Subject",
            html="<p>Body</p>",
            attachment=("a.ics", b"BEGIN", "text/calendar"),
            send_after=NOW + timedelta(hours=2),
            protect_content=True,
        ),
    ]
    async with database.session() as session:
        assert await enqueue(session, deliveries, now=NOW) == 2
    async with database.session() as session:
        rows = {row.idempotency_key: row for row in (await session.scalars(select(OutboxMessage))).all()}
        raw = {
            key: (row_id, body, subject)
            for key, row_id, body, subject in (
                await session.execute(text("SELECT idempotency_key, id, body, subject FROM outbox"))
            ).all()
        }
    assert (rows["same"].body, rows["same"].address_id) == ("First wins", first)
    mail = rows["mail"]
    assert (mail.body, mail.subject, mail.html) == ("Body", "Subject", "<p>Body</p>")
    assert mail.attachment is not None and "a.ics" in mail.attachment
    assert (mail.send_after, mail.created_at, mail.protect_content) == (NOW + timedelta(hours=2), NOW, True)
    assert (mail.state, mail.attempts, mail.unknown_outcomes) == (OutboxState.QUEUED.value, 0, 0)
    assert rows["same"].subject is None and rows["same"].protect_content is False
    # Each ciphertext is bound to its own row and column: swapped between rows or columns, it does not open.
    keyring = database.keyring
    _id, mail_body, mail_subject = raw["mail"]
    with pytest.raises(DecryptionError):
        keyring.open_text(bytes(mail_body), field_aad("outbox", "body", rows["same"].id))
    with pytest.raises(DecryptionError):
        keyring.open_text(bytes(mail_subject), field_aad("outbox", "body", mail.id))


async def test_the_outbox_insert_refuses_unsealed_content(database: Database) -> None:
    (address,) = await add_recipients(database, ["1201"])
    columns: dict[str, list[Any]] = {
        "id": [uuid.uuid4()],
        "idempotency_key": ["plain"],
        "address_id": [address],
        "channel": ["telegram"],
        "state": [OutboxState.QUEUED.value],
        "send_after": [NOW],
        "created_at": [NOW],
        "broadcast_id": [None],
        "template_id": [None],
        "body": ["Private text, not sealed"],
        "subject": [None],
        "html": [None],
        "attachment": [None],
        "protect_content": [False],
        "attempts": [0],
        "unknown_outcomes": [0],
    }
    async with database.session() as session:
        with pytest.raises(PlaintextWriteError):
            await repository.insert_columns(session, columns)
        with pytest.raises(ValueError, match="one value per row"):
            await repository.insert_columns(session, {**columns, "body": [None, None]})
        with pytest.raises(ValueError, match="exactly these columns"):
            await repository.insert_columns(session, {"id": [uuid.uuid4()], "body": [None]})


def test_new_row_ids_are_unique_time_ordered_version_7_uuids() -> None:
    before = int(datetime.now(UTC).timestamp() * 1000)
    ids = new_row_ids(2000)
    after = int(datetime.now(UTC).timestamp() * 1000)
    assert len(set(ids)) == 2000 and ids == sorted(ids)
    assert all(row_id.version == 7 and row_id.variant == uuid.RFC_4122 for row_id in ids)
    assert all(before - 1 <= row_id.int >> 80 <= after + 1 for row_id in ids)
    assert new_row_ids(0) == []


async def test_enqueue_refuses_unknown_addresses_and_naive_times(database: Database) -> None:
    (address,) = await add_recipients(database, ["2001"])
    async with database.session() as session:
        with pytest.raises(ValueError):
            await enqueue(session, [Delivery("x", uuid.uuid4(), "text")], now=NOW)
        with pytest.raises(ValueError):
            await enqueue(session, [Delivery("y", address, "text", send_after=datetime(2026, 1, 1))], now=NOW)


async def test_claims_respect_send_after_and_leases(database: Database) -> None:
    ids = await add_recipients(database, ["3001", "3002"])
    async with database.session() as session:
        await enqueue(
            session,
            [
                Delivery("now", ids[0], "a"),
                Delivery("later", ids[1], "b", send_after=NOW + timedelta(hours=1)),
            ],
            now=NOW,
        )
    lease = timedelta(seconds=60)
    async with database.session() as session:
        first = await repository.claim(
            session, channel="telegram", worker="a", now=NOW, lease=lease, limit=10
        )
    assert [row.address_id for row in first] == [ids[0]]
    async with database.session() as session:
        again = await repository.claim(
            session, channel="telegram", worker="b", now=NOW, lease=lease, limit=10
        )
        assert again == []
        # The worker died: after its lease another takes the row; the later row is due by then too.
        expired = await repository.claim(
            session, channel="telegram", worker="b", now=NOW + timedelta(hours=2), lease=lease, limit=10
        )
    assert {row.address_id for row in expired} == set(ids)


async def test_concurrent_claims_never_share_a_row(database: Database) -> None:
    ids = await add_recipients(database, [str(4000 + n) for n in range(20)])
    async with database.session() as session:
        await enqueue(session, [Delivery(f"m{n}", address, "x") for n, address in enumerate(ids)], now=NOW)
        await enqueue(session, [Delivery(f"n{n}", address, "y") for n, address in enumerate(ids)], now=NOW)

    async def claim(worker: str) -> list[uuid.UUID]:
        taken: list[uuid.UUID] = []
        for _ in range(10):
            async with database.session() as session:
                rows = await repository.claim(
                    session, channel="telegram", worker=worker, now=NOW, lease=timedelta(minutes=5), limit=3
                )
            taken += [row.id for row in rows]
        return taken

    results = await asyncio.gather(*(claim(f"w{n}") for n in range(4)))
    everything = [row for result in results for row in result]
    assert len(everything) == len(set(everything)) == 40


async def test_recording_outcomes_clears_content_and_marks_unreachable(database: Database) -> None:
    ids = await add_recipients(database, ["5001", "5002"])
    async with database.session() as session:
        await enqueue(
            session,
            [
                Delivery("a", ids[0], "one"),
                Delivery("b", ids[1], "two"),
                Delivery("c", ids[1], "three", send_after=NOW + timedelta(hours=1)),
            ],
            now=NOW,
        )
    async with database.session() as session:
        rows = await repository.claim(
            session, channel="telegram", worker="w", now=NOW, lease=timedelta(minutes=1), limit=10
        )
    by_address = {row.address_id: row for row in rows}
    async with database.session() as session:
        await repository.record(
            session,
            [
                repository.RowUpdate(by_address[ids[0]].id, ids[0], OutboxState.SENT, 1),
                repository.RowUpdate(
                    by_address[ids[1]].id,
                    ids[1],
                    OutboxState.FAILED,
                    1,
                    error="blocked",
                    unreachable="blocked",
                ),
            ],
            now=NOW,
        )
    async with database.session() as session:
        states = {
            row.idempotency_key: (row.state, row.body) for row in await session.scalars(select(OutboxMessage))
        }
        counts = await repository.counts_by_state(session)
    assert states["a"] == ("sent", None)
    assert states["c"][0] == "cancelled"  # the address is unreachable: nothing more is sent to it
    assert counts[("telegram", "failed")] == 1
