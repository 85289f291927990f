"""The bot with its HTTP endpoint on a free loopback port, staff members, and a cookie-keeping client.

Staff sign in the way a person does: /web in the private chat through the sandbox, then the
link from the bot's reply, opened and confirmed over real HTTP.
"""

from __future__ import annotations

import re
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from bot.report_settings import fast_report_settings
from bot.sandbox.driver import SandboxPerson
from bot.sandbox.server import SandboxServer
from bot.services import Services
from bot.web.console import WEB_KEY, WebConsole
from scheduler.clock import system_clock
from storage.crypto.keyring import Keyring
from storage.db import Database
from storage.models import Event, StaffRole
from storage.repositories import events, people, registrations, staff
from storage.repositories.registrations import Categories
from tests.bot_fixtures import TRANSLATOR, RunningBot, settings_for_tests
from tests.report_fixtures import expect

# The Arabic reply wraps the link in bidi isolates (U+2066..U+2069): they end it, as whitespace does.
LINK = re.compile(r"https?://[^\s\u2066-\u2069]+/web/signin\?t=[^\s\u2066-\u2069]+")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ConsoleWorld:
    bot: RunningBot
    sandbox: SandboxServer
    base_url: str
    clients: list[aiohttp.ClientSession] = field(default_factory=list)

    @property
    def services(self) -> Services:
        return self.bot.services

    @property
    def console(self) -> WebConsole:
        assert self.bot.app is not None
        found = self.bot.app.bot_data[WEB_KEY]
        assert isinstance(found, WebConsole)
        return found

    def person(self, first_name: str = "Amina", language_code: str = "en") -> SandboxPerson:
        return SandboxPerson(
            self.sandbox, self.sandbox.add_user(first_name=first_name, language_code=language_code)
        )

    async def staff(
        self, role: StaffRole = StaffRole.LIAISON, *, language_code: str = "en", name: str = "Rana"
    ) -> tuple[SandboxPerson, uuid.UUID]:
        member = self.person(name, language_code)
        db = self.services.db
        async with db.session() as session:
            added = await staff.add(session, db.keyring, member.id, role, now=system_clock())
        return member, added.id

    async def remove_staff(self, member: SandboxPerson) -> None:
        db = self.services.db
        async with db.session() as session:
            assert await staff.remove(session, db.keyring, member.id, now=system_clock())

    async def link(self, member: SandboxPerson) -> str:
        """What the staff member gets from /web: the sign-in link in the bot's reply."""
        await member.send("/web")
        reply = await expect(member, "/web/signin?t=")
        found = LINK.search(reply.content)
        assert found is not None, reply.content
        # As a person's client may copy it in a right-to-left message: with its direction marks.
        return found.group(0)

    def client(self, language: str = "en") -> aiohttp.ClientSession:
        # unsafe=True: keep cookies of an IP-address host (the console runs on 127.0.0.1 here).
        made = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True), headers={"Accept-Language": language}
        )
        self.clients.append(made)
        return made

    async def signed_in(self, member: SandboxPerson, language: str = "en") -> aiohttp.ClientSession:
        browser = self.client(language)
        link = await self.link(member)
        token = link.split("t=", 1)[1]
        async with browser.get(link) as page:
            assert page.status == 200
        async with browser.post(
            f"{self.base_url}/web/signin", data={"t": token}, allow_redirects=False
        ) as response:
            assert response.status == 303, await response.text()
        return browser

    async def event_with_registrations(
        self, count: int, *, capacity: int | None = None, code: str = "NBO26"
    ) -> tuple[Event, list[SandboxPerson]]:
        """An event with `count` pending registrations of people reachable in the sandbox."""
        db = self.services.db
        now = system_clock()
        async with db.session() as session:
            event = await events.create(
                session, region="africa", kind="consultation",
                titles={"en": "Nairobi consultation", "ar": "مشاورة نيروبي"},
                starts_at=now + timedelta(days=50), now=now, code=code, capacity=capacity,
            )  # fmt: skip
        people_here = []
        for n in range(count):
            now = system_clock()  # each its own moment: the table lists them oldest first
            sandbox_person = self.person(f"Person{n}", "fr" if n % 2 else "en")
            async with db.session() as session:
                person = await people.create(session, now=now, language=sandbox_person.user.language_code)
                person.organisation = f"Organisation {n}"
                await people.add_address(
                    session, db.keyring, person, people.Channel.TELEGRAM, str(sandbox_person.id),
                    now=now, verified=True,
                )  # fmt: skip
                found = await events.by_code(session, code)
                assert found is not None
                await registrations.register(
                    session, event=found, person=person, kind="participant", slot="attend",
                    categories=Categories("civil_society" if n % 2 else "academia", "KE", "014", "africa"),
                    now=now,
                )  # fmt: skip
            people_here.append(sandbox_person)
        return event, people_here


@pytest.fixture
async def console_world(
    sandbox: SandboxServer, sqlite_url: str, keyring: Keyring, tmp_path: Path
) -> AsyncIterator[ConsoleWorld]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = settings_for_tests(tmp_path, database_url=sqlite_url, http_port=port, public_base_url=base_url)
    db = Database(sqlite_url, keyring)
    services = Services(
        settings=settings, db=db, translator=TRANSLATOR, clock=system_clock, reports=fast_report_settings()
    )
    await db.verify_keys(now=services.clock())
    running = RunningBot(sandbox, services)
    await running.start()
    world = ConsoleWorld(running, sandbox, base_url)
    try:
        yield world
    finally:
        for client in world.clients:
            await client.close()
        await running.stop()
        await db.dispose()
