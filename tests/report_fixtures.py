"""A bot with fast Argon2id costs and a staff chat, plus helpers that play a reporter through /report."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.report_settings import fast_report_settings
from bot.sandbox.driver import SandboxPerson
from bot.sandbox.server import SandboxServer
from bot.sandbox.state import SandboxChat, SandboxMessage
from bot.services import Services
from scheduler.clock import system_clock
from storage.crypto.keyring import Keyring
from storage.crypto.report_keys import TEST_MEMLIMIT, TEST_OPSLIMIT, KdfLimits
from storage.db import Database
from storage.models import StaffRole
from storage.repositories import reports, staff
from tests.bot_fixtures import TRANSLATOR, RunningBot, settings_for_tests

FAST = KdfLimits(TEST_OPSLIMIT, TEST_MEMLIMIT)
PASSPHRASE = "violet harbour lantern 42"


@dataclass
class ReportWorld:
    bot: RunningBot
    sandbox: SandboxServer
    staff_chat: SandboxChat
    db_path: Path

    @property
    def services(self) -> Services:
        return self.bot.services

    def person(self, first_name: str = "Amina", language_code: str = "en", **kwargs: object) -> SandboxPerson:
        user = self.sandbox.add_user(first_name=first_name, language_code=language_code, **kwargs)  # type: ignore[arg-type]
        return SandboxPerson(self.sandbox, user)

    async def staff_chat_has(self, text: str, timeout: float = 10.0) -> SandboxMessage:
        """The staff group's message `text`, waited for (alerts go out through the outbox workers)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            for message in self.staff_chat.bot_messages:
                if message.content == text:
                    return message
            await asyncio.sleep(0.05)
        raise AssertionError(f"the staff group never got {text!r}")

    async def reader(
        self, telegram_id: int, passphrase: str = PASSPHRASE, role: StaffRole = StaffRole.LIAISON
    ) -> uuid.UUID:
        """A staff member with a report key (set up directly, not through the dialog)."""
        db = self.services.db
        async with db.session() as session:
            member = await staff.add(session, db.keyring, telegram_id, role, now=system_clock())
            await reports.create_staff_key(session, member.id, passphrase, FAST, now=system_clock())
            return member.id


@pytest.fixture
async def report_world(
    sandbox: SandboxServer, sqlite_url: str, keyring: Keyring, tmp_path: Path
) -> AsyncIterator[ReportWorld]:
    async with _world(sandbox, sqlite_url, keyring, tmp_path, staff_group=True) as world:
        yield world


@pytest.fixture
async def report_world_without_group(
    sandbox: SandboxServer, sqlite_url: str, keyring: Keyring, tmp_path: Path
) -> AsyncIterator[ReportWorld]:
    """The default configuration: no staff group chat set."""
    async with _world(sandbox, sqlite_url, keyring, tmp_path, staff_group=False) as world:
        yield world


@contextlib.asynccontextmanager
async def _world(
    sandbox: SandboxServer, sqlite_url: str, keyring: Keyring, tmp_path: Path, *, staff_group: bool
) -> AsyncIterator[ReportWorld]:
    staff_chat = sandbox.add_group("Liaison staff")
    group_id = staff_chat.id if staff_group else None
    settings = settings_for_tests(tmp_path, database_url=sqlite_url, staff_chat_id=group_id)
    db = Database(sqlite_url, keyring)
    services = Services(
        settings=settings,
        db=db,
        translator=TRANSLATOR,
        clock=system_clock,
        reports=fast_report_settings(
            wrong_codes_per_chat=3, wrong_codes_global=5, evidence_max_bytes=64 * 1024
        ),
    )
    await db.verify_keys(now=services.clock())
    running = RunningBot(sandbox, services)
    await running.start()
    try:
        yield ReportWorld(running, sandbox, staff_chat, Path(sqlite_url.split(":///", 1)[1]))
    finally:
        await running.stop()
        await db.dispose()


async def expect(person: SandboxPerson, fragment: str, timeout: float = 5.0) -> SandboxMessage:
    """The next bot message containing `fragment` (earlier ones are skipped)."""
    while True:
        message = await person.next_reply(timeout)
        if fragment in message.content:
            return message


async def file_report(
    person: SandboxPerson,
    *,
    kind: str,
    what: str,
    anonymous: bool,
    danger: bool = False,
    where: str = "Ruritania",
    photo: bytes | None = None,
    document: tuple[str, bytes] | None = None,
    caption: str | None = None,
) -> list[SandboxMessage]:
    """Plays the whole English intake dialog; returns the bot's messages after Send."""
    danger_first = kind == "A threat or reprisal"
    await person.send("/report")
    await expect(person, "What do you want to report?")
    await person.press(kind)
    if danger_first:  # a threat or reprisal report asks this first
        await expect(person, "immediate danger")
        await person.press("Yes" if danger else "No")
        if danger:
            await expect(person, "emergency services")
    await expect(person, "What happened?")
    await person.send(what)
    await expect(person, "When did it happen?")
    await person.send("early March")
    await expect(person, "In which country")
    await person.send(where)
    reply = await person.next_reply()
    if "Which of these" in reply.content:
        await person.press("Keep what I typed")
        reply = await expect(person, "Who is affected?")
    assert "Who is affected?" in reply.content
    await person.send("my colleague")
    if not danger_first:
        await expect(person, "immediate danger")
        await person.press("Yes" if danger else "No")
        if danger:
            await expect(person, "emergency services")
    await expect(person, "evidence")
    received = 0
    if photo is not None:
        await person.send_photo(photo, caption=caption)
        received += 1
        await expect(person, f"File received ({received} of")
    if document is not None:
        await person.upload(document[0], document[1], caption=caption)
        received += 1
        await expect(person, f"File received ({received} of")
    await person.press("Done")
    await expect(person, "How may we contact you?")
    await person.press("Stay anonymous" if anonymous else "Reply to me in this chat")
    await expect(person, "Send it now?")
    await person.press("Send")
    first = await expect(person, "Thank you.")
    rest = [first]
    while "clear this conversation" not in rest[-1].content:
        rest.append(await person.next_reply())
    return rest
