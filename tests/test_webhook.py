"""Webhook mode: the secret token is checked and an update Telegram repeats is handled once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from bot.sandbox.server import SandboxServer
from bot.services import Services
from tests.bot_fixtures import settings_for_tests
from tests.webhook_fixtures import free_port, webhook

SECRET = "Qm9Xc3J0LXRva2VuLWZvci13ZWJob29rLXRlc3Rz_x"


async def test_webhook_checks_secret_and_drops_replays(
    sandbox: SandboxServer, bot_services: Services, tmp_path: Path
) -> None:
    settings = settings_for_tests(
        tmp_path,
        webhook_url="https://liaison.example.org",
        webhook_secret=SECRET,
        webhook_port=free_port(),
        database_url=bot_services.settings.database_url,
    )
    async with webhook(sandbox, bot_services, settings) as url:
        assert sandbox.webhook is not None
        assert sandbox.webhook.url == "https://liaison.example.org/telegram"
        assert sandbox.webhook.secret_token == SECRET

        user = sandbox.add_user(first_name="Zhang", language_code="zh")
        message = sandbox.push_text(user, "/help")
        update = {"update_id": 900001, "message": message.to_api()}
        async with httpx.AsyncClient() as client:
            refused = await client.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}
            )
            assert refused.status_code == 403
            for _ in range(2):  # Telegram repeats a delivery it thinks failed
                accepted = await client.post(
                    url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
                )
                assert accepted.status_code == 200
        for _ in range(200):
            if sandbox.chat(user.id).bot_messages:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)  # time for a second, wrong answer to appear if the replay were processed
        replies = sandbox.chat(user.id).bot_messages
        assert [reply.text.splitlines()[0] for reply in replies] == ["我可以为您做这些："]
