"""Webhook mode (issue 12, hole 1): no secret, no start; forged staff updates get nothing; a
replay after a restart is still dropped."""

from __future__ import annotations

import asyncio
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import build_application
from bot.handlers.staff.access import PREFIX, short
from bot.run import _serve
from bot.sandbox.server import SandboxServer
from bot.services import Services
from bot.settings import ConfigError, Settings
from bot.webhook_secret import new_secret, secret_problem
from scheduler.clock import system_clock
from storage.models import StaffRole
from storage.repositories import staff
from tests.bot_fixtures import settings_for_tests
from tests.webhook_fixtures import free_port, webhook

UNKNOWN = "I did not understand that. Send /help to see what I can do."
SECRET = new_secret()
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def _settings(tmp_path: Path, services: Services, port: int, secret: str | None) -> Settings:
    return settings_for_tests(
        tmp_path, webhook_url="https://liaison.example.org", webhook_secret=secret,
        webhook_port=port, database_url=services.settings.database_url,
    )  # fmt: skip


async def _post(url: str, update: dict[str, Any], secret: str | None) -> int:
    headers = {HEADER: secret} if secret is not None else {}
    async with httpx.AsyncClient() as client:
        return (await client.post(url, json=update, headers=headers)).status_code


async def _texts(sandbox: SandboxServer, chat_id: int, count: int) -> list[str]:
    """The bot's messages in a chat once there are `count` of them, then a pause for any extra one."""
    for _ in range(500):
        if len(sandbox.chat(chat_id).bot_messages) >= count:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.3)  # time for a wrong, extra answer to appear
    return [message.text for message in sandbox.chat(chat_id).bot_messages]


@pytest.mark.parametrize("secret", [None, "", "short-secret", "a" * 40, "ab" * 20])
async def test_webhook_mode_refuses_to_start_without_a_strong_secret(
    sandbox: SandboxServer, bot_services: Services, tmp_path: Path, secret: str | None
) -> None:
    settings = _settings(tmp_path, bot_services, free_port(), secret)
    app = build_application(bot_services, base_url=sandbox.base_url, base_file_url=sandbox.base_file_url)
    with pytest.raises(ConfigError, match="LIAISON_WEBHOOK_SECRET"):
        await _serve(app, settings, asyncio.Event())
    assert sandbox.webhook is None  # nothing was registered with Telegram


def test_a_generated_secret_is_accepted() -> None:
    assert secret_problem(new_secret()) is None
    assert len(new_secret()) >= 32 and new_secret() != new_secret()


async def test_forged_staff_updates_get_nothing(
    sandbox: SandboxServer, bot_services: Services, tmp_path: Path
) -> None:
    staff_user = sandbox.add_user(first_name="Staff", language_code="en")
    attacker = sandbox.add_user(first_name="Mallory", language_code="en")
    group = sandbox.add_group("Somewhere")
    async with bot_services.db.session() as session:
        await staff.add(
            session, bot_services.db.keyring, staff_user.id, StaffRole.ADMINISTRATOR, now=system_clock()
        )
    settings = _settings(tmp_path, bot_services, free_port(), SECRET)
    async with webhook(sandbox, bot_services, settings) as url:
        # The staff member's account, the attacker's chat: once without the secret, once with a wrong one.
        forged = sandbox.push_text(staff_user, "/staff").to_api()
        forged["chat"] = {"id": attacker.id, "type": "private", "first_name": "Mallory"}
        assert await _post(url, {"update_id": 700001, "message": forged}, None) == 403
        assert await _post(url, {"update_id": 700002, "message": forged}, "wrong-" + SECRET) == 403
        # Even with the secret (leaked, or Telegram itself misled), the console answers nothing of use.
        assert await _post(url, {"update_id": 700003, "message": forged}, SECRET) == 200
        assert await _texts(sandbox, attacker.id, 1) == [UNKNOWN]
        # From a group, with the staff member's own account.
        in_group = sandbox.push_text(staff_user, "/staff", chat=group).to_api()
        assert await _post(url, {"update_id": 700004, "message": in_group}, SECRET) == 200
        assert await _texts(sandbox, group.id, 1) == [UNKNOWN]
        # A forged button press: the staff account, under a message in the attacker's chat.
        anchor = sandbox.chat(attacker.id).bot_messages[-1]
        data = f"{PREFIX}case:open:{short(uuid.uuid4())}"
        press = sandbox.push_callback(staff_user, anchor.message_id, data, chat=attacker.id)
        callback = {
            "id": press.id, "from": staff_user.to_api(), "message": anchor.to_api(),
            "chat_instance": "1", "data": data,
        }  # fmt: skip
        assert await _post(url, {"update_id": 700006, "callback_query": callback}, SECRET) == 200
        for _ in range(500):
            if press.answered:
                break
            await asyncio.sleep(0.01)
        assert press.answer_text == UNKNOWN
        assert await _texts(sandbox, attacker.id, 1) == [UNKNOWN]  # nothing more was sent there
        # The same command in the staff member's own private chat works.
        own = sandbox.push_text(staff_user, "/staff").to_api()
        assert await _post(url, {"update_id": 700005, "message": own}, SECRET) == 200
        replies = await _texts(sandbox, staff_user.id, 1)
    assert len(replies) == 1 and replies[0].startswith("Staff commands for your role")


async def test_a_replayed_update_is_dropped_after_a_restart(
    sandbox: SandboxServer, bot_services: Services, tmp_path: Path
) -> None:
    user = sandbox.add_user(first_name="Zhang", language_code="zh")
    update = {"update_id": 800001, "message": sandbox.push_text(user, "/help").to_api()}
    settings = _settings(tmp_path, bot_services, free_port(), SECRET)
    async with webhook(sandbox, bot_services, settings) as url:
        assert await _post(url, update, SECRET) == 200
        assert len(await _texts(sandbox, user.id, 1)) == 1
    async with webhook(sandbox, bot_services, settings) as url:  # a restart: memory is gone
        assert await _post(url, update, SECRET) == 200
        assert len(await _texts(sandbox, user.id, 2)) == 1


def test_keys_generate_prints_a_webhook_secret() -> None:
    from typer.testing import CliRunner

    from bot.cli.main import app

    result = CliRunner().invoke(app, ["keys", "generate"])
    assert result.exit_code == 0
    lines = dict(line.split("=", 1) for line in result.output.splitlines() if "=" in line)
    assert secret_problem(lines["LIAISON_WEBHOOK_SECRET"]) is None
    assert {"LIAISON_DATA_KEYS", "LIAISON_INDEX_KEY"} <= set(lines)


@pytest.mark.parametrize(
    ("secret", "verdict"), [("too-short-for-this", r"BAD\s+webhook"), (SECRET, r"ok\s+webhook")]
)
def test_doctor_checks_the_webhook_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, secret: str, verdict: str
) -> None:
    from typer.testing import CliRunner

    from bot.cli.main import app

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LIAISON_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LIAISON_WEBHOOK_URL", "https://liaison.example.org")
    monkeypatch.setenv("LIAISON_WEBHOOK_SECRET", secret)
    result = CliRunner().invoke(app, ["doctor"])
    assert re.search(verdict, result.output), result.output
    assert secret not in result.output  # a secret is never printed
