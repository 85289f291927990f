"""Staff report keys: /setpassphrase, /unlock, /lock and /grantcases, in a private chat only.

A passphrase message is deleted the moment it arrives, before anything else happens. An
unlocked key lives only in `Services.vault`, in memory, for `LIAISON_REPORT_UNLOCK_MINUTES`.
Neither passphrases nor conversation states are persisted. These commands are not in the
public menu, and anyone who is not liaison staff gets the same answer as for an unknown command.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import cast

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.handlers.staff.local_time import staff_time_zone
from bot.private_chat import own_private_chat
from bot.services import Context, services, translation
from bot.state_first import DurableConversation
from storage.crypto.report_keys import check_passphrase
from storage.repositories import reports as repo
from storage.repositories import staff

log = logging.getLogger(__name__)

PENDING_KEY = "staff_key_pending"
UNLOCK, NEW_PASSPHRASE, REPEAT_PASSPHRASE = range(3)
MAX_UNLOCK_TRIES = 3


@dataclass
class Pending:
    """Between the two messages of /setpassphrase: the first passphrase, in memory only."""

    staff_id: uuid.UUID
    first: str = field(default="", repr=False)
    tries: int = 0


def pending(context: Context) -> dict[int, Pending]:
    found = context.bot_data.get(PENDING_KEY)
    if not isinstance(found, dict):
        found = context.bot_data[PENDING_KEY] = {}
    return cast(dict[int, Pending], found)


async def _reader_id(update: Update, context: Context) -> uuid.UUID | None:
    """The staff member id of a liaison staff member or administrator in their own private chat, else None."""
    assert update.effective_user is not None
    if not own_private_chat(update):
        return None
    svc = services(context)
    async with svc.db.session() as session:
        member = await staff.find_active(session, svc.keyring, update.effective_user.id)
    if member is None or member.role not in repo.READER_ROLES:
        return None
    return member.id


async def _not_for_you(update: Update, context: Context) -> int:
    t = translation(update, context)
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        t._("I did not understand that. Send /help to see what I can do.")
    )
    return ConversationHandler.END


async def _delete_now(update: Update) -> None:
    """The passphrase message goes first, whatever happens next."""
    message = update.effective_message
    if message is None:
        return
    try:
        await message.delete()
    except TelegramError as exc:
        log.warning("a passphrase message could not be deleted: %s", type(exc).__name__)


async def _reply(update: Update, context: Context, text: str) -> None:
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, text, protect_content=True)


async def unlock_start(update: Update, context: Context) -> int:
    assert update.effective_chat is not None and update.effective_user is not None
    staff_id = await _reader_id(update, context)
    if staff_id is None:
        return await _not_for_you(update, context)
    t = translation(update, context)
    svc = services(context)
    async with svc.db.session() as session:
        has_key = await repo.staff_key(session, staff_id) is not None
    if not has_key:
        await _reply(
            update, context, t._("You have no report key yet. Set a passphrase with /setpassphrase.")
        )
        return ConversationHandler.END
    pending(context)[update.effective_user.id] = Pending(staff_id)
    await _reply(update, context, t._("Send your passphrase. I will delete the message at once."))
    return UNLOCK


async def got_unlock_passphrase(update: Update, context: Context) -> int:
    await _delete_now(update)
    assert update.effective_user is not None and update.effective_message is not None
    t = translation(update, context)
    waiting = pending(context).get(update.effective_user.id)
    if waiting is None:
        return ConversationHandler.END
    svc = services(context)
    async with svc.db.session() as session:
        private = await repo.unlock(session, waiting.staff_id, update.effective_message.text or "")
    if private is None:
        waiting.tries += 1
        log.info("a staff report key failed to unlock")
        if waiting.tries >= MAX_UNLOCK_TRIES:
            pending(context).pop(update.effective_user.id, None)
            await _reply(
                update, context, t._("That passphrase did not open your key. Send /unlock to try again.")
            )
            return ConversationHandler.END
        await _reply(
            update, context, t._("That passphrase did not open your key. Send it again, or /cancel.")
        )
        return UNLOCK
    pending(context).pop(update.effective_user.id, None)
    until = svc.clock() + svc.reports.unlock_period
    svc.vault.put(waiting.staff_id, private, until=until)
    log.info("staff member %s unlocked their report key", waiting.staff_id)
    await _reply(
        update,
        context,
        t._("Unlocked until {time}. Send /lock when you are done.").format(
            time=t.datetime(until, await staff_time_zone(update, context))
        ),
    )
    return ConversationHandler.END


async def set_start(update: Update, context: Context) -> int:
    assert update.effective_chat is not None and update.effective_user is not None
    staff_id = await _reader_id(update, context)
    if staff_id is None:
        return await _not_for_you(update, context)
    t = translation(update, context)
    svc = services(context)
    async with svc.db.session() as session:
        has_key = await repo.staff_key(session, staff_id) is not None
    if has_key and svc.vault.get(staff_id, now=svc.clock()) is None:
        await _reply(update, context, t._("Unlock your key with /unlock first, then change the passphrase."))
        return ConversationHandler.END
    pending(context)[update.effective_user.id] = Pending(staff_id)
    await _reply(
        update,
        context,
        t._(
            "Send a new passphrase of at least {length} characters. I will delete the message at once. "
            "If every staff passphrase is lost, the reports are lost too."
        ).format(length=12),
    )
    return NEW_PASSPHRASE


async def got_new_passphrase(update: Update, context: Context) -> int:
    await _delete_now(update)
    assert update.effective_user is not None and update.effective_message is not None
    t = translation(update, context)
    waiting = pending(context).get(update.effective_user.id)
    if waiting is None:
        return ConversationHandler.END
    passphrase = update.effective_message.text or ""
    problem = check_passphrase(passphrase)
    if problem is not None:
        await _reply(
            update,
            context,
            t._(
                "This passphrase is too weak: use at least {length} characters, not all the same. Send another."
            ).format(length=12),
        )
        return NEW_PASSPHRASE
    waiting.first = passphrase
    await _reply(update, context, t._("Send the same passphrase again to confirm it."))
    return REPEAT_PASSPHRASE


async def got_repeat_passphrase(update: Update, context: Context) -> int:
    await _delete_now(update)
    assert update.effective_user is not None and update.effective_message is not None
    t = translation(update, context)
    waiting = pending(context).pop(update.effective_user.id, None)
    if waiting is None:
        return ConversationHandler.END
    if (update.effective_message.text or "") != waiting.first:
        await _reply(update, context, t._("The two passphrases differ. Send /setpassphrase to start again."))
        return ConversationHandler.END
    svc = services(context)
    now = svc.clock()
    async with svc.db.session() as session:
        row = await repo.staff_key(session, waiting.staff_id)
        if row is None:
            private = await repo.create_staff_key(
                session, waiting.staff_id, waiting.first, svc.reports.passphrase_limits, now=now
            )
            message = t._(
                "Your report key is ready and unlocked. New reports are sealed to it from now on. To read "
                "earlier cases, ask a colleague who is unlocked to send /grantcases."
            )
        else:
            unlocked = svc.vault.get(waiting.staff_id, now=now)
            if unlocked is None:
                await _reply(
                    update, context, t._("Unlock your key with /unlock first, then change the passphrase.")
                )
                return ConversationHandler.END
            await repo.change_passphrase(
                session, row, unlocked, waiting.first, svc.reports.passphrase_limits, now=now
            )
            private = unlocked
            message = t._("Your passphrase is changed.")
    svc.vault.put(waiting.staff_id, private, until=now + svc.reports.unlock_period)
    log.info("staff member %s set a report passphrase", waiting.staff_id)
    await _reply(update, context, message)
    return ConversationHandler.END


async def lock(update: Update, context: Context) -> None:
    staff_id = await _reader_id(update, context)
    if staff_id is None:
        await _not_for_you(update, context)
        return
    services(context).vault.lock(staff_id)
    t = translation(update, context)
    await _reply(update, context, t._("Your report key is locked."))


async def grant(update: Update, context: Context) -> None:
    """/grantcases: re-seal every case this unlocked staff member holds to colleagues who lack it."""
    assert update.effective_chat is not None
    staff_id = await _reader_id(update, context)
    if staff_id is None:
        await _not_for_you(update, context)
        return
    t = translation(update, context)
    svc = services(context)
    private = svc.vault.get(staff_id, now=svc.clock())
    if private is None:
        await _reply(update, context, t._("Unlock your key with /unlock first."))
        return
    async with svc.db.session() as session:
        result = await repo.grant_cases(session, staff_id, private, now=svc.clock())
    log.info("staff member %s shared %d cases (%d keys)", staff_id, result.cases, result.keys)
    await _reply(
        update,
        context,
        t.ngettext(
            "Shared {count} case with colleagues who could not read it.",
            "Shared {count} cases with colleagues who could not read them.",
            result.cases,
        ).format(count=result.cases),
    )


async def cancel(update: Update, context: Context) -> int:
    assert update.effective_user is not None
    pending(context).pop(update.effective_user.id, None)
    t = translation(update, context)
    await _reply(update, context, t._("Stopped."))
    return ConversationHandler.END


async def text_needed(update: Update, context: Context) -> object:
    t = translation(update, context)
    await _reply(update, context, t._("Please answer in a few words, or send /cancel to stop."))
    return None


async def timed_out(update: object, context: Context) -> None:
    if isinstance(update, Update) and update.effective_user is not None:
        pending(context).pop(update.effective_user.id, None)


def conversation() -> ConversationHandler:  # type: ignore[type-arg]
    text = filters.TEXT & ~filters.COMMAND
    other = MessageHandler(~filters.COMMAND, text_needed)
    return DurableConversation(
        entry_points=[CommandHandler("unlock", unlock_start), CommandHandler("setpassphrase", set_start)],
        states={
            UNLOCK: [MessageHandler(text, got_unlock_passphrase), other],
            NEW_PASSPHRASE: [MessageHandler(text, got_new_passphrase), other],
            REPEAT_PASSPHRASE: [MessageHandler(text, got_repeat_passphrase), other],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
        },
        fallbacks=[CommandHandler("cancel", cancel)],
        conversation_timeout=300,
        name="staff_keys",
        persistent=False,
        allow_reentry=True,
    )


def install(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(conversation())
    app.add_handler(CommandHandler("lock", lock))
    app.add_handler(CommandHandler("grantcases", grant))
