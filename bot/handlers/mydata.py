"""/mydata sends everything Liaison holds about the person as a file; /forget erases it after a yes."""

from __future__ import annotations

import json

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ConversationHandler

from bot.handlers.onboarding.states import chat_id, find_person, user_id
from bot.persistence import DatabasePersistence
from bot.services import Context, services, translation
from storage.repositories import profiles

FORGET_YES = "forget:yes"
FORGET_NO = "forget:no"
EXPORT_NAME = "liaison-my-data.json"


async def mydata_command(update: Update, context: Context) -> None:
    t = translation(update, context)
    svc = services(context)
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        held = {} if person is None else await profiles.export(session, person.id)
    dialog = {key: value for key, value in (context.user_data or {}).items() if value}
    if not held and not dialog:
        await context.bot.send_message(chat_id(update), t._("I hold no data about you."))
        return
    held["dialog_in_progress"] = dialog
    content = json.dumps(held, ensure_ascii=False, indent=2, default=str).encode()
    await context.bot.send_document(
        chat_id(update),
        InputFile(content, filename=EXPORT_NAME),
        caption=t._("This file holds everything I keep about you."),
    )


async def forget_command(update: Update, context: Context) -> None:
    t = translation(update, context)
    await context.bot.send_message(
        chat_id(update),
        t._(
            "This erases your profile, your addresses, your consents, your balance answers and your "
            "subscriptions. Your registrations only remain as anonymous counts. This cannot be undone. "
            "Erase everything?"
        ),
        reply_markup=InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(t._("Yes, erase everything"), callback_data=FORGET_YES)],
                [InlineKeyboardButton(t._("No, keep my data"), callback_data=FORGET_NO)],
            ]
        ),
    )


async def forget_declined(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    t = translation(update, context)
    await query.answer()
    await query.edit_message_text(t._("Nothing was erased."))


async def forget_confirmed(update: Update, context: Context) -> object:
    """Erase, then say what was erased. Also ends any dialog in progress (it is a fallback there)."""
    query = update.callback_query
    assert query is not None
    t = translation(update, context)  # before the language choice is erased too
    svc = services(context)
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        erasure = profiles.Erasure() if person is None else await profiles.forget(session, person.id)
    persistence = context.application.persistence
    if isinstance(persistence, DatabasePersistence):
        await persistence.forget_person(user_id(update))
    context.application.drop_user_data(user_id(update))
    await query.answer()
    lines = [t._("Erased:")]
    if erasure.profile:
        lines.append(t._("your profile"))
        lines.append(t._("addresses: {count}").format(count=erasure.addresses))
        lines.append(t._("consent records: {count}").format(count=erasure.consents))
        if erasure.balance_data:
            lines.append(t._("your balance answers"))
        lines.append(t._("subscriptions: {count}").format(count=erasure.subscriptions))
        if erasure.registrations_anonymised:
            lines.append(
                t._("registrations now anonymous counts: {count}").format(
                    count=erasure.registrations_anonymised
                )
            )
        if erasure.submissions:
            lines.append(t._("written submissions: {count}").format(count=erasure.submissions))
        if erasure.questions:
            lines.append(t._("questions to the office: {count}").format(count=erasure.questions))
        if erasure.event_proposals:
            lines.append(t._("events you proposed: {count}").format(count=erasure.event_proposals))
    lines.append(t._("your language choice and unfinished dialogs"))
    lines.append(t._("Nothing else of yours remains. Send /start to begin again."))
    await query.edit_message_text("\n".join(lines))
    return ConversationHandler.END


def install(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("mydata", mydata_command))
    app.add_handler(CommandHandler("forget", forget_command))
    app.add_handler(CallbackQueryHandler(forget_confirmed, pattern=f"^{FORGET_YES}$"))
    app.add_handler(CallbackQueryHandler(forget_declined, pattern=f"^{FORGET_NO}$"))
