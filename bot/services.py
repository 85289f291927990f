"""What every handler needs, wired once by the application factory and reached through `bot_data`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

from bot.i18n import Translation, Translator
from bot.report_settings import ReportSettings
from bot.settings import Settings
from scheduler.clock import Clock
from scheduler.notices import Notices
from storage.crypto.keyring import Keyring
from storage.crypto.report_keys import StaffKeyVault
from storage.db import Database

SERVICES_KEY = "services"
LANGUAGE_KEY = "language"

if TYPE_CHECKING:
    from telegram.ext import CallbackContext

# A name for type hints only, so that the CLI, which opens services but runs no bot, does not
# load python-telegram-bot.
Context: TypeAlias = "CallbackContext[Any, Any, Any, Any]"


@dataclass(frozen=True)
class Services:
    settings: Settings
    db: Database
    translator: Translator
    clock: Clock
    # Confidential reports: their settings, and staff keys unlocked in this process's memory only.
    reports: ReportSettings = field(default_factory=ReportSettings)
    vault: StaffKeyVault = field(default_factory=StaffKeyVault)

    @property
    def keyring(self) -> Keyring:
        return self.db.keyring

    @property
    def notices(self) -> Notices:
        return Notices(self.translator)


def services(context: Context) -> Services:
    found = context.bot_data[SERVICES_KEY]
    assert isinstance(found, Services)
    return found


def translation(update: object, context: Context) -> Translation:
    """The person's chosen language, else their Telegram app's language, else the default."""
    saved = context.user_data.get(LANGUAGE_KEY) if context.user_data is not None else None
    from telegram import Update

    telegram_code = None
    if isinstance(update, Update) and update.effective_user is not None:
        telegram_code = update.effective_user.language_code
    return services(context).translator.negotiate(saved, telegram_code)
