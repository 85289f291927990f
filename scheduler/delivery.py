"""Wiring of the delivery engine: outbox workers, the HTTP endpoint and broadcast progress.

`install(app, services)` (called by `bot.app.build_application`) starts all of it with the
bot and stops it before the bot shuts down. `liaison worker` runs the workers alone, for
extra processes on a shared PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram import Bot
from telegram.ext import Application
from telegram.request import HTTPXRequest

from bot.i18n import Translator
from bot.lifecycle import lifecycle
from bot.settings import Settings
from scheduler import links
from scheduler.clock import Clock
from scheduler.delivery_settings import DeliverySettings
from scheduler.link_hooks import UNSUBSCRIBE_PURPOSE, LinkHooks, unsubscribe_url
from scheduler.metrics import DeliveryMetrics
from scheduler.outbox import WAKE_INFO_KEY
from scheduler.rate_limits import ChatPacing, TelegramLimiter
from scheduler.senders import Message
from scheduler.senders.registry import SenderContext, build_senders
from scheduler.senders.telegram import TelegramSender
from scheduler.workers import OutboxWorkers
from storage.db import Database

if TYPE_CHECKING:
    from scheduler.http import DeliveryHttp
    from scheduler.senders.email import EmailSender

LOGGER = logging.getLogger(__name__)
DELIVERY_KEY = "delivery"

# Called every `progress_seconds` while the engine runs (broadcast progress messages).
Ticker = Callable[["DeliveryEngine"], Any]


def telegram_bot(token: str, base_url: str, settings: DeliverySettings) -> Bot:
    """A Bot of its own for the outbox: its connection pool sized to the send concurrency."""
    request = HTTPXRequest(
        connection_pool_size=settings.telegram_concurrency,
        read_timeout=settings.telegram_timeout_seconds,
        write_timeout=settings.telegram_timeout_seconds,
        connect_timeout=settings.telegram_timeout_seconds,
        pool_timeout=settings.telegram_timeout_seconds,
    )
    # `base_url` already holds the token (it is what Bot.base_url returns).
    return Bot(token, base_url=lambda _token: base_url, request=request)


def telegram_sender(
    bot: Bot, settings: Settings, delivery: DeliverySettings, *, own_bot: bool
) -> TelegramSender:
    rate = None if delivery.telegram_unlimited else settings.telegram_rate
    pacing = ChatPacing(
        private_interval=delivery.private_chat_interval, group_interval=delivery.group_chat_interval
    )
    return TelegramSender(
        bot,
        TelegramLimiter(rate, pacing),
        concurrency=delivery.telegram_concurrency,
        timeout=delivery.telegram_timeout_seconds,
        own_bot=own_bot,
    )


def email_sender(settings: Settings, delivery: DeliverySettings, db: Database) -> EmailSender | None:
    if not settings.smtp_host:
        return None
    from scheduler.senders.email import EmailSender  # aiosmtplib, only where email is set up

    def link(message: Message) -> str:
        token = links.sign(db.keyring, UNSUBSCRIBE_PURPOSE, message.address_id)
        return unsubscribe_url(settings.public_base_url, token)

    return EmailSender(settings, connections=delivery.email_connections, unsubscribe_url=link)


@dataclass
class DeliveryEngine:
    """Everything the delivery feature runs in one process."""

    settings: Settings
    delivery: DeliverySettings
    db: Database
    clock: Clock
    translator: Translator
    metrics: DeliveryMetrics = field(default_factory=DeliveryMetrics)
    hooks: LinkHooks = field(default_factory=LinkHooks)
    tickers: list[Ticker] = field(default_factory=list)
    workers: OutboxWorkers | None = None
    http: DeliveryHttp | None = None
    _ticking: asyncio.Task[None] | None = None
    # Progress messages are edited by the ticker and by a cancel; one at a time, so a stale
    # "sending" edit can never land after the "cancelled" one.
    progress_edits: asyncio.Lock = field(default_factory=asyncio.Lock)

    def wake(self) -> None:
        if self.workers is not None:
            self.workers.wake()

    def recording_problem(self) -> str | None:
        """Why outcomes cannot be recorded now, in words; None when they can."""
        return None if self.workers is None else self.workers.health.reason

    def cancelled(self, broadcast_id: uuid.UUID) -> None:
        """A broadcast was cancelled in this process: skip its rows in flight at once."""
        if self.workers is not None:
            self.workers.cancelled.add(broadcast_id)

    async def start(self, bot: Bot, *, own_bot: bool, serve_http: bool = True) -> None:
        senders = build_senders(SenderContext(bot, own_bot, self.settings, self.delivery, self.db))
        self.workers = OutboxWorkers(self.db, senders, self.delivery, clock=self.clock, metrics=self.metrics)
        await self.workers.start()
        self.db.sessions.kw.setdefault("info", {})[WAKE_INFO_KEY] = self.wake
        if serve_http and self.delivery.http_enabled:
            # Imported only when served: `liaison worker` runs without it and without aiohttp.
            from scheduler.http import DeliveryHttp

            http = DeliveryHttp(
                db=self.db,
                translator=self.translator,
                metrics=self.metrics,
                clock=self.clock,
                hooks=self.hooks,
                recording_problem=self.recording_problem,
            )
            try:
                await http.start(self.settings.http_host, self.settings.http_port)
            except OSError:
                # The bot and its deliveries matter more than the endpoint; say so and go on.
                LOGGER.error(
                    "the HTTP endpoint could not listen on %s:%s (port in use?); unsubscribe links "
                    "and /metrics are unavailable",
                    self.settings.http_host,
                    self.settings.http_port,
                )
            else:
                self.http = http
        if self.tickers:
            self._ticking = asyncio.create_task(self._tick(), name="delivery-ticker")

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.delivery.progress_seconds)
            for ticker in self.tickers:
                try:
                    await ticker(self)
                except Exception as error:  # one bad tick must not stop the others
                    LOGGER.warning("delivery ticker failed (%s)", type(error).__name__)

    async def stop(self) -> None:
        if self._ticking is not None:
            self._ticking.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticking
            self._ticking = None
        info = self.db.sessions.kw.get("info", {})
        if info.get(WAKE_INFO_KEY) == self.wake:
            info.pop(WAKE_INFO_KEY, None)
        if self.http is not None:
            await self.http.stop()
            self.http = None
        if self.workers is not None:
            await self.workers.stop()
            self.workers = None


def delivery(app: Application) -> DeliveryEngine:  # type: ignore[type-arg]
    found = app.bot_data[DELIVERY_KEY]
    assert isinstance(found, DeliveryEngine)
    return found


def install(app: Application, services: Any, settings: DeliverySettings | None = None) -> DeliveryEngine:  # type: ignore[type-arg]
    """Run the outbox workers and the HTTP endpoint beside the bot."""
    from bot.services import Services

    assert isinstance(services, Services)
    engine = DeliveryEngine(
        settings=services.settings,
        delivery=settings or DeliverySettings(),
        db=services.db,
        clock=services.clock,
        translator=services.translator,
    )
    app.bot_data[DELIVERY_KEY] = engine

    async def start(application: Application) -> None:  # type: ignore[type-arg]
        bot = telegram_bot(application.bot.token, application.bot.base_url, engine.delivery)
        await engine.start(bot, own_bot=True)

    async def stop(application: Application) -> None:  # type: ignore[type-arg]
        await engine.stop()

    lifecycle(app).on_start(start)
    lifecycle(app).on_stop(stop)
    return engine
