"""Choosing the language Liaison writes in: at /start, and any time with /language."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.keyboards import LANGUAGE_PREFIX, language_keyboard
from bot.services import LANGUAGE_KEY, Context, services, translation
from bot.settings import LANGUAGES
from storage.repositories import people


async def ask_language(update: Update, context: Context) -> None:
    """Shows the language picker, prompting in the best guess of the person's language."""
    t = translation(update, context)
    assert update.effective_chat is not None
    await context.bot.send_message(
        update.effective_chat.id, t._("Choose your language."), reply_markup=language_keyboard()
    )


async def language_command(update: Update, context: Context) -> None:
    await ask_language(update, context)


async def choose_language(update: Update, context: Context) -> None:
    """The person picked a language: keep it, and tell them in that language."""
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_user is not None
    code = query.data.removeprefix(LANGUAGE_PREFIX)
    if code not in LANGUAGES:
        await query.answer()
        return
    assert context.user_data is not None
    context.user_data[LANGUAGE_KEY] = code
    svc = services(context)
    async with svc.db.session() as session:
        person = await people.find_by_telegram(session, svc.keyring, update.effective_user.id)
        if person is not None:
            person.language = code
    await query.answer()
    t = translation(update, context)
    await query.edit_message_text(t._("From now on I will write to you in English."))


def install(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("language", language_command))
    app.add_handler(CallbackQueryHandler(choose_language, pattern=f"^{LANGUAGE_PREFIX}"))
