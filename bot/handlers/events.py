"""/events: what is coming up in the person's regions, in their language and time zone, with a way to register.

Also the small pieces the registration dialogs share: the person's language, their onboarded
profile, and an event described in a few lines.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, filters

from bot.domain import eligibility
from bot.domain.criteria import criteria_lines
from bot.domain.registration_texts import EVENT_KIND_LABELS, event_title
from bot.i18n import Translation
from bot.services import LANGUAGE_KEY, Context, services, translation
from scheduler import community
from scheduler.calendar_texts import region_label as region_label
from storage.models import Event, EventStatus, Person
from storage.repositories import events as events_repo
from storage.repositories import people, profiles

REGISTER_PREFIX = "evreg:"  # evreg:<code> opens the registration dialog (also the onboarding's last button)
MAX_LISTED = 10


def chat_id(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


async def find_person(session: AsyncSession, update: Update, context: Context) -> Person | None:
    assert update.effective_user is not None
    return await people.find_by_telegram(session, services(context).keyring, update.effective_user.id)


def person_translation(update: Update, context: Context, person: Person | None) -> Translation:
    """The language chosen in this chat, else the one on the profile, else Telegram's."""
    saved = context.user_data.get(LANGUAGE_KEY) if context.user_data is not None else None
    if saved is None and person is not None and person.language:
        return services(context).translator.get(person.language)
    return translation(update, context)


def is_onboarded(person: Person | None) -> bool:
    return profiles.is_onboarded(person)


def describe(event: Event, t: Translation, time_zone: str | None, now: datetime) -> list[str]:
    """An event in a few short lines: title, kind and region, time, and whether one can register."""
    title = event_title(event, t)
    if event.status == EventStatus.RESCHEDULED:
        title = t._("{title} (new date)").format(title=title)
    lines = [
        title,
        t._("{kind}. Region: {region}").format(
            kind=t._(EVENT_KIND_LABELS.get(event.kind, EVENT_KIND_LABELS["other"])),
            region=region_label(t, event.region),
        ),
        t.datetime(event.starts_at, time_zone),
    ]
    window = eligibility.registration_window(event, now)
    if window is eligibility.Window.OPEN:
        closes = event.registration_closes_at or event.starts_at
        lines.append(t._("Registration is open until {when}.").format(when=t.datetime(closes, time_zone)))
    elif window is eligibility.Window.NOT_YET and event.registration_opens_at is not None:
        lines.append(
            t._("Registration opens on {when}.").format(
                when=t.datetime(event.registration_opens_at, time_zone)
            )
        )
    elif window is eligibility.Window.CLOSED:
        lines.append(t._("Registration is closed."))
    elif event.kind == "submission_deadline":
        lines.append(t._("Send a written submission with /submit."))
    if window in (eligibility.Window.OPEN, eligibility.Window.NOT_YET):
        lines += criteria_lines(event, t)  # R8: before anyone registers, not as a question
    return lines


async def events_command(update: Update, context: Context) -> None:
    svc = services(context)
    now = svc.clock()
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        regions = set() if person is None else await profiles.subscriptions(session, person.id, "region")
        found = await events_repo.upcoming(session, now=now, regions=regions or None, limit=MAX_LISTED)
        shared = await community.labels(session, [event.id for event in found])
    t = person_translation(update, context, person)
    zone = person.time_zone if person is not None else None
    if not found:
        text = (
            t._("There are no upcoming events in your regions yet.")
            if regions
            else t._("There are no upcoming events yet.")
        )
        await context.bot.send_message(chat_id(update), text)
        return
    blocks = [t._("Upcoming events in your regions:") if regions else t._("Upcoming events in all regions:")]
    rows: list[list[InlineKeyboardButton]] = []
    for number, event in enumerate(found, start=1):
        lines = describe(event, t, zone, now)
        if event.id in shared:  # an organisation's own event (R23)
            lines.append(community.mark(t, shared[event.id]))
        blocks.append("\n".join([f"{number}. {lines[0]}", *lines[1:]]))
        if eligibility.registration_window(event, now) is eligibility.Window.OPEN:
            label = t._("Register for {number}").format(number=number)
            rows.append([InlineKeyboardButton(label, callback_data=f"{REGISTER_PREFIX}{event.code}")])
    if zone is None:
        blocks.append(t._("Times are in UTC. Set your time zone with /profile."))
    await context.bot.send_message(
        chat_id(update), "\n\n".join(blocks), reply_markup=InlineKeyboardMarkup(rows) if rows else None
    )


def install(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("events", events_command, filters.ChatType.PRIVATE))
