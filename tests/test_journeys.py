"""Cross-feature journeys as people live them, through the sandbox and the entry points.

Invitation → register → waiting list → withdrawal → promotion, where the freed place skips a
person who erased their data; an observer never takes a seat; the CLI refuses what the chat refuses;
a contact list with French and Arabic country names → email invitations → registration in the chat.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.application import registrations as decisions
from bot.bootstrap import keyring_from, open_services
from bot.cli.main import app
from bot.sandbox.driver import SandboxPerson
from bot.sandbox.server import SandboxServer
from bot.settings import load_settings
from scheduler import invitations
from storage.db import Database
from storage.models import Channel, Contact, Registration
from storage.repositories import calendar, events, people, registrations
from tests.bot_fixtures import RunningBot, bot_with_email
from tests.cli_fixtures import CliResult, fresh_install, run_cli
from tests.smtp_fixtures import SmtpServer
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


def _cli(args: list[str]) -> Awaitable[CliResult]:
    """`liaison ARGS` beside the running bot: the CLI runs its own event loop, as in its own process."""
    return asyncio.to_thread(run_cli, args)


CONTACTS = """Nom;Courriel;Pays;Langue
Awa Diallo;awa@example.org;Sénégal;fr
Mona Saleh;mona@example.org;مصر;ar
"""


async def test_a_contact_list_in_french_and_arabic_is_invited_and_registers(
    sandbox: SandboxServer, smtp_server: SmtpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Staff import a network's list with `liaison contacts import --invite`; the running bot emails
    each contact in their language; Awa follows the link in Telegram and registers."""
    monkeypatch.setenv("LIAISON_OUTBOX_POLL_SECONDS", "0.1")
    monkeypatch.setenv("LIAISON_OUTBOX_HTTP_ENABLED", "false")
    with fresh_install(tmp_path) as data:
        assert (await _cli(["migrate"])).code == 0
        starts = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
        added = await _cli(
            ["events", "add", "--kind", "consultation", "--region", "africa", "--code", "OUT26",
             "--title", "en=Africa consultation", "--title", "fr=Consultation pour l'Afrique",
             "--title", "ar=مشاورة أفريقيا", "--starts", starts, "--time-zone", "Africa/Dakar"]
        )  # fmt: skip
        assert added.code == 0, added.err
        settings = load_settings()
        smtp = (smtp_server.host, smtp_server.port)
        async with bot_with_email(
            sandbox, settings.resolved_database_url, keyring_from(settings, create=False), smtp, data
        ) as running:
            path = tmp_path / "reseau.csv"
            path.write_text(CONTACTS, encoding="utf-8")
            imported = await _cli(
                ["contacts", "import", str(path), "--source", "Réseau Sahel", "--invite", "OUT26",
                 "--bot", "liaison_sandbox_bot", "--yes"],
            )  # fmt: skip
            assert imported.code == 0, imported.err
            assert "imported: 2" in imported.out and "invitations queued: 2" in imported.out
            assert "not recognised" not in imported.out

            mails = {m.recipients[0]: m for m in await smtp_server.sink.wait_for(2, timeout=20)}
            french, arabic = mails["awa@example.org"], mails["mona@example.org"]
            assert french.message["Subject"] == "Invitation : Consultation pour l'Afrique"
            # The title is isolated (FSI … PDI) inside the right-to-left sentence.
            assert arabic.message["Subject"] == "دعوة: \u2068مشاورة أفريقيا\u2069"
            assert "start=ev_OUT26" in arabic.text
            link = re.search(r"start=(ev_\w+)", french.text)
            assert link is not None, french.text

            async with running.services.db.session() as session:
                countries = {c.email: c.country for c in await session.scalars(select(Contact))}
            assert countries == {"awa@example.org": "SN", "mona@example.org": "EG"}

            awa = SandboxPerson(sandbox, sandbox.add_user(first_name="Awa", language_code="fr"))
            await make_person(running.services.db, awa, language="fr", time_zone="Africa/Dakar", country="SN")
            await awa.send(f"/start {link.group(1)}")
            question = await awa.next_reply()
            assert question.content.startswith("Consultation pour l'Afrique"), question.content
            await awa.press("Participer")
            done = await awa.next_reply()
            reference = re.search(r"R-\d{4}-\d{4}", done.content)
            assert reference is not None, done.content
            async with running.services.db.session() as session:
                found = await registrations.by_reference(session, reference.group(0))
                assert found is not None and found.status == "pending"
