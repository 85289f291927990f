"""Sending outbox rows through python-telegram-bot, paced by `scheduler.rate_limits`.

Errors are sorted into what the outbox does next: 429 waits `retry_after` for that chat
only; 403 and "chat not found" make the address unreachable; 5xx, dropped connections and
timeouts before the request left are retried with backoff; a timeout after the request left
is `unknown` (it may have been delivered).
"""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from scheduler.outbox import Outcome, OutcomeKind
from scheduler.rate_limits import TelegramLimiter
from scheduler.senders import Message

LOGGER = logging.getLogger(__name__)
CAPTION_LIMIT = 1024
_UNREACHABLE_TEXTS = ("chat not found", "user not found", "peer_id_invalid", "user is deactivated")
# A timeout while connecting or waiting for a pooled connection: the request never left.
_NOT_SENT_TIMEOUTS = (httpx.ConnectTimeout, httpx.PoolTimeout)


def retry_seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def classify(error: Exception) -> Outcome:
    """The outcome of a failed Bot API call."""
    if isinstance(error, RetryAfter):
        # A timedelta once PTB_TIMEDELTA is set (the entry points opt in), a number before.
        seconds = retry_seconds(error.retry_after)
        return Outcome(OutcomeKind.RATE_LIMITED, "retry_after", seconds)
    if isinstance(error, Forbidden):
        return Outcome(OutcomeKind.UNREACHABLE, "blocked")
    if isinstance(error, BadRequest):
        text = error.message.lower()
        if any(marker in text for marker in _UNREACHABLE_TEXTS):
            return Outcome(OutcomeKind.UNREACHABLE, "chat_not_found")
        return Outcome(OutcomeKind.PERMANENT, "bad_request")
    if isinstance(error, TimedOut):
        if isinstance(error.__cause__, _NOT_SENT_TIMEOUTS):
            return Outcome(OutcomeKind.TRANSIENT, "connect_timeout")
        return Outcome(OutcomeKind.UNKNOWN, "timeout")
    if isinstance(error, NetworkError):
        return Outcome(OutcomeKind.TRANSIENT, "network")
    if isinstance(error, TelegramError):
        return Outcome(OutcomeKind.TRANSIENT, "telegram")
    return Outcome(OutcomeKind.TRANSIENT, type(error).__name__[:48])


class TelegramSender:
    channel = "telegram"

    def __init__(
        self, bot: Bot, limiter: TelegramLimiter, *, concurrency: int, timeout: float, own_bot: bool = False
    ) -> None:
        self.bot = bot
        self.limiter = limiter
        self.concurrency = concurrency
        self.timeout = timeout
        self._own_bot = own_bot

    async def start(self) -> None:
        if self._own_bot:
            await self.bot.initialize()

    async def close(self) -> None:
        if self._own_bot:
            await self.bot.shutdown()

    async def ready(self, message: Message, deadline: float | None = None) -> float | None:
        if message.address.lstrip("-").isdigit():
            return await self.limiter.wait_turn(int(message.address), deadline)
        return None

    async def send(self, message: Message) -> Outcome:
        try:
            chat_id = int(message.address)
        except ValueError:
            return Outcome(OutcomeKind.PERMANENT, "bad_address")
        await self.limiter.going_out(chat_id)
        try:
            await self._call(chat_id, message)
        except TelegramError as error:
            outcome = classify(error)
            if outcome.kind is OutcomeKind.RATE_LIMITED and outcome.retry_after is not None:
                self.limiter.pause_chat(chat_id, outcome.retry_after)
            return outcome
        return Outcome(OutcomeKind.SENT)

    async def _call(self, chat_id: int, message: Message) -> None:
        wait = self.timeout
        protect = message.protect_content
        if message.attachment is None:
            await self.bot.send_message(
                chat_id=chat_id,
                text=message.body,
                protect_content=protect,
                read_timeout=wait,
                write_timeout=wait,
                connect_timeout=wait,
                pool_timeout=wait,
            )
            return
        filename, content, _mime = message.attachment
        caption: str | None = message.body
        if len(message.body) > CAPTION_LIMIT:
            # Too long for a caption: the text, then the file. A retry after a failure between the
            # two repeats the text, which is the lesser harm than losing the file.
            await self.bot.send_message(
                chat_id=chat_id,
                text=message.body,
                protect_content=protect,
                read_timeout=wait,
                write_timeout=wait,
                connect_timeout=wait,
                pool_timeout=wait,
            )
            caption = None
        await self.bot.send_document(
            chat_id=chat_id,
            document=content,
            filename=filename,
            caption=caption,
            protect_content=protect,
            read_timeout=wait,
            write_timeout=wait,
            connect_timeout=wait,
            pool_timeout=wait,
        )
