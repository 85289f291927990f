"""The one role check of the staff console, run on every staff command, button and typed answer.

Every staff module declares its commands (`StaffCommand`) and buttons (`StaffButton`);
`bot.handlers.staff.install` registers them only through `guarded`, which looks the
account up in the database on each call. A removed staff member loses access with their
next tap, and anyone who is not staff gets the answer an unknown command gets. Staff
work in their own private chat with the bot (chat id = their account id); anywhere else,
including a group, the console answers as to an unknown command.

Buttons carry `st:<module>:<action>:<ids…>` with ids as 22-character base64 (Telegram
allows 64 bytes of callback data).
"""

from __future__ import annotations

import base64
import logging
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from telegram import InlineKeyboardButton, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.domain.staff_roles import ALL_STAFF as ALL_STAFF
from bot.domain.staff_roles import CASE_READERS as CASE_READERS
from bot.domain.staff_roles import TASK_TEAM as TASK_TEAM
from bot.i18n import Translation
from bot.private_chat import own_private_chat
from bot.services import Context, services, translation
from storage.models import StaffRole
from storage.repositories import staff

log = logging.getLogger(__name__)

PREFIX = "st:"
PENDING_KEY = "staff_console_pending"
PENDING_LIFETIME = timedelta(minutes=15)


@dataclass(frozen=True)
class StaffUser:
    """Who is acting, as found in the database for this very update."""

    id: uuid.UUID
    role: StaffRole
    telegram_id: int


StaffCallback = Callable[[Update, Context, StaffUser, list[str]], Awaitable[None]]
TextCallback = Callable[[Update, Context, StaffUser, "Pending", str], Awaitable[None]]


@dataclass(frozen=True)
class StaffCommand:
    name: str
    roles: frozenset[StaffRole]
    handler: StaffCallback
    description: str  # N_() text for the staff help


@dataclass(frozen=True)
class StaffButton:
    """Buttons whose data starts with `st:<prefix>:`; the handler gets the parts after it."""

    prefix: str
    roles: frozenset[StaffRole]
    handler: StaffCallback


@dataclass
class Pending:
    """A typed answer a staff member owes (a reply, a note, a reason), held in memory only."""

    kind: str
    roles: frozenset[StaffRole]
    handler: TextCallback
    target: uuid.UUID
    expires_at: datetime
    max_length: int
    extra: dict[str, str] = field(default_factory=dict)


# --- ids in buttons ---


def short(value: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(value.bytes).decode().rstrip("=")


def unshort(text: str) -> uuid.UUID | None:
    try:
        raw = base64.urlsafe_b64decode(text + "==")
        return uuid.UUID(bytes=raw) if len(raw) == 16 else None
    except ValueError:
        return None


def button(label: str, *parts: str | uuid.UUID) -> InlineKeyboardButton:
    data = PREFIX + ":".join(short(p) if isinstance(p, uuid.UUID) else p for p in parts)
    assert len(data.encode()) <= 64, "callback data longer than Telegram allows"
    return InlineKeyboardButton(label, callback_data=data)


# --- the check ---


async def current_staff(update: Update, context: Context) -> StaffUser | None:
    """The active staff member behind this update, read from the database now."""
    user = update.effective_user
    if user is None:
        return None
    svc = services(context)
    async with svc.db.session() as session:
        member = await staff.find_active(session, svc.keyring, user.id)
    if member is None:
        return None
    return StaffUser(member.id, StaffRole(member.role), user.id)


async def refuse(update: Update, context: Context) -> None:
    """What anyone without the role sees: the same as for a command the bot does not know."""
    t = translation(update, context)
    text = t._("I did not understand that. Send /help to see what I can do.")
    if update.callback_query is not None:
        try:
            await update.callback_query.answer(text)
        except TelegramError as exc:
            log.info("a refused button press could not be answered: %s", type(exc).__name__)
        return
    if update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, text)


async def allowed(update: Update, context: Context, roles: frozenset[StaffRole]) -> StaffUser | None:
    """The staff member if they hold one of `roles` and act in their own private chat; else they
    get the unknown-command answer (a group, or a chat that is not theirs, learns nothing)."""
    if not own_private_chat(update):
        await refuse(update, context)
        return None
    member = await current_staff(update, context)
    if member is None or member.role not in roles:
        if member is not None:
            log.info("staff member %s lacks the role for this action", member.id)
        await refuse(update, context)
        return None
    return member


def guarded_command(command: StaffCommand) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
    async def run(update: Update, context: Context) -> None:
        member = await allowed(update, context, command.roles)
        if member is None:
            return
        pending(context).pop(member.telegram_id, None)  # a new command ends an unfinished answer
        await command.handler(update, context, member, list(context.args or []))

    return run


def guarded_buttons(buttons: list[StaffButton]) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
    """One callback handler for every `st:` button: the check first, then the button's handler."""
    by_prefix = {b.prefix: b for b in buttons}

    async def run(update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        parts = (query.data or "").removeprefix(PREFIX).split(":")
        found = by_prefix.get(":".join(parts[:2]))
        roles = found.roles if found is not None else ALL_STAFF
        member = await allowed(update, context, roles)
        if member is None:
            return
        if found is None:
            await query.answer(translation(update, context)._("This button no longer works."))
            return
        await found.handler(update, context, member, parts[2:])

    return run


# --- typed answers ---


def pending(context: Context) -> dict[int, Pending]:
    found = context.bot_data.get(PENDING_KEY)
    if not isinstance(found, dict):
        found = context.bot_data[PENDING_KEY] = {}
    return cast(dict[int, Pending], found)


def expect_text(context: Context, member: StaffUser, waiting: Pending) -> None:
    pending(context)[member.telegram_id] = waiting


async def typed_answer(update: Update, context: Context) -> None:
    """A text while a staff member owes an answer: checked like a command, then handled; else ignored."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None or message.text is None:
        return
    waiting = pending(context).get(user.id)
    if waiting is None:
        return
    svc = services(context)
    if svc.clock() > waiting.expires_at:
        pending(context).pop(user.id, None)
        return
    text = message.text.strip()
    if text.startswith("/"):
        pending(context).pop(user.id, None)
        if text.split()[0].split("@")[0] == "/cancel":
            t = translation(update, context)
            await context.bot.send_message(message.chat_id, t._("Stopped."))
            raise ApplicationHandlerStop
        return  # another command: it goes on to its own handler
    member = await allowed(update, context, waiting.roles)
    if member is None:
        pending(context).pop(user.id, None)
        raise ApplicationHandlerStop
    t = translation(update, context)
    if not text:
        await context.bot.send_message(
            message.chat_id, t._("Please answer in a few words, or send /cancel to stop.")
        )
        raise ApplicationHandlerStop
    if len(text) > waiting.max_length:
        await context.bot.send_message(
            message.chat_id,
            t.ngettext(
                "That is too long: at most {limit} character. Send a shorter text, or /cancel.",
                "That is too long: at most {limit} characters. Send a shorter text, or /cancel.",
                waiting.max_length,
            ).format(limit=waiting.max_length),
        )
        raise ApplicationHandlerStop
    pending(context).pop(user.id, None)
    await waiting.handler(update, context, member, waiting, text)
    raise ApplicationHandlerStop


def role_label(t: Translation, role: StaffRole) -> str:
    labels = {
        StaffRole.ADMINISTRATOR: t._("administrator"),
        StaffRole.LIAISON: t._("liaison staff"),
        StaffRole.TASK_TEAM: t._("task team"),
    }
    return labels[role]
