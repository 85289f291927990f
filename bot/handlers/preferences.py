"""/languages and /reach: the languages a person speaks and the order to reach them in (R2).

/languages shows the six languages as buttons to tick; others are added by name
(`/languages Swahili, Tagalog`), found through Babel's names in any of the six languages.
/reach chooses Telegram first, email first, or both; the notices service follows it
(`scheduler.channels.preferred`).
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.handlers.events import chat_id, find_person, person_translation
from bot.i18n import N_, Translation, language_name
from bot.reference.languages import MAX_SPOKEN, find_language, language_label
from bot.services import Context, services
from bot.settings import LANGUAGES
from storage.models import ChannelPreference, Person
from storage.repositories import profiles

LANG_PREFIX = "pref:l:"
REACH_PREFIX = "pref:r:"

REACH_LABELS: dict[str, str] = {
    ChannelPreference.TELEGRAM_FIRST.value: N_("Telegram first, email if the chat cannot reach me"),
    ChannelPreference.EMAIL_FIRST.value: N_("Email first, Telegram if email cannot reach me"),
    ChannelPreference.BOTH.value: N_("Both Telegram and email"),
}


def _spoken_text(t: Translation, spoken: list[str]) -> str:
    names = ", ".join(language_label(code, t.language) for code in spoken) or "—"
    return t._("Languages you speak: {languages}").format(languages=names)


def _language_rows(spoken: list[str]) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            ("✓ " if code in spoken else "") + language_name(code), callback_data=LANG_PREFIX + code
        )
        for code in LANGUAGES
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


async def _person(
    update: Update, context: Context
) -> tuple[Person | None, Translation, list[str], str | None]:
    svc = services(context)
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        prefs = None if person is None else await profiles.preferences(session, person.id)
    t = person_translation(update, context, person)
    return person, t, list(prefs.languages) if prefs else [], prefs.channels if prefs else None


async def languages_command(update: Update, context: Context) -> None:
    person, t, spoken, _ = await _person(update, context)
    if person is None:
        await context.bot.send_message(chat_id(update), t._("Please set up your profile first: send /start."))
        return
    if context.args:
        names = [name for name in " ".join(context.args).split(",") if name.strip()]
        unknown = [name.strip() for name in names if find_language(name) is None]
        if unknown:
            await context.bot.send_message(
                chat_id(update),
                t._(
                    "I do not know the language {name}. Write its name in English or in the language itself."
                ).format(name=unknown[0]),
            )
            return
        for name in names:
            code = find_language(name)
            if code is not None and code not in spoken:
                spoken.append(code)
        spoken = spoken[:MAX_SPOKEN]
        svc = services(context)
        async with svc.db.session() as session:
            await profiles.set_preferences(session, person.id, languages=spoken, now=svc.clock())
    text = "\n\n".join(
        [
            _spoken_text(t, spoken),
            t._(
                "Tap a language to add or remove it. To add another, send its name like this: /languages Swahili"
            ),
        ]
    )
    await context.bot.send_message(chat_id(update), text, reply_markup=_language_rows(spoken))


async def language_pressed(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    code = (query.data or "").removeprefix(LANG_PREFIX)
    person, t, spoken, _ = await _person(update, context)
    if person is None or code not in LANGUAGES:
        await query.answer(t._("This button no longer works."))
        return
    if code in spoken:
        spoken.remove(code)
    else:
        spoken.append(code)
    svc = services(context)
    async with svc.db.session() as session:
        await profiles.set_preferences(session, person.id, languages=spoken[:MAX_SPOKEN], now=svc.clock())
    await query.answer()
    await query.edit_message_text(
        "\n\n".join(
            [
                _spoken_text(t, spoken),
                t._(
                    "Tap a language to add or remove it. To add another, send its name like this: /languages Swahili"
                ),
            ]
        ),
        reply_markup=_language_rows(spoken),
    )


async def reach_command(update: Update, context: Context) -> None:
    person, t, _, chosen = await _person(update, context)
    if person is None:
        await context.bot.send_message(chat_id(update), t._("Please set up your profile first: send /start."))
        return
    current = chosen or ChannelPreference.TELEGRAM_FIRST.value
    rows = [
        [
            InlineKeyboardButton(
                ("✓ " if value == current else "") + t._(label), callback_data=REACH_PREFIX + value
            )
        ]
        for value, label in REACH_LABELS.items()
    ]
    await context.bot.send_message(
        chat_id(update),
        t._("How should the office reach you? Email is used only once you confirmed it in /profile."),
        reply_markup=InlineKeyboardMarkup(rows),
    )


async def reach_pressed(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    value = (query.data or "").removeprefix(REACH_PREFIX)
    person, t, _, _ = await _person(update, context)
    if person is None or value not in REACH_LABELS:
        await query.answer(t._("This button no longer works."))
        return
    svc = services(context)
    async with svc.db.session() as session:
        await profiles.set_preferences(session, person.id, channels=value, now=svc.clock())
    await query.answer()
    await query.edit_message_text(t._("Saved: {choice}.").format(choice=t._(REACH_LABELS[value])))


def install(app: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("languages", languages_command, private))
    app.add_handler(CommandHandler("reach", reach_command, private))
    app.add_handler(CallbackQueryHandler(language_pressed, pattern=f"^{LANG_PREFIX}"))
    app.add_handler(CallbackQueryHandler(reach_pressed, pattern=f"^{REACH_PREFIX}"))
