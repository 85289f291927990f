"""/web in a staff member's private chat: a single-use sign-in link for the browser console.

`/web off` signs the staff member out of every browser at once (a lost laptop, a shared
computer). The link is sent with content protection and without a preview.
"""

from __future__ import annotations

import logging

from telegram import LinkPreviewOptions, Update

from bot.handlers.staff.access import ALL_STAFF, StaffCommand, StaffUser
from bot.i18n import N_
from bot.services import Context, services, translation
from bot.web import sessions
from bot.web.console import WEB_KEY, WebConsole
from storage.repositories import people

LOGGER = logging.getLogger(__name__)


async def web_link(update: Update, context: Context, member: StaffUser, args: list[str]) -> None:
    t = translation(update, context)
    svc = services(context)
    console = context.bot_data.get(WEB_KEY)
    assert update.effective_chat is not None
    chat_id = update.effective_chat.id
    if not isinstance(console, WebConsole):
        await context.bot.send_message(chat_id, t._("The staff console in the browser is not running."))
        return
    now = svc.clock()
    if args and args[0].lower() == "off":
        async with svc.db.session() as session:
            ended = await sessions.sign_out_everywhere(session, member.id, now=now)
        LOGGER.info("staff member %s signed out of %d browser sessions", member.id, ended)
        await context.bot.send_message(
            chat_id, t._("You are signed out of the staff console in every browser.")
        )
        return
    async with svc.db.session() as session:
        person = await people.find_by_telegram(session, svc.keyring, member.telegram_id)
        token = await sessions.issue_link(
            session,
            console.settings,
            member.id,
            language=t.language,
            time_zone=person.time_zone if person is not None else None,
            now=now,
        )
    minutes = int(console.settings.link_lifetime.total_seconds() // 60)
    text = t.ngettext(
        "Open this link within {minutes} minute to sign in to the staff console. It works once.\n{link}",
        "Open this link within {minutes} minutes to sign in to the staff console. It works once.\n{link}",
        minutes,
    ).format(minutes=minutes, link=console.sign_in_url(token))
    await context.bot.send_message(
        chat_id, text, protect_content=True, link_preview_options=LinkPreviewOptions(is_disabled=True)
    )


COMMANDS = (
    StaffCommand(
        "web", ALL_STAFF, web_link, N_("Sign in to the staff console in your browser (/web off: sign out)")
    ),
)
