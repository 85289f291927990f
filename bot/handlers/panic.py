"""Leave no trace on the phone: clearing the report dialogs, and /panic.

The bot can only delete messages it knows the ids of, and only within Telegram's 48 hours.
So the report and follow-up dialogs keep a *trail*: the ids of their messages, both sides,
in this process's memory (never in the database). "Clear this conversation" deletes the
trail; /panic deletes the trail and every recent message of the private chat it can.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    TypeHandler,
)

from bot.i18n import Translation
from bot.services import Context, services

log = logging.getLogger(__name__)

TRAIL_KEY = "report_trail"
CLEAR_CALLBACK = "rclear"
TRAIL_GROUP = -20  # sees every update first (after replays are dropped) and never stops it
PANIC_GROUP = -15  # before every dialog, so /panic works in the middle of any of them
DELETE_WINDOW = timedelta(hours=48)
SAFETY_MARGIN = timedelta(minutes=5)  # our clock and Telegram's may differ a little
MAX_TRAIL = 500
PANIC_RANGE = 300  # how many of the latest message ids of a private chat /panic tries
BATCH = 100  # deleteMessages takes at most 100 ids


@dataclass
class Trail:
    messages: dict[int, datetime] = field(default_factory=dict)


class DialogTrails:
    """Per chat: ids and dates of the messages of report dialogs, while a dialog is open."""

    def __init__(self) -> None:
        self._chats: dict[int, Trail] = {}

    def start(self, chat_id: int) -> None:
        self._chats.setdefault(chat_id, Trail())

    def active(self, chat_id: int) -> bool:
        return chat_id in self._chats

    def note(self, chat_id: int, message_id: int, at: datetime) -> None:
        trail = self._chats.get(chat_id)
        if trail is None:
            return
        trail.messages[message_id] = at
        if len(trail.messages) > MAX_TRAIL:
            oldest = min(trail.messages, key=lambda key: trail.messages[key])
            del trail.messages[oldest]

    def take(self, chat_id: int) -> dict[int, datetime]:
        """Every noted message of the chat; the trail ends."""
        trail = self._chats.pop(chat_id, None)
        return trail.messages if trail is not None else {}


def deletable(messages: dict[int, datetime], now: datetime) -> list[int]:
    """Ids of messages still inside Telegram's 48-hour window for deleting, oldest first."""
    return sorted(
        message_id for message_id, at in messages.items() if now - at < DELETE_WINDOW - SAFETY_MARGIN
    )


def batches(ids: Iterable[int], size: int = BATCH) -> list[list[int]]:
    ordered = sorted(set(ids))
    return [ordered[start : start + size] for start in range(0, len(ordered), size)]


def trails(context: Context) -> DialogTrails:
    found = context.bot_data.get(TRAIL_KEY)
    if not isinstance(found, DialogTrails):
        found = context.bot_data[TRAIL_KEY] = DialogTrails()
    return found


def clear_keyboard(t: Translation) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t._("Clear this conversation"), callback_data=CLEAR_CALLBACK)]]
    )


async def say(update: Update, context: Context, text: str, *, reply_markup: Any = None) -> Message:
    """Send in the dialog's chat, protected from forwarding and saving, and note it on the trail."""
    assert update.effective_chat is not None
    chat_id = update.effective_chat.id
    sent = await context.bot.send_message(chat_id, text, reply_markup=reply_markup, protect_content=True)
    trails(context).note(chat_id, sent.message_id, sent.date)
    return cast(Message, sent)


def begin_trail(update: Update, context: Context) -> None:
    """Start noting the messages of a report dialog in this chat, including the one that opened it."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None:
        return
    trails(context).start(chat.id)
    if message is not None:
        trails(context).note(chat.id, message.message_id, message.date)


async def delete_ids(context: Context, chat_id: int, ids: Iterable[int]) -> int:
    """Delete messages in batches; what Telegram refuses (too old, already gone) is skipped."""
    done = 0
    for batch in batches(ids):
        try:
            await context.bot.delete_messages(chat_id, batch)
            done += len(batch)
        except TelegramError as exc:
            log.info("some dialog messages could not be deleted: %s", type(exc).__name__)
    return done


async def clear_trail(context: Context, chat_id: int) -> int:
    noted = trails(context).take(chat_id)
    return await delete_ids(context, chat_id, deletable(noted, services(context).clock()))


async def note_incoming(update: Update, context: Context) -> None:
    """Group TRAIL_GROUP: note each incoming message of a chat whose report dialog is open."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None or not trails(context).active(chat.id):
        return
    trails(context).note(chat.id, message.message_id, message.date)


async def clear_pressed(update: Update, context: Context) -> None:
    """The "Clear this conversation" button."""
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    from bot.services import translation

    t = translation(update, context)
    message = query.message
    if message is not None:
        trails(context).start(update.effective_chat.id)
        trails(context).note(update.effective_chat.id, message.message_id, message.date)
    await clear_trail(context, update.effective_chat.id)
    await query.answer(t._("Cleared."))


async def forget_dialogs(context: Context, user_id: int, chat_id: int) -> None:
    """Drop every in-memory report draft, follow-up session and staff secret of this person."""
    from bot.handlers import followup, report, staff_keys

    report.drafts(context).pop(user_id, None)
    followup.sessions(context).pop(chat_id, None)
    staff_keys.pending(context).pop(user_id, None)


async def panic(update: Update, context: Context) -> None:
    """/panic: delete what can be deleted at once, forget drafts, answer nothing (nothing to see)."""
    chat, message, user = update.effective_chat, update.effective_message, update.effective_user
    if chat is None or message is None or user is None:
        return
    await forget_dialogs(context, user.id, chat.id)
    ids = set(deletable(trails(context).take(chat.id), services(context).clock()))
    ids.add(message.message_id)
    if chat.type == "private":
        # Message ids of a private chat count up from 1: try the latest ones, whoever sent them.
        ids |= set(range(max(1, message.message_id - PANIC_RANGE), message.message_id + 1))
    await delete_ids(context, chat.id, ids)
    log.info("panic: chat cleared")
    raise ApplicationHandlerStop


def install(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(TypeHandler(Update, note_incoming), group=TRAIL_GROUP)
    app.add_handler(CommandHandler("panic", panic), group=PANIC_GROUP)
    app.add_handler(CallbackQueryHandler(clear_pressed, pattern=f"^{CLEAR_CALLBACK}$"))
