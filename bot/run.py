"""Running the bot: against Telegram (long polling or webhook), or against the local sandbox."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.app import build_application, start_features, stop_features
from bot.bootstrap import open_services
from bot.settings import ConfigError, Settings
from bot.webhook_secret import webhook_problem

log = logging.getLogger(__name__)


def _stop_event() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return stop


def check_webhook(settings: Settings) -> None:
    """Webhook mode needs a strong secret: without it anyone who finds the URL could post
    updates in a staff member's name. Raises ConfigError, before anything starts."""
    problem = webhook_problem(settings)
    if problem is not None:
        raise ConfigError(f"webhook mode refused: {problem}")


async def _serve(app: Application, settings: Settings, stop: asyncio.Event) -> None:  # type: ignore[type-arg]
    check_webhook(settings)
    async with app:
        await start_features(app)
        await app.start()
        assert app.updater is not None
        if settings.webhook_url:
            assert settings.webhook_secret is not None
            secret = settings.webhook_secret.get_secret_value()
            await app.updater.start_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path="telegram",
                webhook_url=settings.webhook_url.rstrip("/") + "/telegram",
                secret_token=secret,
                allowed_updates=Update.ALL_TYPES,
                drop_pending_updates=False,
            )
            log.info("webhook mode on %s:%s", settings.webhook_listen, settings.webhook_port)
        else:
            await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)
            log.info("long polling")
        await stop.wait()
        await app.updater.stop()
        await app.stop()
        await stop_features(app)


async def run_telegram(settings: Settings) -> None:
    check_webhook(settings)
    services = await open_services(settings)
    try:
        await _serve(build_application(services), settings, _stop_event())
    finally:
        await services.db.dispose()


async def run_sandbox(settings: Settings, *, stdin: Any = None, stdout: Any = None) -> None:
    """The local demo: a fake Bot API on loopback, the real bot against it, and a chat in this terminal."""
    from bot.sandbox.session import chat_in_terminal, open_sandbox

    out = stdout or sys.stdout
    async with open_sandbox(settings, out) as sandbox:
        server = sandbox.server
        app = build_application(
            sandbox.services, base_url=server.base_url, base_file_url=server.base_file_url
        )
        stop = asyncio.Event()
        serving = asyncio.create_task(_serve(app, sandbox.settings, stop))
        try:
            await chat_in_terminal(sandbox, stdin or sys.stdin, out)
        finally:
            stop.set()
            await serving
