"""Where staff may act: only in their own private chat with the bot.

Telegram sets `chat.id == from.id` for a private chat. An update whose chat is another
one (a group, or a forged webhook update naming a staff member's account and somebody
else's chat) must not open cases or run staff commands there.
"""

from __future__ import annotations

from telegram import Update


def own_private_chat(update: Update) -> bool:
    """Whether this update comes from a person's private chat with the bot, as that person."""
    user, chat = update.effective_user, update.effective_chat
    return user is not None and chat is not None and chat.type == "private" and chat.id == user.id
