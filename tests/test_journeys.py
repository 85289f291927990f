"""Cross-feature journeys as people live them, through the sandbox and the entry points.

Invitation → register → waiting list → withdrawal → promotion, where the freed place skips a
person who erased their data; an observer never takes a seat; the CLI refuses what the chat refuses.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.application import registrations as decisions
from bot.bootstrap import open_services
from bot.cli.main import app
from bot.sandbox.driver import SandboxPerson
from bot.settings import load_settings
from scheduler import invitations
from storage.db import Database
from storage.models import Channel, Registration
from storage.repositories import calendar, events, people, registrations
from tests.bot_fixtures import RunningBot
from tests.test_events import PersonFactory, make_event, make_person

LINK = re.compile(r"start=ev_(\w+)")


async def _follows_updates(db: Database, person_id: object) -> None:
    async with db.session() as session:
        row = await session.get(people.Person, person_id)
        assert row is not None
        await people.record_consent(
            session, row, "updates", granted=True, text_version="v1:en", now=datetime.now(UTC)
        )


async def _register_from_invitation(person: SandboxPerson, take_part: str) -> str:
    invitation = await person.next_reply(timeout=10)
    code = LINK.search(invitation.content)
    assert code is not None, invitation.content
    await person.send(f"/start ev_{code.group(1)}")
    await person.next_reply()
    await person.press(take_part)
    confirmation = await person.next_reply()
    reference = re.search(r"R-\d{4}-\d{4}", confirmation.content)
    assert reference is not None, confirmation.content
    return reference.group(0)


async def _decide(db: Database, running_bot: RunningBot, reference: str, status: str) -> decisions.Decision:
    async with db.session() as session:
        found = await registrations.by_reference(session, reference)
        assert found is not None
        return await decisions.decide(
            session,
            running_bot.services.notices,
            found.id,
            status,
            reason_key="capacity" if status == "waitlisted" else None,
            actor="test",
            now=datetime.now(UTC),
        )


async def test_invitation_register_waitlist_withdraw_promotion_skips_the_erased(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    db = running_bot.services.db
    amina = new_person(first_name="Amina", language_code="en")
    chen = new_person(first_name="Chen", language_code="zh")
    badr = new_person(first_name="Badr", language_code="fr")
    for person, language in ((amina, "en"), (chen, "zh"), (badr, "fr")):
        await _follows_updates(db, await make_person(db, person, language=language))
    event = await make_event(db, code="CAP26", starts_in_days=60, capacity=1)
    async with db.session() as session:
        await calendar.set_setting(session, calendar.BOT_USERNAME, "liaison_bot")
        assert await invitations.publish(session, event, now=datetime.now(UTC)) is not None
    assert await invitations.plan_invitations(running_bot.services) == 3

    first = await _register_from_invitation(amina, "Take part")
    erased_later = await _register_from_invitation(chen, "参加")
    last = await _register_from_invitation(badr, "Participer")

    assert (await _decide(db, running_bot, first, "accepted")).told is not None
    with pytest.raises(decisions.DecisionRefused) as full:
        await _decide(db, running_bot, last, "accepted")
    assert full.value.refusal is decisions.Refusal.FULL
    await _decide(db, running_bot, erased_later, "waitlisted")  # waits longest
    await _decide(db, running_bot, last, "waitlisted")
    await amina.wait_until(
        lambda: any("accepted" in m.content for m in amina.messages()), timeout=10, what="her acceptance"
    )

    # Chen erases everything: the waiting registration stays only as an anonymous count.
    await chen.wait_until(
        lambda: any("候补" in m.content for m in chen.messages()), timeout=10, what="the waiting-list notice"
    )
    await chen.send("/forget")
    await chen.wait_until(lambda: "是的，全部删除" in chen.visible_buttons(), what="the question")
    await chen.press("是的，全部删除")
    await chen.wait_until(
        lambda: any("已删除" in m.content for m in chen.messages()), what="the erasure report"
    )

    # Amina withdraws through /registrations; the place goes to Badr, told in French.
    await amina.send("/registrations")
    await amina.wait_until(lambda: "Withdraw 1" in amina.visible_buttons(), what="her registrations")
    await amina.press("Withdraw 1")
    await amina.wait_until(lambda: "Yes, withdraw it" in amina.visible_buttons(), what="the question")
    await amina.press("Yes, withdraw it")
    await badr.wait_until(
        lambda: any("accept" in m.content.lower() and last in m.content for m in badr.messages()),
        timeout=10,
        what="Badr's promotion",
    )
    async with db.session() as session:
        rows = {r.reference: r for r in await session.scalars(select(Registration))}
    assert rows[first].status == "withdrawn"
    assert rows[last].status == "accepted"
    assert rows[erased_later].status == "waitlisted" and rows[erased_later].person_id is None


async def test_an_observer_never_takes_a_seat(database: Database) -> None:
    now = datetime.now(UTC)
    async with database.session() as session:
        event = await events.create(
            session, code="OBS26", region="africa", kind="review_meeting", titles={"en": "Review"},
            starts_at=now.replace(year=now.year + 1), capacity=1, now=now,
        )  # fmt: skip
        made = []
        for n, kind in enumerate(("observer", "floor", "floor")):
            person = await people.create(session, now=now, language="en")
            await people.add_address(
                session, database.keyring, person, Channel.TELEGRAM, f"77{n}", now=now, verified=True
            )
            done = await registrations.register(
                session, event=event, person=person, kind=kind, slot="attend",
                categories=registrations.Categories(None, None, None, None), now=now,
            )  # fmt: skip
            made.append(done.registration.id)
    from bot.i18n import Translator
    from scheduler.notices import Notices

    notices = Notices(Translator())
    async with database.session() as session:
        for registration_id in made[:2]:  # the observer, then a speaker: both accepted
            await decisions.decide(
                session, notices, registration_id, "accepted", reason_key=None, actor="t", now=now
            )
        assert (await decisions.seats(session, event)).taken == 1
        with pytest.raises(decisions.DecisionRefused):
            await decisions.decide(session, notices, made[2], "accepted", reason_key=None, actor="t", now=now)


async def _one_registration(code: str) -> str:
    services = await open_services(load_settings())
    now = datetime.now(UTC)
    try:
        async with services.db.session() as session:
            event = await events.by_code(session, code)
            assert event is not None
            person = await people.create(session, now=now, language="en")
            await people.add_address(
                session,
                services.keyring,
                person,
                Channel.TELEGRAM,
                str(now.timestamp()),
                now=now,
                verified=True,
            )
            done = await registrations.register(
                session, event=event, person=person, kind="participant", slot="attend",
                categories=registrations.Categories(None, None, None, None), now=now,
            )  # fmt: skip
            return done.registration.reference
    finally:
        await services.db.dispose()


def test_the_cli_refuses_to_accept_beyond_capacity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    monkeypatch.setenv("LIAISON_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    added = runner.invoke(
        app,
        [
            "events", "add", "--kind", "consultation", "--region", "africa", "--title", "en=Small room",
            "--starts", "2099-03-10T14:00", "--time-zone", "Africa/Nairobi", "--code", "ONE99", "--capacity", "1",
        ],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "invitations go out" in added.output and "WARNING" not in added.output
    soon = (datetime.now(UTC) + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    late = runner.invoke(
        app,
        ["events", "add", "--kind", "consultation", "--region", "africa", "--title", "en=Late",
         "--starts", soon, "--code", "LATE99"],
    )  # fmt: skip
    assert late.exit_code == 0 and "WARNING: that is less than six weeks before LATE99" in late.output
    first, second = asyncio.run(_one_registration("ONE99")), asyncio.run(_one_registration("ONE99"))
    accepted = runner.invoke(app, ["events", "review", first, "accepted"])
    assert accepted.exit_code == 0 and "is now accepted; the person is told by telegram" in accepted.output
    refused = runner.invoke(app, ["events", "review", second, "accepted"])
    assert refused.exit_code == 1
    assert refused.output.strip().splitlines() == [
        "liaison: the event is full: put this registration on the waiting list instead"
    ]
