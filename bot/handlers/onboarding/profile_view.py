"""/profile: what Liaison holds about the person, in a few lines, with a button to change each part."""

from __future__ import annotations

from telegram import InlineKeyboardButton, Update

from bot.handlers.onboarding.states import Step, button, chat_id, keyboard
from bot.handlers.preferences import REACH_LABELS
from bot.i18n import Translation
from bot.reference import countries, stakeholders
from bot.reference.languages import language_label
from bot.services import Context, services
from storage.models import ChannelPreference, Person
from storage.repositories import profiles

EDITABLE: tuple[Step, ...] = (
    Step.ORGANISATION,
    Step.STAKEHOLDER,
    Step.COUNTRY,
    Step.CITY,
    Step.TIME_ZONE,
    Step.EMAIL_ASK,
    Step.GENDER,
    Step.REGIONS,
)


def edit_labels(t: Translation) -> dict[Step, str]:
    return {
        Step.ORGANISATION: t._("Organisation"),
        Step.STAKEHOLDER: t._("Type"),
        Step.COUNTRY: t._("Country"),
        Step.CITY: t._("City"),
        Step.TIME_ZONE: t._("Time zone"),
        Step.EMAIL_ASK: t._("Email"),
        Step.GENDER: t._("Balance questions"),
        Step.REGIONS: t._("Updates"),
    }


async def summary(context: Context, person: Person, t: Translation) -> str:
    svc = services(context)
    now = svc.clock()
    unset = "—"
    kind = stakeholders.parse(person.stakeholder_type)
    lines = [
        t._("Your profile:"),
        t._("Organisation: {value}").format(value=person.organisation or unset),
        t._("Type: {value}").format(value=t._(stakeholders.LABELS[kind]) if kind else unset),
    ]
    if person.country:
        found = countries.country(person.country)
        lines.append(t._("Country: {value}").format(value=countries.country_name(person.country, t.language)))
        if found is not None:
            lines.append(
                t._("Region: {region}; sub-region: {subregion}").format(
                    region=t._(countries.REGION_LABELS[found.region]),
                    subregion=countries.subregion_name(found.subregion, t.language)
                    if found.subregion
                    else unset,
                )
            )
    else:
        lines.append(t._("Country: {value}").format(value=unset))
    lines.append(t._("City: {value}").format(value=person.city or unset))
    zone = countries.time_zone_label(person.time_zone, t.language, now) if person.time_zone else unset
    lines.append(t._("Time zone: {value}").format(value=zone))
    async with svc.db.session() as session:
        email = await profiles.email_address(session, person.id)
        balance = await profiles.balance(session, person.id)
        regions = await profiles.subscriptions(session, person.id, "region")
        prefs = await profiles.preferences(session, person.id)
    if email is None:
        lines.append(t._("Email: {value}").format(value=unset))
    elif email.verified_at is not None:
        lines.append(t._("Email: {value} (confirmed)").format(value=email.address))
    else:
        lines.append(t._("Email: {value} (not confirmed)").format(value=email.address))
    answered = balance is not None and any(getattr(balance, name) for name in profiles.BALANCE_FIELDS)
    lines.append(t._("Balance questions: answered") if answered else t._("Balance questions: not answered"))
    names = ", ".join(t._(countries.REGION_LABELS[countries.Region(value)]) for value in sorted(regions))
    lines.append(t._("Updates for: {value}").format(value=names or unset))
    # Languages spoken and the channel order (R2) are changed with /languages and /reach.
    spoken = ", ".join(language_label(code, t.language) for code in (prefs.languages if prefs else []))
    lines.append(t._("Languages you speak: {languages}").format(languages=spoken or unset))
    choice = prefs.channels if prefs and prefs.channels else ChannelPreference.TELEGRAM_FIRST.value
    lines.append(t._("Reach me by: {value}").format(value=t._(REACH_LABELS[choice])))
    return "\n".join(lines)


async def show(update: Update, context: Context, person: Person, t: Translation) -> None:
    labels = edit_labels(t)
    buttons = [button(labels[step], Step.PROFILE, step.value) for step in EDITABLE]
    rows: list[list[InlineKeyboardButton]] = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([button(t._("Done"), Step.PROFILE, "done")])
    await context.bot.send_message(
        chat_id(update), await summary(context, person, t), reply_markup=keyboard(rows)
    )
