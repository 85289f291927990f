"""The last resort: log what failed without personal data, and apologise to the person."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.services import Context, translation

log = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    # The class and the update id are enough to find the problem; message text and ids never go to logs.
    log.error(
        "handler failed: %s (update %s)",
        type(error).__name__,
        update_id,
        exc_info=(type(error), error, error.__traceback__) if error is not None else None,
    )
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    t = translation(update, context)
    try:
        await context.bot.send_message(
            update.effective_chat.id,
            t._("Sorry, something went wrong on our side. What you sent before is kept. Please try again."),
        )
    except TelegramError as exc:
        log.warning("could not send the apology: %s", type(exc).__name__)
