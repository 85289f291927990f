"""/registrations: a person's registrations with reference, event, time and status; change or withdraw.

"Change" opens the registration dialog (bot/handlers/registration.py, `myreg:chg:<id>`);
withdrawing asks for a yes first. Every button carries the registration's id and is checked
against the person who pressed it.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.application import registrations as decisions
from bot.domain import eligibility
from bot.domain.registration_texts import KIND_LABELS, STATUS_LABELS, event_title
from bot.handlers.events import chat_id, find_person, is_onboarded, person_translation
from bot.handlers.registration import CHANGE_PREFIX
from bot.services import Context, services
from storage.models import Event, Person, Registration, RegistrationKind
from storage.repositories import registrations

PREFIX = "myreg"
WITHDRAW = f"{PREFIX}:wd:"
WITHDRAW_YES = f"{PREFIX}:wdy:"
KEEP = f"{PREFIX}:keep:"
MAX_LISTED = 20


async def registrations_command(update: Update, context: Context) -> None:
    svc = services(context)
    now = svc.clock()
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        mine = [] if person is None else await registrations.for_person(session, person.id)
    t = person_translation(update, context, person)
    if not is_onboarded(person):
        await context.bot.send_message(
            chat_id(update), t._("You have no profile yet. Send /start to create one.")
        )
        return
    assert person is not None
    if not mine:
        await context.bot.send_message(
            chat_id(update), t._("You have no registrations yet. Send /events to see what is coming up.")
        )
        return
    shown = mine[-MAX_LISTED:]
    blocks = [t._("Your registrations:")]
    rows: list[list[InlineKeyboardButton]] = []
    for number, (registration, event) in enumerate(shown, start=1):
        status = t._(STATUS_LABELS[registration.status])
        blocks.append(
            "\n".join(
                [
                    f"{number}. {event_title(event, t)}",
                    t.datetime(event.starts_at, person.time_zone),
                    t._("{role}. Status: {status}").format(
                        role=t._(KIND_LABELS[registration.kind]), status=status
                    ),
                    t._("Reference: {reference}").format(reference=registration.reference),
                ]
            )
        )
        window = eligibility.registration_window(event, now)
        row: list[InlineKeyboardButton] = []
        kind = RegistrationKind(registration.kind)
        changeable = eligibility.needs_motivation(kind) or eligibility.other_kinds(kind, event.kind)
        if changeable and eligibility.can_change(registration.status, window):
            row.append(
                InlineKeyboardButton(
                    t._("Change {number}").format(number=number),
                    callback_data=f"{CHANGE_PREFIX}{registration.id}",
                )
            )
        if eligibility.can_withdraw(registration.status) and now < (event.ends_at or event.starts_at):
            row.append(
                InlineKeyboardButton(
                    t._("Withdraw {number}").format(number=number),
                    callback_data=f"{WITHDRAW}{registration.id}",
                )
            )
        if row:
            rows.append(row)
    await context.bot.send_message(
        chat_id(update), "\n\n".join(blocks), reply_markup=InlineKeyboardMarkup(rows) if rows else None
    )


def _registration_id(data: str | None, prefix: str) -> uuid.UUID | None:
    try:
        return uuid.UUID((data or "").removeprefix(prefix))
    except ValueError:
        return None


async def withdraw_pressed(update: Update, context: Context) -> None:
    """Ask before withdrawing."""
    query = update.callback_query
    assert query is not None
    registration_id = _registration_id(query.data, WITHDRAW)
    svc = services(context)
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        found = await _mine(session, person, registration_id)
    t = person_translation(update, context, person)
    if found is None or not eligibility.can_withdraw(found[0].status):
        await query.answer(t._("That registration is no longer active."))
        return
    registration, event = found
    await query.answer()
    await context.bot.send_message(
        chat_id(update),
        t._("Withdraw your registration {reference} for {event}?").format(
            reference=registration.reference, event=event_title(event, t)
        ),
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        t._("Yes, withdraw it"), callback_data=f"{WITHDRAW_YES}{registration.id}"
                    )
                ],
                [InlineKeyboardButton(t._("No, keep it"), callback_data=f"{KEEP}{registration.id}")],
            ]
        ),
    )


async def withdraw_confirmed(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    registration_id = _registration_id(query.data, WITHDRAW_YES)
    svc = services(context)
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        found = await _mine(session, person, registration_id)
        done = found is not None and (
            await decisions.withdraw(session, svc.notices, found[0], now=svc.clock()) is not None
        )
    t = person_translation(update, context, person)
    await query.answer()
    if found is None or not done:
        await query.edit_message_text(t._("That registration is no longer active."))
        return
    await query.edit_message_text(
        t._("Withdrawn: your registration {reference} for {event}.").format(
            reference=found[0].reference, event=event_title(found[1], t)
        )
    )


async def keep_pressed(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    async with services(context).db.session() as session:
        person = await find_person(session, update, context)
    t = person_translation(update, context, person)
    await query.answer()
    await query.edit_message_text(t._("Nothing was changed."))


async def _mine(
    session: AsyncSession, person: Person | None, registration_id: uuid.UUID | None
) -> tuple[Registration, Event] | None:
    if person is None or registration_id is None:
        return None
    return await registrations.of_person(session, registration_id, person.id)


def install(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("registrations", registrations_command, filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(withdraw_pressed, pattern=f"^{WITHDRAW}"))
    app.add_handler(CallbackQueryHandler(withdraw_confirmed, pattern=f"^{WITHDRAW_YES}"))
    app.add_handler(CallbackQueryHandler(keep_pressed, pattern=f"^{KEEP}"))
