"""The application factory: wiring happens here, once, and every handler is registered in one place."""

from __future__ import annotations

import warnings
from collections import OrderedDict
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ApplicationHandlerStop, TypeHandler
from telegram.request import HTTPXRequest
from telegram.warnings import PTBUserWarning

from bot import errors
from bot.handlers import (
    ask,
    broadcast,
    calendar,
    consent,
    events,
    fallback,
    followup,
    help,
    language,
    my_registrations,
    mydata,
    onboarding,
    panic,
    preferences,
    profile,
    registration,
    report,
    share_event,
    staff,
    staff_keys,
    submission,
)
from bot.handlers.help import command_menu
from bot.i18n import Translator
from bot.lifecycle import LIFECYCLE_KEY, Lifecycle, lifecycle
from bot.persistence import DatabasePersistence, DurableDialogs
from bot.services import SERVICES_KEY, Context, Services
from bot.settings import LANGUAGES, Settings
from bot.state_first import StateFirstRequest
from bot.update_processor import PerPersonUpdateProcessor
from bot.web import install as install_web_console
from scheduler import delivery as delivery_engine
from scheduler.clocks import ClockJob, install_clocks
from scheduler.leadership import Leadership
from storage.repositories import seen_updates

SANDBOX_TOKEN = "123456:SANDBOX-not-a-real-token-for-local-use"
REPLAY_GROUP = -100
RECENT_UPDATES = 10_000


class RecentUpdates:
    """Update ids seen lately, so a webhook delivery that Telegram repeats is handled once."""

    def __init__(self, size: int = RECENT_UPDATES) -> None:
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._size = size

    def first_time(self, update_id: int) -> bool:
        if update_id in self._seen:
            return False
        self._seen[update_id] = None
        if len(self._seen) > self._size:
            self._seen.popitem(last=False)
        return True


# Long polling confirms an update only with the next getUpdates, so a crash right after a reply
# can have Telegram deliver that update again to the next process: in its first moments only,
# and an update handled shortly before that start. (Telegram may number updates afresh after a
# quiet week, so an old record must not drop a new update.)
REDELIVERY_WINDOW = timedelta(minutes=2)
HANDLED_BEFORE_START = timedelta(minutes=10)


def _drop_replays(recent: RecentUpdates, services: Services) -> TypeHandler[Update, Context, None]:
    """Drop an update seen before: in memory; in webhook mode also in the database, so a delivery
    Telegram repeats (or someone replays) after a restart is not handled again; in polling mode
    in the database just after a start, for a dialog step committed before a crash (the step
    records its update with its state, bot/state_first.py)."""
    remember = services.settings.webhook_url is not None
    started = services.clock()

    async def check(update: Update, context: Context) -> None:
        if not recent.first_time(update.update_id):
            raise ApplicationHandlerStop
        if remember:
            async with services.db.session() as session:
                fresh = await seen_updates.first_time(session, update.update_id, now=services.clock())
            if not fresh:
                raise ApplicationHandlerStop
        elif services.clock() - started < REDELIVERY_WINDOW:
            async with services.db.session() as session:
                if await seen_updates.handled(
                    session, update.update_id, since=started - HANDLED_BEFORE_START
                ):
                    raise ApplicationHandlerStop

    return TypeHandler(Update, check)


async def _set_command_menus(app: Application) -> None:  # type: ignore[type-arg]
    translator: Translator = app.bot_data[SERVICES_KEY].translator
    await app.bot.set_my_commands(command_menu(translator.get("en")))
    for code in LANGUAGES:
        await app.bot.set_my_commands(command_menu(translator.get(code)), language_code=code)


async def start_features(app: Application) -> None:  # type: ignore[type-arg]
    """Start what runs beside the bot; call after `app.initialize()` (run_polling is not used)."""
    await lifecycle(app).start(app)


async def stop_features(app: Application) -> None:  # type: ignore[type-arg]
    """Stop it again, in reverse order; call before `app.shutdown()`."""
    await lifecycle(app).stop(app)


def all_clocks() -> list[ClockJob]:
    """Every feature's recurring jobs, registered once at start-up under fixed ids."""
    from scheduler import (
        audit_checkpoints,
        case_reply_outcomes,
        digests,
        escalation,
        invitations,
        reminders,
        report_retention,
    )

    return [
        report_retention.CLOCK,
        escalation.CLOCK,
        reminders.CLOCK,
        digests.CLOCK,
        invitations.CLOCK,
        case_reply_outcomes.CLOCK,
        audit_checkpoints.CLOCK,
    ]


def bot_request_options(settings: Settings) -> dict[str, Any]:
    """The bot's HTTP client to Telegram, sized to the updates handled at once.

    Two connections per update (a tap is acknowledged and its question edited together). Not
    PTB's 256: httpcore looks through every pooled connection on each request, which cost more
    than the sends themselves in a surge. The benchmark's bare baseline takes these options too.
    """
    return {"connection_pool_size": 2 * settings.updates_at_once}


def build_application(
    services: Services,
    *,
    base_url: str | None = None,
    base_file_url: str | None = None,
    persistence_interval: float = 1.0,
    durable_dialogs: bool = True,
) -> Application:  # type: ignore[type-arg]
    """A ready-to-start Application: services in `bot_data`, every feature's handlers installed."""
    # Dialogs track button presses per chat and user on purpose (each button's data names its
    # step), so PTB's advice to track them per message does not apply; keep it off the terminal.
    warnings.filterwarnings("ignore", message=r"If 'per_message=False'", category=PTBUserWarning)
    settings = services.settings
    token = settings.bot_token.get_secret_value() if settings.bot_token else SANDBOX_TOKEN
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url or settings.bot_api_url)
        .base_file_url(base_file_url or settings.bot_file_url)
        .concurrent_updates(PerPersonUpdateProcessor(settings.updates_at_once))
        .persistence(DatabasePersistence(services.db, services.clock, update_interval=persistence_interval))
    )
    if durable_dialogs:
        # A step's next state is committed before the reply that asks it (bot/state_first.py), and what
        # an update changed otherwise before the person's next update (bot/persistence.py);
        # `durable_dialogs=False` keeps only PTB's periodic flush (benchmarks compare the two).
        builder = builder.application_class(DurableDialogs).request(
            StateFirstRequest(**bot_request_options(settings))
        )
    else:
        builder = builder.request(HTTPXRequest(**bot_request_options(settings)))
    app = builder.build()
    app.bot_data[SERVICES_KEY] = services
    hooks = Lifecycle()
    app.bot_data[LIFECYCLE_KEY] = hooks
    hooks.on_start(_set_command_menus)
    install_clocks(app, all_clocks(), services, Leadership(services.db.engine))
    delivery_engine.install(app, services)  # outbox workers and the HTTP endpoint, beside the bot
    install_web_console(app, services)  # the staff console's pages on that endpoint; /web is a staff command

    # Group order matters: replays are dropped before anything else sees them,
    # and the fallback answers only what no feature claimed.
    app.add_handler(_drop_replays(RecentUpdates(), services), group=REPLAY_GROUP)
    panic.install(app)  # its own early groups: notes report dialog messages, /panic before any dialog
    followup.install(app)  # also an early group: a pasted receipt code reaches no other dialog
    report.install(app)
    staff_keys.install(app)
    broadcast.install(app)  # staff only; after delivery_engine.install (it adds a progress ticker)
    staff.install(app)  # the staff console; typed staff answers in an early group of its own
    # Before onboarding: `/start ev_<code>` (an invitation) must reach the registration dialog, not the
    # generic /start; within a group the first matching handler wins.
    registration.install(app)
    submission.install(app)
    share_event.install(app)
    onboarding.install(app)  # before language: its first step takes the language buttons
    mydata.install(app)
    consent.install(app)
    profile.install(app)
    preferences.install(app)  # /languages, /reach
    events.install(app)
    my_registrations.install(app)
    calendar.install(app)  # /calendar, /mute, the add-to-calendar buttons
    language.install(app)
    ask.install(app)  # /ask, /faq and the buttons of the offer the fallback makes
    help.install(app)
    fallback.install(app)
    app.add_error_handler(errors.on_error)
    return app
