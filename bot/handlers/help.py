"""/help: what a person can do, in their language."""

from __future__ import annotations

from telegram import BotCommand, Update
from telegram.ext import Application, CommandHandler

from bot.i18n import N_, Translation
from bot.services import Context, translation

# Command name → description; the menu Telegram shows beside the text box, per language.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Start again")),
    ("help", N_("What I can do")),
    ("language", N_("Change language")),
    ("profile", N_("See or change your profile")),
    ("languages", N_("The languages you speak")),
    ("reach", N_("Telegram first, email first, or both")),
    ("events", N_("Upcoming events and registration")),
    ("registrations", N_("See, change or withdraw your registrations")),
    ("calendar", N_("Your regional calendar, to add to your own")),
    ("mute", N_("Turn reminders of an event off or on")),
    ("submit", N_("Send a written submission")),
    ("ask", N_("Ask the liaison office a question")),
    ("faq", N_("Questions people often ask")),
    ("share_event", N_("Propose your organisation's event for the calendar")),
    ("consent", N_("See or withdraw your consents")),
    ("mydata", N_("Get all your data as a file")),
    ("forget", N_("Erase all your data")),
    ("report", N_("Report a threat or a grievance in confidence")),
    ("followup", N_("Check a report with your receipt code")),
    ("panic", N_("Clear this chat at once")),
    ("cancel", N_("Stop what you are doing")),
)


def command_menu(t: Translation) -> list[BotCommand]:
    return [BotCommand(name, t._(description)) for name, description in COMMANDS]


async def help_command(update: Update, context: Context) -> None:
    t = translation(update, context)
    lines = [t._("Here is what I can do:")]
    lines += [f"{t.isolated('/' + name)} — {t._(description)}" for name, description in COMMANDS]
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, "\n".join(lines))


def install(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("help", help_command))
