"""What every button dialog does with an answered question: keep it as a record, refuse a second tap."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.i18n import Translation


async def mark_answered(update: Update, choice: str) -> None:
    """Show the chosen answer under the question and take its buttons away, so it reads as a record.

    The tap is acknowledged and the question edited at the same time: one round trip to Telegram
    instead of two before the next question can go out."""
    query = update.callback_query
    assert query is not None
    text = getattr(query.message, "text", None)
    if text:
        await asyncio.gather(query.answer(), query.edit_message_text(f"{text}\n\n✓ {choice}"))
    else:
        await asyncio.gather(query.answer(), query.edit_message_reply_markup(None))


async def refuse_stale_press(update: Update, t: Translation) -> None:
    """A tap on a question already answered (a double tap, or an old message): nothing happens twice."""
    query = update.callback_query
    assert query is not None
    await query.answer(t._("That question was already answered."))
