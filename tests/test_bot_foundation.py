"""The bot's base through the real PTB stack and the sandbox: language, help, errors, redaction, restarts."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable

import pytest
from sqlalchemy import select
from telegram import Update
from telegram.ext import CommandHandler

from bot.app import RecentUpdates
from bot.log_redaction import RedactingFormatter
from bot.sandbox.driver import SandboxPerson
from bot.sandbox.server import SandboxServer
from bot.services import Context
from storage.models import DialogState
from tests.bot_fixtures import RunningBot

PersonFactory = Callable[..., SandboxPerson]


async def test_start_asks_language_then_welcomes_in_arabic(new_person: PersonFactory) -> None:
    amina = new_person(language_code="ar")
    await amina.send("/start")
    prompt = await amina.next_reply()
    assert prompt.text.startswith("اختر لغتك.\n")
    await amina.press("العربية")
    welcome = await amina.next_reply()
    assert "ليازون" in welcome.text
    # /start continues into onboarding: what Liaison keeps, and how to see or erase it.
    keeps = await amina.next_reply()
    assert "/mydata" in keeps.text and "/forget" in keeps.text
    assert amina.last_message().text == keeps.text


async def test_language_is_negotiated_from_telegram_then_saved(new_person: PersonFactory) -> None:
    li = new_person(first_name="Li", language_code="zh-hans")
    await li.send("/start")
    assert (await li.next_reply()).text.startswith("请选择您的语言。\n")
    await li.press("Español")
    await li.next_reply()
    await li.next_reply()
    await li.send("/help")
    help_text = (await li.next_reply()).text
    assert help_text.startswith("Esto es lo que puedo hacer:")
    assert "/language — Cambiar de idioma" in help_text


async def test_unknown_text_and_stickers_get_help_not_silence(new_person: PersonFactory) -> None:
    pierre = new_person(first_name="Pierre", language_code="fr")
    await pierre.send("bonjour ?")  # plain text is a question the office may answer (see test_ask)
    assert (await pierre.next_reply()).text == "Envoyer ceci au bureau ?"
    await pierre.send("/bonjour")
    assert (await pierre.next_reply()).text.startswith("Je n’ai pas compris.")
    await pierre.send_sticker()
    assert (await pierre.next_reply()).text.startswith("Je ne lis que du texte ici.")
    await pierre.send("/cancel")
    assert (await pierre.next_reply()).text == "Il n’y a rien à annuler."


async def test_commands_menu_is_set_per_language(sandbox: SandboxServer, running_bot: RunningBot) -> None:
    calls = [call for call in sandbox.calls if call.method == "setMyCommands"]
    by_language = {call.params.get("language_code"): call.params for call in calls}
    assert {"ar", "zh", "en", "fr", "ru", "es"} <= set(by_language)
    assert "Сменить язык" in str(by_language["ru"]["commands"])


async def test_restart_keeps_the_chosen_language(running_bot: RunningBot, new_person: PersonFactory) -> None:
    olga = new_person(first_name="Olga", language_code="en")
    await olga.send("/language")
    await olga.next_reply()
    await olga.press("Русский")
    await olga.wait_until(lambda: olga.last_message().text.startswith("Теперь"), what="the confirmation")
    await running_bot.restart()
    async with running_bot.services.db.session() as session:
        rows = (await session.scalars(select(DialogState))).all()
    assert [row.kind for row in rows] == ["user_data"]
    assert "Olga" not in str([row.payload for row in rows])
    await olga.send("/help")
    assert (await olga.next_reply()).text.startswith("Вот что я умею:")


async def test_error_gives_translated_apology_and_logs_no_text(
    running_bot: RunningBot, new_person: PersonFactory, caplog: pytest.LogCaptureFixture
) -> None:
    async def explode(update: Update, context: Context) -> None:
        raise RuntimeError("boom")

    assert running_bot.app is not None
    running_bot.app.add_handler(CommandHandler("explode", explode), group=-1)
    sofia = new_person(first_name="Sofia", language_code="es", username="sofia_canary")
    with caplog.at_level(logging.DEBUG):
        await sofia.send("/explode CanaryTextXyzzy")
        reply = await sofia.next_reply()
    assert reply.text.startswith("Lo sentimos, algo falló de nuestro lado.")
    formatter = RedactingFormatter("%(name)s %(message)s")
    lines = "\n".join(formatter.format(record) for record in caplog.records)
    assert "RuntimeError" in lines
    for secret in ("CanaryTextXyzzy", "sofia_canary", str(sofia.user.id)):
        assert secret not in lines


async def test_replayed_update_is_handled_once() -> None:
    recent = RecentUpdates(size=3)
    assert recent.first_time(1)
    assert not recent.first_time(1)
    for update_id in (2, 3, 4):
        assert recent.first_time(update_id)
    assert recent.first_time(1)  # forgotten after `size` newer ones


async def test_a_persons_updates_are_handled_in_order(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    seen: list[str] = []

    async def slow_then_record(update: Update, context: Context) -> None:
        assert update.message is not None and update.message.text is not None
        if update.message.text.endswith("first"):
            await asyncio.sleep(0.2)
        seen.append(update.message.text.split()[-1])

    assert running_bot.app is not None
    running_bot.app.add_handler(CommandHandler("order", slow_then_record), group=-1)
    omar = new_person(first_name="Omar", language_code="ar")
    await omar.send("/order first")
    await omar.send("/order second")
    for _ in range(100):
        if len(seen) == 2:
            break
        await asyncio.sleep(0.02)
    assert seen == ["first", "second"]


def test_redaction_of_library_lines() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter("%(message)s"))
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    logger.warning(
        "POST https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage %s",
        {"chat_id": 998877665544, "text": "Canary message body", "from": {"username": "canary_user"}},
    )
    logger.warning("Message(text='Canary two', chat=Chat(id=-1001234567890, first_name='Zanele'))")
    logger.warning("reach canary@example.org or +41 22 917 1234 — 3 retries, status 429")
    out = stream.getvalue()
    for secret in (
        "AAHdqTcv",
        "998877665544",
        "Canary message body",
        "canary_user",
        "Canary two",
        "1001234567890",
        "Zanele",
        "canary@example.org",
        "917 1234",
    ):
        assert secret not in out
    assert "3 retries, status 429" in out
