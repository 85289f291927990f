"""Inline keyboards shared by several dialogs."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import language_name
from bot.settings import LANGUAGES

LANGUAGE_PREFIX = "lang:"


def language_keyboard(first: str | None = None) -> InlineKeyboardMarkup:
    """Each language named in itself, two per row so the names fit a small screen; the best guess
    (the language of the person's Telegram app, when it is one of ours) first."""
    order = [first, *(code for code in LANGUAGES if code != first)] if first in LANGUAGES else list(LANGUAGES)
    buttons = [
        InlineKeyboardButton(language_name(code), callback_data=LANGUAGE_PREFIX + code) for code in order
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])
