"""Webhook mode: the secret token is checked and an update Telegram repeats is handled once."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx

from bot.app import build_application
from bot.run import _serve
from bot.sandbox.server import SandboxServer
from bot.services import Services
from tests.bot_fixtures import make_services, settings_for_tests


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_webhook_checks_secret_and_drops_replays(
    sandbox: SandboxServer, bot_services: Services, tmp_path: Path
) -> None:
    port = _free_port()
    settings = settings_for_tests(
        tmp_path, webhook_url="https://liaison.example.org", webhook_secret="s3cret-token",
        webhook_port=port, database_url=bot_services.settings.database_url,
    )
    services = make_services(settings, bot_services.db)
    app = build_application(services, base_url=sandbox.base_url, base_file_url=sandbox.base_file_url)
    stop = asyncio.Event()
    serving = asyncio.create_task(_serve(app, settings, stop))
    try:
        for _ in range(200):
            if sandbox.webhook is not None:
                break
            await asyncio.sleep(0.01)
        assert sandbox.webhook is not None
        assert sandbox.webhook.url == "https://liaison.example.org/telegram"
        assert sandbox.webhook.secret_token == "s3cret-token"

        user = sandbox.add_user(first_name="Zhang", language_code="zh")
        message = sandbox.push_text(user, "/help")
        update = {"update_id": 900001, "message": message.to_api()}
        url = f"http://127.0.0.1:{port}/telegram"
        async with httpx.AsyncClient() as client:
            refused = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
            assert refused.status_code == 403
            for _ in range(2):  # Telegram repeats a delivery it thinks failed
                accepted = await client.post(
                    url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
                )
                assert accepted.status_code == 200
        for _ in range(200):
            if sandbox.chat(user.id).bot_messages:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)  # time for a second, wrong answer to appear if the replay were processed
        replies = sandbox.chat(user.id).bot_messages
        assert [reply.text.splitlines()[0] for reply in replies] == ["我可以为您做这些："]
    finally:
        stop.set()
        await serving
