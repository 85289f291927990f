"""The real bot serving its webhook on loopback, for the webhook tests."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from bot.app import build_application
from bot.run import _serve
from bot.sandbox.server import SandboxServer
from bot.services import Services
from bot.settings import Settings
from tests.bot_fixtures import make_services


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def webhook(sandbox: SandboxServer, services: Services, settings: Settings) -> AsyncIterator[str]:
    """Yields the URL to post updates to once the server answers.

    PTB registers the webhook with Telegram before its server listens, so the registration alone
    does not mean a post would be received."""
    app = build_application(
        make_services(settings, services.db), base_url=sandbox.base_url, base_file_url=sandbox.base_file_url
    )
    stop = asyncio.Event()
    serving = asyncio.create_task(_serve(app, settings, stop))
    url = f"http://127.0.0.1:{settings.webhook_port}/telegram"
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(500):
                assert not serving.done(), "the webhook server stopped"
                try:
                    await client.get(url)
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.01)
            else:
                raise AssertionError(f"nothing answers at {url} after 5 s")
        assert sandbox.webhook is not None
        yield url
    finally:
        stop.set()
        await serving
