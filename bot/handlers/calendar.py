"""/calendar: the regional calendar in the person's time zone, each event with an "add to calendar"
button that sends its .ics file; /mute: stop (or restart) reminders of one event.

Also writes the bot's username to the database at start-up, for the deep links of
invitations planned by the clock or the CLI.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.application.calendar_feeds import region_feed
from bot.domain.criteria import calendar_note
from bot.domain.event_input import REGIONS
from bot.handlers.events import find_person, person_translation
from bot.i18n import Translation
from bot.lifecycle import lifecycle
from bot.services import SERVICES_KEY, Context, Services, services
from bot.settings import LANGUAGES
from scheduler import ics, reminders
from scheduler.calendar_texts import OBSERVER, deep_link, region_label
from storage.models import Event, EventStatus, Person
from storage.repositories import calendar, profiles, registrations
from storage.repositories import events as events_repo

log = logging.getLogger(__name__)

ICS_PREFIX = "cal:ics:"
MUTE_PREFIX = "cal:mute:"
UNMUTE_PREFIX = "cal:unmute:"
MAX_LISTED = 10
FEED_PATH = "/calendar/{region}.ics"
FEED_PAST_DAYS = 30


def services_of(app: Application) -> Services:  # type: ignore[type-arg]
    found = app.bot_data[SERVICES_KEY]
    assert isinstance(found, Services)
    return found


def _chat(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


def calendar_lines(t: Translation, found: list[Event], time_zone: str | None) -> list[str]:
    lines = []
    for number, event in enumerate(found, start=1):
        line = t._("{when}: {title} — {region}").format(
            when=t.datetime(event.starts_at, time_zone),
            title=event.title(t.language),
            region=region_label(t, event.region),
        )
        if event.status == EventStatus.RESCHEDULED:
            line = t._("{line} (rescheduled)").format(line=line)
        lines.append(f"{number}. {line}")
    return lines


async def calendar_command(update: Update, context: Context) -> None:
    """The coming events of the person's regions (all regions when they follow none)."""
    svc = services(context)
    now = svc.clock()
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        regions = set() if person is None else await profiles.subscriptions(session, person.id, "region")
        found = await calendar.in_regions(session, regions or None, since=now, limit=MAX_LISTED)
    t = person_translation(update, context, person)
    zone = None if person is None else person.time_zone
    if not found:
        await context.bot.send_message(_chat(update), t._("There are no upcoming events in your calendar."))
        return
    heading = t._("Your regional calendar:") if regions else t._("The calendar of all regions:")
    lines = [heading, *calendar_lines(t, found, zone)]
    if zone is None:
        lines.append(t._("Times are in UTC. Set your time zone with /profile."))
    buttons = [
        [
            InlineKeyboardButton(
                t._("Add {number} to my calendar").format(number=n), callback_data=ICS_PREFIX + e.code
            )
        ]
        for n, e in enumerate(found, start=1)
    ]
    await context.bot.send_message(
        _chat(update), "\n".join(lines), reply_markup=InlineKeyboardMarkup(buttons)
    )


async def _registration_kind(session: AsyncSession, event: Event, person: Person | None) -> str | None:
    if person is None:
        return None
    for registration, registered_event in await registrations.for_person(session, person.id):
        if registered_event.id == event.id and registration.status in calendar.LIVE_STATUSES:
            return registration.kind
    return None


async def send_calendar_file(update: Update, context: Context) -> None:
    """The "add to calendar" button: the event's .ics, with the link this person may have."""
    query = update.callback_query
    assert query is not None and query.data is not None
    svc = services(context)
    code = query.data.removeprefix(ICS_PREFIX)
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        event = await events_repo.by_code(session, code) if events_repo.is_valid_code(code) else None
        kind = None if event is None else await _registration_kind(session, event, person)
    t = person_translation(update, context, person)
    await query.answer()
    if event is None:
        await context.bot.send_message(_chat(update), t._("That event no longer exists. Send /calendar."))
        return
    link = (
        deep_link(context.bot.username, event.code)
        if kind is None
        else (event.view_link if kind == OBSERVER else (event.participant_link or event.view_link))
    )
    language = t.language
    zone = None if person is None else person.time_zone
    content = ics.event_file(event, language, link=link, note=calendar_note(event, t, zone))
    await context.bot.send_document(
        _chat(update),
        InputFile(content, filename=ics.filename(event)),
        caption=t._("Open this file to add {title} to your calendar.").format(title=event.title(language)),
    )


async def mute_command(update: Update, context: Context) -> None:
    """The person's coming registrations, each with a button to mute or unmute its reminders."""
    svc = services(context)
    now = svc.clock()
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        rows = [] if person is None else await registrations.for_person(session, person.id)
        silenced = set() if person is None else await calendar.muted_events(session, person.id)
    t = person_translation(update, context, person)
    coming: list[Event] = []
    for registration, event in rows:
        live = registration.status in calendar.LIVE_STATUSES and event.status != EventStatus.CANCELLED
        if live and event.starts_at > now and all(event.id != other.id for other in coming):
            coming.append(event)
    if not coming:
        await context.bot.send_message(_chat(update), t._("You are not registered for any coming event."))
        return
    zone = None if person is None else person.time_zone
    lines = [t._("Reminders of your events:"), *calendar_lines(t, coming[:MAX_LISTED], zone)]
    buttons = []
    for number, event in enumerate(coming[:MAX_LISTED], start=1):
        if event.id in silenced:
            label, data = t._("Turn on reminders for {number}").format(number=number), UNMUTE_PREFIX
        else:
            label, data = t._("Mute reminders for {number}").format(number=number), MUTE_PREFIX
        buttons.append([InlineKeyboardButton(label, callback_data=data + event.code)])
    await context.bot.send_message(
        _chat(update), "\n".join(lines), reply_markup=InlineKeyboardMarkup(buttons)
    )


async def toggle_mute(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    svc = services(context)
    now = svc.clock()
    muting = query.data.startswith(MUTE_PREFIX)
    code = query.data.removeprefix(MUTE_PREFIX if muting else UNMUTE_PREFIX)
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        event = await events_repo.by_code(session, code) if events_repo.is_valid_code(code) else None
        if person is not None and event is not None:
            if muting:
                await calendar.mute(session, event.id, person.id, now=now)
            elif await calendar.unmute(session, event.id, person.id):
                await reminders.plan_for_person(session, svc.translator, event, person.id, now=now)
    t = person_translation(update, context, person)
    await query.answer()
    if person is None or event is None:
        await context.bot.send_message(_chat(update), t._("That event no longer exists. Send /calendar."))
        return
    title = event.title(t.language)
    text = (
        t._("Reminders for {title} are off. Send /mute to turn them on again.")
        if muting
        else t._("Reminders for {title} are on again.")
    ).format(title=title)
    await context.bot.send_message(_chat(update), text)


async def remember_username(app: Application) -> None:  # type: ignore[type-arg]
    """Keep the bot's username in the database: invitation links are made outside the bot too."""
    username = app.bot.username
    if not username:
        return
    async with services_of(app).db.session() as session:
        await calendar.set_setting(session, calendar.BOT_USERNAME, username)


def feed_route(svc: Services) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """GET /calendar/<region>.ics[?lang=fr]: the region's public feed (view links only, never participant links)."""

    async def feed(request: web.Request) -> web.StreamResponse:
        region = request.match_info["region"]
        language = request.query.get("lang", svc.settings.default_language)
        if region not in REGIONS or language not in LANGUAGES:
            raise web.HTTPNotFound()
        content, _ = await region_feed(
            svc, region, language, since=svc.clock() - timedelta(days=FEED_PAST_DAYS)
        )
        return web.Response(body=content, content_type=ics.MIME, charset="utf-8")

    return feed


def install(app: Application) -> None:  # type: ignore[type-arg]
    from scheduler.delivery import delivery

    delivery(app).hooks.get_routes[FEED_PATH] = feed_route(services_of(app))
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("calendar", calendar_command, private))
    app.add_handler(CommandHandler("mute", mute_command, private))
    app.add_handler(CallbackQueryHandler(send_calendar_file, pattern=f"^{ICS_PREFIX}"))
    app.add_handler(CallbackQueryHandler(toggle_mute, pattern=f"^({MUTE_PREFIX}|{UNMUTE_PREFIX})"))
    lifecycle(app).on_start(remember_username)
