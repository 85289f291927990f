"""/start: the first contact. A language first, then what Liaison is."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.handlers.language import AFTER_LANGUAGE_KEY, ask_language
from bot.services import LANGUAGE_KEY, Context, translation

START_PAYLOAD_KEY = "start_payload"
MAX_PAYLOAD = 64  # Telegram's own limit for deep-link payloads


async def send_welcome(update: Update, context: Context) -> None:
    t = translation(update, context)
    assert update.effective_chat is not None
    await context.bot.send_message(
        update.effective_chat.id,
        t._(
            "Welcome to Liaison, the civil society liaison office of the migration network. "
            "Here you can follow regional reviews, register for meetings, get reminders in your "
            "time zone, and report threats or grievances in confidence."
        ),
    )
    await context.bot.send_message(update.effective_chat.id, t._("Send /help to see what you can do."))


async def start(update: Update, context: Context) -> None:
    """A new or returning person. An invitation link's payload is kept for the dialog it opens."""
    assert context.user_data is not None
    if context.args:
        payload = context.args[0][:MAX_PAYLOAD]
        if payload.replace("_", "").replace("-", "").isalnum():
            context.user_data[START_PAYLOAD_KEY] = payload
    if LANGUAGE_KEY not in context.user_data:
        context.user_data[AFTER_LANGUAGE_KEY] = "welcome"
        await ask_language(update, context)
        return
    await send_welcome(update, context)


def install(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("start", start))
