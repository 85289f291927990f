"""The staff console in Telegram: triage, registration review, submissions, statistics.

Every command and button of the console is declared in one of the modules below and
registered here only through the role check of `access` (on every call). `/staff`
lists what the staff member's role may use.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.handlers.staff import access, cases, events, inbox, proposals, review, stats, submissions
from bot.handlers.staff.access import ALL_STAFF, StaffButton, StaffCommand, StaffUser
from bot.i18n import N_
from bot.services import Context, translation

# Typed answers (a reply, a note, a reason) are taken before any dialog sees the text,
# after the /panic and receipt guards of the reports feature (groups -20 to -10).
TYPED_ANSWER_GROUP = -5


async def staff_help(update: Update, context: Context, member: StaffUser, _args: list[str]) -> None:
    t = translation(update, context)
    lines = [t._("Staff commands for your role ({role}):").format(role=access.role_label(t, member.role))]
    lines += [
        f"{t.isolated('/' + c.name)} — {t._(c.description)}" for c in all_commands() if member.role in c.roles
    ]
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, "\n".join(lines))


HELP = StaffCommand("staff", ALL_STAFF, staff_help, N_("What the staff console offers you"))


def all_commands() -> list[StaffCommand]:
    """Every staff command, for registration, /staff and the tests that try each as a stranger."""
    from bot.web import chat as web_chat  # the browser console's sign-in link

    return [
        HELP,
        *cases.COMMANDS,
        *review.COMMANDS,
        *events.COMMANDS,
        *submissions.COMMANDS,
        *stats.COMMANDS,
        *inbox.COMMANDS,
        *proposals.COMMANDS,
        *web_chat.COMMANDS,
    ]


def all_buttons() -> list[StaffButton]:
    return [
        *cases.BUTTONS,
        *review.BUTTONS,
        *events.BUTTONS,
        *submissions.BUTTONS,
        *stats.BUTTONS,
        *inbox.BUTTONS,
        *proposals.BUTTONS,
    ]


def install(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(
        MessageHandler(filters.TEXT & filters.ChatType.PRIVATE, access.typed_answer), group=TYPED_ANSWER_GROUP
    )
    for command in all_commands():
        app.add_handler(CommandHandler(command.name, access.guarded_command(command)))
    app.add_handler(CallbackQueryHandler(access.guarded_buttons(all_buttons()), pattern=f"^{access.PREFIX}"))
