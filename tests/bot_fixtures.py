"""The real bot, built by the application factory, polling the sandbox; and people to talk to it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application

from bot.app import build_application, start_features, stop_features
from bot.i18n import Translator
from bot.sandbox.driver import SandboxPerson
from bot.sandbox.server import SandboxServer
from bot.services import Services
from bot.settings import Settings
from scheduler.clock import Clock, system_clock
from storage.crypto.keyring import Keyring
from storage.db import Database

TRANSLATOR = Translator()


def settings_for_tests(tmp_path: Path, **overrides: Any) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, **overrides)  # type: ignore[call-arg]


@dataclass
class RunningBot:
    """A bot application against the sandbox that tests can stop and rebuild on the same database."""

    sandbox: SandboxServer
    services: Services
    app: Application | None = None  # type: ignore[type-arg]
    builds: int = field(default=0)

    async def start(self) -> None:
        app = build_application(
            self.services, base_url=self.sandbox.base_url, base_file_url=self.sandbox.base_file_url
        )
        await app.initialize()
        await start_features(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES)
        self.app = app
        self.builds += 1

    async def stop(self) -> None:
        if self.app is None:
            return
        app, self.app = self.app, None
        assert app.updater is not None
        await app.updater.stop()
        await app.stop()
        await stop_features(app)
        await app.shutdown()

    async def restart(self) -> None:
        """What a deploy or a crash-and-restart does: a new application on the same database."""
        await self.stop()
        await self.start()


def make_services(settings: Settings, db: Database, clock: Clock = system_clock) -> Services:
    return Services(settings=settings, db=db, translator=TRANSLATOR, clock=clock)


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    server = SandboxServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def bot_services(sqlite_url: str, keyring: Keyring, tmp_path: Path) -> AsyncIterator[Services]:
    db = Database(sqlite_url, keyring)
    services = make_services(settings_for_tests(tmp_path, database_url=sqlite_url), db)
    await db.verify_keys(now=services.clock())
    yield services
    await db.dispose()


@pytest.fixture
async def running_bot(sandbox: SandboxServer, bot_services: Services) -> AsyncIterator[RunningBot]:
    running = RunningBot(sandbox, bot_services)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
def new_person(sandbox: SandboxServer, running_bot: RunningBot) -> Callable[..., SandboxPerson]:
    """A factory of people in the sandbox: `new_person(language_code="ar")`."""

    def make(first_name: str = "Amina", language_code: str | None = "en", **kwargs: Any) -> SandboxPerson:
        user = sandbox.add_user(first_name=first_name, language_code=language_code, **kwargs)
        return SandboxPerson(sandbox, user)

    return make


@contextlib.asynccontextmanager
async def bot_with_email(
    sandbox: SandboxServer,
    database_url: str,
    keyring: Keyring,
    smtp: tuple[str, int],
    data_dir: Path,
    *,
    clock: Clock = system_clock,
) -> AsyncIterator[RunningBot]:
    """The real bot against the sandbox with email sent to a loopback SMTP server (`smtp`: host, port).

    Callers set the outbox's LIAISON_OUTBOX_* pace (poll, progress, chat interval) in the environment.
    """
    db = Database(database_url, keyring)
    settings = settings_for_tests(
        data_dir, database_url=database_url, smtp_host=smtp[0], smtp_port=smtp[1], smtp_security="none"
    )
    running = RunningBot(sandbox, make_services(settings, db, clock))
    await running.start()
    try:
        yield running
    finally:
        await running.stop()
        await db.dispose()
