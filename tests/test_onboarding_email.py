"""The optional email channel: a 6-digit code reaches a real SMTP server on loopback; it expires and
allows five tries."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.sandbox.driver import SandboxPerson
from bot.sandbox.server import SandboxServer
from scheduler.clock import ManualClock
from storage.crypto.blind_index import normalise_email
from storage.crypto.keyring import Keyring
from storage.db import Database
from storage.models import Channel, ChannelAddress, Contact, EmailVerification, InvitationState
from storage.repositories import contacts, people
from tests.bot_fixtures import RunningBot, make_services, settings_for_tests
from tests.smtp_fixtures import SmtpServer
from tests.test_onboarding import say, tap

CODE = re.compile(r"\b(\d{6})\b")


@pytest.fixture
async def clock() -> ManualClock:
    return ManualClock(datetime(2025, 3, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
async def emailing_bot(
    sandbox: SandboxServer,
    sqlite_url: str,
    keyring: Keyring,
    tmp_path: Path,
    smtp_server: SmtpServer,
    clock: ManualClock,
) -> AsyncIterator[RunningBot]:
    """The bot with email on, sending to the loopback SMTP server, on a clock the test moves."""
    settings = settings_for_tests(
        tmp_path,
        database_url=sqlite_url,
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
        smtp_security="none",
    )
    db = Database(sqlite_url, keyring)
    services = make_services(settings, db, clock)
    await db.verify_keys(now=clock())
    running = RunningBot(sandbox, services)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()
        await db.dispose()


async def _to_email_step(person: SandboxPerson) -> None:
    await say(person, "/start")
    await person.press("English")
    await person.next_reply()
    await person.next_reply()
    await tap(person, "Continue")
    for _ in range(3):
        await tap(person, "Yes, I agree")
    await say(person, "Red Migrante")
    await tap(person, "Migrants")
    await say(person, "Peru")
    await person.next_reply()
    await tap(person, "Skip")
    email_question = await tap(person, "Yes, that is right")
    assert "email" in email_question.text


async def test_email_code_arrives_over_smtp_and_confirms(
    emailing_bot: RunningBot, sandbox: SandboxServer, smtp_server: SmtpServer, clock: ManualClock
) -> None:
    person = SandboxPerson(sandbox, sandbox.add_user(first_name="Rosa", language_code="es"))
    await _to_email_step(person)
    await tap(person, "Add an email address")
    assert "email address" in (await say(person, "not-an-email")).text
    sent = await say(person, "Rosa@Example.org")
    assert sent.text.startswith("I sent a 6-digit code to Rosa@Example.org.")
    received = await smtp_server.sink.wait_for(1, timeout=10)
    assert received[0].recipients == ["Rosa@Example.org"]
    assert received[0].message["Subject"] == "Your Liaison confirmation code"
    match = CODE.search(received[0].text)
    assert match is not None
    code = match.group(1)
    wrong = "000000" if code != "000000" else "111111"
    assert (await say(person, "12ab")).text == "Please type the 6 digits of the code."
    assert (await say(person, wrong)).text == "That code is not right. Tries left: 4."
    db = emailing_bot.services.db
    async with db.session() as session:
        pending = (await session.scalars(select(EmailVerification))).one()
        assert code.encode() not in pending.code_hash and len(pending.code_hash) == 32
    gender = await say(person, code)
    assert gender.text == "Your email address is confirmed."
    async with db.session() as session:
        address = await people.find_address(session, db.keyring, Channel.EMAIL, "rosa@example.org")
        assert address is not None and address.verified_at is not None
        assert (await session.scalars(select(EmailVerification))).all() == []


async def test_email_code_expires_and_tries_are_limited(
    emailing_bot: RunningBot, sandbox: SandboxServer, smtp_server: SmtpServer, clock: ManualClock
) -> None:
    person = SandboxPerson(sandbox, sandbox.add_user(first_name="Ali", language_code="en"))
    await _to_email_step(person)
    await tap(person, "Add an email address")
    await say(person, "ali@example.org")
    first = CODE.search((await smtp_server.sink.wait_for(1, timeout=10))[0].text)
    assert first is not None
    clock.advance(timedelta(minutes=16))
    assert "expired" in (await say(person, first.group(1))).text
    await person.press("Send a new code")
    assert (await person.next_reply()).text.startswith("I sent a 6-digit code")
    second = CODE.search((await smtp_server.sink.wait_for(2, timeout=10))[1].text)
    assert second is not None
    wrong = "000000" if second.group(1) != "000000" else "111111"
    for left in (4, 3, 2, 1):
        assert (await say(person, wrong)).text == f"That code is not right. Tries left: {left}."
    assert (await say(person, wrong)).text.startswith("Too many wrong tries.")
    assert (await say(person, second.group(1))).text.startswith("Too many wrong tries.")
    await person.press("Skip email")
    assert "gender" in (await person.next_reply()).text
    async with emailing_bot.services.db.session() as session:
        assert (
            await session.scalars(select(ChannelAddress).where(ChannelAddress.channel == "email"))
        ).all() == []


async def _invite(db: Database, email: str, now: datetime) -> uuid.UUID:
    """A contact from an outreach list, invited by email (a person made for the invitation)."""
    async with db.session() as session:
        contact = await contacts.add(
            session,
            db.keyring,
            email=email,
            normalised_email=normalise_email(email),
            name="Awa Diallo",
            organisation=None,
            country="SN",
            language="fr",
            source="Réseau Sahel",
            now=now,
        )
        await contacts.address_for(session, db.keyring, contact, now=now, language="fr")
        await contacts.mark_invited(session, contact, "OUT26", now=now)
        return contact.id


async def test_an_invited_contact_confirms_the_address_the_invitation_went_to(
    emailing_bot: RunningBot, sandbox: SandboxServer, smtp_server: SmtpServer, clock: ManualClock
) -> None:
    db = emailing_bot.services.db
    contact_id = await _invite(db, "awa@example.org", clock())
    person = SandboxPerson(sandbox, sandbox.add_user(first_name="Awa", language_code="en"))
    await _to_email_step(person)
    await tap(person, "Add an email address")
    # Not "cannot be used here": the address is only the invitation's, and Awa is its contact.
    assert (await say(person, "awa@example.org")).text.startswith("I sent a 6-digit code")
    code = CODE.search((await smtp_server.sink.wait_for(1, timeout=10))[0].text)
    assert code is not None
    assert (await say(person, code.group(1))).text == "Your email address is confirmed."
    async with db.session() as session:
        me = await people.find_by_telegram(session, db.keyring, person.user.id)
        contact = await session.get(Contact, contact_id)
        address = await people.find_address(session, db.keyring, Channel.EMAIL, "awa@example.org")
    assert me is not None and contact is not None and address is not None
    assert address.person_id == me.id and address.verified_at is not None
    assert contact.person_id == me.id and contact.invitation == InvitationState.JOINED


async def test_an_address_someone_uses_cannot_be_taken(
    emailing_bot: RunningBot, sandbox: SandboxServer, smtp_server: SmtpServer, clock: ManualClock
) -> None:
    db = emailing_bot.services.db
    async with db.session() as session:
        other = await people.create(session, now=clock(), language="en")
        await people.add_address(
            session, db.keyring, other, Channel.EMAIL, "used@example.org", now=clock(), verified=True
        )
    person = SandboxPerson(sandbox, sandbox.add_user(first_name="Eve", language_code="en"))
    await _to_email_step(person)
    await tap(person, "Add an email address")
    refused = await say(person, "used@example.org")
    assert refused.text == "This address cannot be used here. Type another one, or go back."
    async with db.session() as session:
        address = await people.find_address(session, db.keyring, Channel.EMAIL, "used@example.org")
    assert address is not None and address.person_id == other.id
