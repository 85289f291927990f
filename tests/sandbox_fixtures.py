"""pytest fixtures and helpers for running the real python-telegram-bot stack against the sandbox.

A conftest imports them by name:

    from tests.sandbox_fixtures import person, sandbox  # noqa: F401  (fixtures)
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import pytest_asyncio
from telegram import Bot
from telegram.ext import Application, ApplicationBuilder
from telegram.request import HTTPXRequest

from bot.sandbox import SandboxPerson, SandboxServer

__all__ = [
    "SANDBOX_TOKEN",
    "make_bot",
    "person",
    "running",
    "sandbox",
    "sandbox_application_builder",
]

# Any token works against the sandbox; this one has the shape of a real one.
SANDBOX_TOKEN = "7000000001:SANDBOX-not-a-real-token"

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@pytest_asyncio.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    """A started sandbox Bot API server, stopped after the test."""
    async with SandboxServer() as server:
        yield server


@pytest.fixture
def person(sandbox: SandboxServer) -> SandboxPerson:
    """Amina, an English-speaking person with a private chat with the bot."""
    return sandbox.person("Amina", language_code="en")


def make_bot(
    sandbox: SandboxServer,
    *,
    token: str = SANDBOX_TOKEN,
    read_timeout: float = 5.0,
    connection_pool_size: int = 8,
) -> Bot:
    """A bare `telegram.Bot` talking to `sandbox` over HTTP (use it as `async with make_bot(...) as bot`)."""
    return Bot(
        token,
        base_url=sandbox.base_url,
        base_file_url=sandbox.base_file_url,
        request=HTTPXRequest(connection_pool_size=connection_pool_size, read_timeout=read_timeout),
    )


def sandbox_application_builder(
    sandbox: SandboxServer, *, token: str = SANDBOX_TOKEN
) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
    """An `ApplicationBuilder` already pointed at `sandbox`; add handlers after `.build()`."""
    return ApplicationBuilder().token(token).base_url(sandbox.base_url).base_file_url(sandbox.base_file_url)


@asynccontextmanager
async def running(application: AnyApplication, *, poll_timeout: int = 10) -> AsyncIterator[AnyApplication]:
    """Initialise `application`, poll the sandbox and process updates for the block, then shut down."""
    async with application:
        assert application.updater is not None, "build the application with an updater to poll"
        await application.updater.start_polling(poll_interval=0.0, timeout=poll_timeout)
        await application.start()
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
