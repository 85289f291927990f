"""Reachability of a person's Telegram chat: blocking the bot marks it unreachable, unblocking clears it.

(/profile itself is a step of the onboarding conversation, so editing reuses the same questions.)
"""

from __future__ import annotations

from telegram import ChatMember, Update
from telegram.ext import Application, ChatMemberHandler

from bot.services import Context, services
from storage.repositories import profiles


async def membership_changed(update: Update, context: Context) -> None:
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    status = change.new_chat_member.status
    if status not in (ChatMember.BANNED, ChatMember.MEMBER):
        return
    svc = services(context)
    async with svc.db.session() as session:
        await profiles.set_telegram_reachable(
            session, svc.keyring, change.from_user.id, reachable=status == ChatMember.MEMBER, now=svc.clock()
        )


def install(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(ChatMemberHandler(membership_changed, ChatMemberHandler.MY_CHAT_MEMBER))
