"""The senders of every channel, registered in one place.

`DeliveryEngine.start` asks each registered channel for its sender; a channel that is not
configured (email without SMTP) gives None and is simply not drained.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from storage.models import Channel

if TYPE_CHECKING:
    from telegram import Bot

    from bot.settings import Settings
    from scheduler.delivery_settings import DeliverySettings
    from scheduler.senders import Sender
    from storage.db import Database


@dataclass(frozen=True)
class SenderContext:
    """What a channel's sender may be built from."""

    bot: Bot
    own_bot: bool
    settings: Settings
    delivery: DeliverySettings
    db: Database


def _telegram(context: SenderContext) -> Sender | None:
    from scheduler.delivery import telegram_sender

    return telegram_sender(context.bot, context.settings, context.delivery, own_bot=context.own_bot)


def _email(context: SenderContext) -> Sender | None:
    from scheduler.delivery import email_sender

    return email_sender(context.settings, context.delivery, context.db)


SENDERS: dict[str, Callable[[SenderContext], Sender | None]] = {
    Channel.TELEGRAM.value: _telegram,
    Channel.EMAIL.value: _email,
}


def build_senders(context: SenderContext) -> list[Sender]:
    """The sender of every channel that is configured here."""
    built = (factory(context) for factory in SENDERS.values())
    return [sender for sender in built if sender is not None]
