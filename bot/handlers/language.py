"""Choosing the language Liaison writes in: at /start, and any time with /language."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.keyboards import LANGUAGE_PREFIX, language_keyboard
from bot.services import LANGUAGE_KEY, Context, services, translation
from bot.settings import LANGUAGES
from storage.repositories import people


def language_question(update: object, context: Context) -> tuple[str, InlineKeyboardMarkup]:
    """The question in all six languages and the picker, both led by the best guess: the saved
    choice, else the Telegram app's language when it is one of the six, else the default."""
    guess = translation(update, context).language
    return services(context).translator.language_question(guess), language_keyboard(guess)


async def ask_language(update: Update, context: Context) -> None:
    """Shows the language picker."""
    assert update.effective_chat is not None
    text, keyboard = language_question(update, context)
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=keyboard)


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
