"""/followup: an anonymous reporter reads our replies and adds information, with their receipt code.

No oracle: a wrong code and a purged or unknown case get the same answer after the same
slow derivation. Wrong codes are limited per chat and across the whole bot. The code's
message is deleted at once. Outside this dialog, a message that holds a receipt-shaped
number is deleted and never reaches any other dialog (a high-priority guard), so a
pasted receipt is not stored anywhere.
"""

from __future__ import annotations

import logging
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.handlers.panic import begin_trail, clear_keyboard, say
from bot.handlers.report import alert_staff, clean_text, too_long
from bot.i18n import N_, Translation
from bot.services import Context, services, translation
from bot.state_first import DurableConversation
from storage.crypto.report_keys import contains_receipt
from storage.models import CaseStatus
from storage.repositories import reports as repo

log = logging.getLogger(__name__)

SESSIONS_KEY = "followup_sessions"
LIMITER_KEY = "followup_limiter"
GUARD_GROUP = -10  # before every dialog, after the trail and /panic
CODE, VIEW, ADD = range(3)
MAX_ADD = 3000
PREFIX = "fu:"

STATUS_LABELS: dict[CaseStatus, str] = {
    CaseStatus.NEW: N_("received, not yet read"),
    CaseStatus.ACKNOWLEDGED: N_("read by our staff"),
    CaseStatus.IN_PROGRESS: N_("being worked on"),
    CaseStatus.AWAITING_REPORTER: N_("waiting for your answer"),
    CaseStatus.CLOSED: N_("closed"),
}


class AttemptLimiter:
    """Wrong receipt codes in a sliding window, per chat and overall; memory only."""

    def __init__(self, per_chat: int, overall: int, window: timedelta) -> None:
        self.per_chat, self.overall, self.window = per_chat, overall, window
        self._chats: dict[int, deque[datetime]] = {}
        self._all: deque[datetime] = deque()

    def _trim(self, times: deque[datetime], now: datetime) -> None:
        while times and now - times[0] >= self.window:
            times.popleft()

    def allowed(self, chat_id: int, now: datetime) -> bool:
        self._trim(self._all, now)
        mine = self._chats.get(chat_id)
        if mine is not None:
            self._trim(mine, now)
            if not mine:
                del self._chats[chat_id]
                mine = None
        return len(self._all) < self.overall and (mine is None or len(mine) < self.per_chat)

    def failed(self, chat_id: int, now: datetime) -> None:
        self._all.append(now)
        self._chats.setdefault(chat_id, deque()).append(now)


@dataclass
class FollowupSession:
    """While a reporter is in /followup: whether a code is awaited, and which case it opened."""

    awaiting_code: bool = True
    case_id: uuid.UUID | None = field(default=None, repr=False)
    reference: str = ""


def sessions(context: Context) -> dict[int, FollowupSession]:
    found = context.bot_data.get(SESSIONS_KEY)
    if not isinstance(found, dict):
        found = context.bot_data[SESSIONS_KEY] = {}
    return cast(dict[int, FollowupSession], found)


def limiter(context: Context) -> AttemptLimiter:
    found = context.bot_data.get(LIMITER_KEY)
    if not isinstance(found, AttemptLimiter):
        settings = services(context).reports
        found = context.bot_data[LIMITER_KEY] = AttemptLimiter(
            settings.wrong_codes_per_chat, settings.wrong_codes_global, settings.wrong_code_window
        )
    return found


def _chat_id(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


async def _delete_quietly(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    try:
        await message.delete()
    except TelegramError as exc:
        log.info("a message holding a receipt could not be deleted: %s", type(exc).__name__)


def _view_keyboard(t: Translation) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t._("Add information"), callback_data=PREFIX + "add")],
            [InlineKeyboardButton(t._("Clear this conversation"), callback_data="rclear")],
        ]
    )


async def start(update: Update, context: Context) -> int:
    t = translation(update, context)
    chat = update.effective_chat
    assert chat is not None
    if chat.type != "private":
        await chat.send_message(t._("Please send /followup to me in a private chat."))
        return ConversationHandler.END
    begin_trail(update, context)
    sessions(context)[chat.id] = FollowupSession()
    if context.args:
        await _delete_quietly(update, context)
        return await _check_code(update, context, " ".join(context.args))
    await say(update, context, t._("Send your receipt code. I will delete your message at once."))
    return CODE


async def got_code(update: Update, context: Context) -> int:
    assert update.effective_message is not None
    await _delete_quietly(update, context)
    return await _check_code(update, context, update.effective_message.text or "")


async def _check_code(update: Update, context: Context, code: str) -> int:
    t = translation(update, context)
    svc = services(context)
    chat_id = _chat_id(update)
    now = svc.clock()
    if not limiter(context).allowed(chat_id, now):
        sessions(context).pop(chat_id, None)
        log.info("receipt check refused: too many wrong codes")
        await say(update, context, t._("Too many tries. Please wait an hour and try again."))
        return ConversationHandler.END
    async with svc.db.session() as session:
        found = await repo.find_by_receipt(session, svc.keyring, code, limits=svc.reports.receipt_limits)
        view = await repo.reporter_view(session, *found) if found is not None else None
    if view is None:
        limiter(context).failed(chat_id, now)
        await say(
            update,
            context,
            t._("This code did not open a case. Check it and send it again, or send /cancel."),
        )
        return CODE
    current = sessions(context).setdefault(chat_id, FollowupSession())
    current.awaiting_code, current.case_id, current.reference = False, view.case_id, view.reference
    await say(
        update,
        context,
        t._("Case {reference}: {status}.").format(
            reference=view.reference, status=t._(STATUS_LABELS[view.status])
        ),
    )
    if not view.staff_messages:
        await say(update, context, t._("There are no messages from us yet."))
    for entry in view.staff_messages:
        await say(
            update,
            context,
            t._("From the liaison office, {date}:\n{text}").format(
                date=t.datetime(entry.created_at, None), text=entry.text
            ),
        )
    if view.status is CaseStatus.CLOSED:
        sessions(context).pop(chat_id, None)
        await say(update, context, t._("This case is closed."), reply_markup=clear_keyboard(t))
        return ConversationHandler.END
    await say(update, context, t._("What would you like to do?"), reply_markup=_view_keyboard(t))
    return VIEW


async def want_to_add(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None
    await query.answer()
    current = sessions(context).get(_chat_id(update))
    if current is None or current.case_id is None:
        return await _expired(update, context)
    await query.edit_message_reply_markup(None)
    t = translation(update, context)
    await say(
        update,
        context,
        t.ngettext(
            "Write what you want to add, in up to {limit} character.",
            "Write what you want to add, in up to {limit} characters.",
            MAX_ADD,
        ).format(limit=MAX_ADD),
    )
    return ADD


async def got_addition(update: Update, context: Context) -> int:
    current = sessions(context).get(_chat_id(update))
    if current is None or current.case_id is None:
        return await _expired(update, context)
    assert update.effective_message is not None
    t = translation(update, context)
    # The same rule as a /report answer: invisible characters alone say nothing.
    text, problem = clean_text(update.effective_message.text, MAX_ADD)
    if text is None:
        if problem == "too_long":
            await too_long(update, context, MAX_ADD)
        else:
            await say(update, context, t._("Please answer in a few words, or send /cancel to stop."))
        return ADD
    svc = services(context)
    try:
        async with svc.db.session() as session:
            await repo.add_reporter_message(session, current.case_id, text, now=svc.clock())
    except repo.CaseNotFoundError:
        return await _expired(update, context)
    reference = current.reference
    sessions(context).pop(_chat_id(update), None)
    await alert_staff(context, reference, urgent=False, update_only=True)
    await say(update, context, t._("Thank you. We added this to your case."), reply_markup=clear_keyboard(t))
    return ConversationHandler.END


async def _expired(update: Update, context: Context) -> int:
    t = translation(update, context)
    sessions(context).pop(_chat_id(update), None)
    await say(update, context, t._("This follow-up is no longer open. Send /followup to start again."))
    return ConversationHandler.END


async def cancel(update: Update, context: Context) -> int:
    t = translation(update, context)
    sessions(context).pop(_chat_id(update), None)
    await say(update, context, t._("Stopped."), reply_markup=clear_keyboard(t))
    return ConversationHandler.END


async def text_needed(update: Update, context: Context) -> object:
    t = translation(update, context)
    await say(update, context, t._("Please answer in a few words, or send /cancel to stop."))
    return None


async def buttons_needed(update: Update, context: Context) -> object:
    t = translation(update, context)
    await say(update, context, t._("Please use the buttons above, or send /cancel to stop."))
    return None


async def timed_out(update: object, context: Context) -> None:
    if isinstance(update, Update) and update.effective_chat is not None:
        sessions(context).pop(update.effective_chat.id, None)


async def guard_receipts(update: Update, context: Context) -> None:
    """A receipt pasted anywhere but the code step is deleted, not stored, and explained: in a
    text, a caption, an edited message or a forwarded one."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None or chat.type != "private":
        return
    written = message.text or message.caption
    if not written or not contains_receipt(written):
        return
    if message.text is not None and update.edited_message is None:
        if message.text.startswith("/followup"):
            return  # the command's own argument: /followup deletes it and checks it
        current = sessions(context).get(chat.id)
        if current is not None and current.awaiting_code:
            return  # the answer to "send your receipt code": got_code deletes and checks it
    await _delete_quietly(update, context)
    t = translation(update, context)
    await context.bot.send_message(
        chat.id,
        t._(
            "That looked like a receipt code, so I deleted your message and kept nothing of it. "
            "To check your case, send /followup first."
        ),
        protect_content=True,
    )
    raise ApplicationHandlerStop


def conversation(draft_minutes: int) -> ConversationHandler:  # type: ignore[type-arg]
    text = filters.TEXT & ~filters.COMMAND
    return DurableConversation(
        entry_points=[CommandHandler("followup", start)],
        states={
            CODE: [MessageHandler(text, got_code), MessageHandler(~filters.COMMAND, text_needed)],
            VIEW: [
                CallbackQueryHandler(want_to_add, pattern=f"^{PREFIX}add$"),
                MessageHandler(~filters.COMMAND, buttons_needed),
            ],
            ADD: [MessageHandler(text, got_addition), MessageHandler(~filters.COMMAND, text_needed)],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
        },
        fallbacks=[CommandHandler("cancel", cancel), CommandHandler("followup", start)],
        conversation_timeout=timedelta(minutes=draft_minutes),
        name="followup",
        persistent=False,
        allow_reentry=True,
    )


def install(app: Application) -> None:  # type: ignore[type-arg]
    from bot.services import SERVICES_KEY

    app.add_handler(
        MessageHandler((filters.TEXT | filters.CAPTION) & filters.ChatType.PRIVATE, guard_receipts),
        group=GUARD_GROUP,
    )
    app.add_handler(conversation(app.bot_data[SERVICES_KEY].reports.draft_minutes))
