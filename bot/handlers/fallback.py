"""Anything no dialog claimed: plain text is offered to the office (see `ask`), anything else gets a
short, translated pointer to /help; never silence."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.handlers import ask
from bot.services import Context, translation


async def not_understood(update: Update, context: Context) -> None:
    t = translation(update, context)
    message = update.effective_message
    if message is None:
        return
    if message.text is None:
        await message.reply_text(t._("I can only read text here. Send /help to see what I can do."))
    elif message.text.startswith("/"):
        await message.reply_text(t._("I did not understand that. Send /help to see what I can do."))
    else:
        # Never dropped: plain text outside any dialog is a question the office may answer.
        await ask.intake(update, context, message.text)


async def nothing_to_cancel(update: Update, context: Context) -> None:
    t = translation(update, context)
    assert update.effective_message is not None
    await update.effective_message.reply_text(t._("There is nothing to cancel."))


def install(app: Application) -> None:  # type: ignore[type-arg]
    """Install last: within a handler group the first match wins, so these see only what nothing else took."""
    app.add_handler(CommandHandler("cancel", nothing_to_cancel))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED, not_understood))
