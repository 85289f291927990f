"""Selecting from an event's registrations: pool from the database, confirm → accepted/waitlisted + notices."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.cli.select import QuotaChoice, build_problem
from bot.cli.select_event import confirm, load_candidates, pool_of
from bot.i18n import Translator
from bot.selection.leximin import select_leximin
from bot.selection.pool import Quota
from storage.db import Database
from storage.models import AuditEntry, Channel
from storage.models.outbox import OutboxMessage
from storage.models.registrations import Registration
from storage.repositories import events, people, profiles, registrations
from storage.repositories.registrations import Categories


async def make_pool(db: Database, size: int) -> str:
    now = datetime.now(UTC)
    rng = random.Random(5)
    async with db.session() as session:
        event = await events.create(
            session,
            code="SEL26",
            region="africa",
            kind="consultation",
            titles={"en": "Regional consultation", "ar": "مشاورة إقليمية"},
            starts_at=now + timedelta(days=30),
            now=now,
        )
        for number in range(size):
            person = await people.create(
                session, now=now, language=rng.choice(["en", "ar", "fr"]), time_zone="UTC"
            )
            await people.add_address(
                session, db.keyring, person, Channel.TELEGRAM, str(7_000_000 + number), now=now, verified=True
            )
            await profiles.set_balance(session, person.id, "gender", rng.choice(["woman", "man"]), now=now)
            if number % 5:
                await profiles.set_balance(
                    session, person.id, "age_group", rng.choice(["18-29", "30-44"]), now=now
                )
            await registrations.register(
                session,
                event=event,
                person=person,
                kind="participant",
                slot="attend",
                categories=Categories(
                    stakeholder_type=rng.choice(["ngo", "ngo", "ngo", "diaspora", "trade_union"]),
                    country=rng.choice(["KE", "KE", "KE", "NG", "SN"]),
                    subregion=rng.choice(["east", "east", "west"]),
                    region="africa",
                ),
                now=now,
            )
    return "SEL26"


async def test_select_from_registrations_accepts_waitlists_and_tells_everyone(database: Database) -> None:
    code = await make_pool(database, 24)
    async with database.session() as session:
        event, candidates = await load_candidates(session, code, None)
    assert len(candidates) == 24
    assert {c.values["age_group"] for c in candidates} >= {"unknown"}  # unanswered is a group of its own
    # Everyone answered gender: each candidate carries their own answer, none is lost on the way.
    assert {c.values["gender"] for c in candidates} == {"woman", "man"}
    assert {c.values["age_group"] for c in candidates} - {"unknown"} <= {"18-29", "30-44"}
    pool = pool_of(candidates)
    choice = QuotaChoice(overrides=(Quota("country", "KE", 0, 3), Quota("gender", "woman", 3, 3)))
    problem = build_problem(pool, 6, choice)
    selection = select_leximin(problem, seed=2026)
    assert problem.violations(selection.panel) == []

    # Someone withdraws between the preview and the confirmation: left alone.
    async with database.session() as session:
        withdrawn = await registrations.by_reference(session, selection.waitlisted[0])
        assert withdrawn is not None
        await registrations.withdraw(session, withdrawn, now=datetime.now(UTC))

    async with database.session() as session:
        outcome = await confirm(
            session, candidates, selection, now=datetime.now(UTC), translator=Translator(),
            event_id=event.id, algorithm="leximin",
        )  # fmt: skip
    assert outcome == (6, 17, 1, 0)

    async with database.session() as session:
        rows = list(await session.scalars(select(Registration)))
        by_reference = {r.reference: r for r in rows}
        for reference in selection.panel:
            assert by_reference[reference].status == "accepted"
        waitlisted = [r for r in rows if r.status == "waitlisted"]
        assert len(waitlisted) == 17 and all(r.reason_key == "balance" for r in waitlisted)
        assert by_reference[selection.waitlisted[0]].status == "withdrawn"
        drawn = await session.scalar(select(AuditEntry).where(AuditEntry.action == "selection.leximin"))
        assert drawn is not None and drawn.subject_id == f"{event.id} seed={selection.seed}"
        notices = await session.scalar(select(func.count()).select_from(OutboxMessage))
    assert notices == 23

    # Confirming again changes nothing and tells nobody twice.
    async with database.session() as session:
        again = await confirm(
            session, candidates, selection, now=datetime.now(UTC), translator=Translator(),
            event_id=event.id, algorithm="leximin",
        )  # fmt: skip
        assert again == (0, 0, 24, 0)
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 23
