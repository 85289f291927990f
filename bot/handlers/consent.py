"""/consent: each purpose with the decision in force, and a button to withdraw or give it."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.handlers.onboarding.states import CONSENT_TEXT_VERSION, chat_id, find_person
from bot.i18n import Translation
from bot.services import Context, services, translation
from storage.models import ConsentPurpose, Person
from storage.repositories import people, profiles

PREFIX = "consent:"


def purpose_labels(t: Translation) -> dict[str, str]:
    return {
        ConsentPurpose.UPDATES.value: t._("Receive updates"),
        ConsentPurpose.SHARE_WITH_NETWORK.value: t._("Share my registrations with the organisers"),
        ConsentPurpose.PUBLIC_LISTING.value: t._("List my organisation publicly"),
    }


async def _view(context: Context, person: Person, t: Translation) -> tuple[str, InlineKeyboardMarkup]:
    async with services(context).db.session() as session:
        in_force = await people.consents_in_force(session, person.id)
    lines = [t._("Your consents:")]
    rows = []
    for purpose, label in purpose_labels(t).items():
        granted = purpose in in_force and in_force[purpose].granted
        state = t._("yes") if granted else t._("no")
        lines.append(t._("{purpose}: {state}").format(purpose=label, state=state))
        action = t._("Withdraw: {purpose}") if granted else t._("Agree: {purpose}")
        rows.append(
            [
                InlineKeyboardButton(
                    action.format(purpose=label), callback_data=f"{PREFIX}{purpose}:{int(not granted)}"
                )
            ]
        )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def consent_command(update: Update, context: Context) -> None:
    t = translation(update, context)
    async with services(context).db.session() as session:
        person = await find_person(session, update, context)
    if person is None:
        await context.bot.send_message(
            chat_id(update),
            t._("I keep no data about you, so there is no consent to change. Send /start to register."),
        )
        return
    text, markup = await _view(context, person, t)
    await context.bot.send_message(chat_id(update), text, reply_markup=markup)


async def consent_pressed(update: Update, context: Context) -> None:
    """Record the new decision (once, however often the button is tapped), then show the new state."""
    query = update.callback_query
    assert query is not None and query.data is not None
    t = translation(update, context)
    purpose, _, wanted = query.data.removeprefix(PREFIX).partition(":")
    svc = services(context)
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        if person is None or purpose not in {p.value for p in ConsentPurpose} or wanted not in ("0", "1"):
            await query.answer()
            return
        await profiles.record_consent_once(
            session,
            person,
            purpose,
            granted=wanted == "1",
            text_version=f"{CONSENT_TEXT_VERSION}:{t.language}",
            now=svc.clock(),
        )
        in_force = await people.consents_in_force(session, person.id)
    await query.answer(t._("Saved."))
    text, markup = await _view(context, person, t)
    if not any(consent.granted for consent in in_force.values()):
        text += "\n\n" + t._("You have withdrawn every consent. To erase your data too, send /forget.")
    await query.edit_message_text(text, reply_markup=markup)


def install(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("consent", consent_command))
    app.add_handler(CallbackQueryHandler(consent_pressed, pattern=f"^{PREFIX}"))
