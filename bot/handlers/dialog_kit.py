"""The helpers every button dialog repeats, written once: its draft, its language, its buttons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, Update

from bot.handlers.events import person_translation
from bot.i18n import Translation
from bot.services import Context, services


@dataclass(frozen=True)
class DialogKit:
    """One dialog's draft (in `user_data[draft_key]`) and its button data (`prefix:step:value`)."""

    draft_key: str
    prefix: str
    language_field: str = "ui"  # the draft field holding the language the dialog speaks

    def draft(self, context: Context) -> dict[str, Any]:
        assert context.user_data is not None
        found: dict[str, Any] = context.user_data.setdefault(self.draft_key, {})
        return found

    def translation(self, update: Update, context: Context) -> Translation:
        """The dialog's language once chosen in the draft, else the person's."""
        language = self.draft(context).get(self.language_field)
        if language:
            return services(context).translator.get(language)
        return person_translation(update, context, None)

    def button(self, label: str, step: str, value: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=f"{self.prefix}:{step}:{value}")

    def back(self, t: Translation, target: str) -> InlineKeyboardButton:
        """◀ Back to the step `target`, keeping what was typed."""
        return self.button(t._("◀ Back"), BACK, target)


BACK = "back"  # the step of every ◀ Back button
