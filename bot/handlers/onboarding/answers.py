"""What happens when a person answers a step: check, record in the database, then ask the next one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

from bot.handlers import language
from bot.handlers.answered import mark_answered, refuse_stale_press
from bot.handlers.onboarding import email
from bot.handlers.onboarding.questions import (
    AGE_GROUPS,
    GENDERS,
    MIGRANT_LED,
    balance_labels,
    enter,
    next_after,
    send,
    toggle_rows,
)
from bot.handlers.onboarding.states import (
    BALANCE_STEPS,
    CONSENT_STEPS,
    CONSENT_TEXT_VERSION,
    TEXT_STEPS,
    Step,
    button,
    draft,
    editing,
    find_person,
    nav_row,
    preceding,
    pressed_value,
    user_id,
)
from bot.handlers.start import keep_start_payload
from bot.i18n import Translation
from bot.reference import countries, stakeholders, time_zones, validation
from bot.services import LANGUAGE_KEY, Context, services, translation
from bot.state_first import heading_to
from storage.models import Person
from storage.repositories import people, profiles

# Longer than any city or zone name in the six languages ("America/Argentina/ComodRivadavia" is 32).
MAX_ZONE_QUERY = 64


def _step_of(update: Update) -> Step:
    query = update.callback_query
    assert query is not None and query.data is not None
    return Step(query.data.split(":", 2)[1])


def _consent_version(t: Translation) -> str:
    return f"{CONSENT_TEXT_VERSION}:{t.language}"


# --- entry points ---


async def start(update: Update, context: Context) -> object:
    """/start: a returning person is welcomed back; a new one begins with the language."""
    assert context.user_data is not None
    keep_start_payload(context)
    svc = services(context)
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
    if profiles.is_onboarded(person):
        t = translation(update, context)
        await send(update, context, t._("Welcome back to Liaison. Send /help to see what you can do."), [])
        return ConversationHandler.END
    d = draft(context)
    d["mode"] = "onboarding"
    return await enter(Step.INTRO if LANGUAGE_KEY in context.user_data else Step.LANGUAGE, update, context)


async def profile_command(update: Update, context: Context) -> object:
    """/profile: the profile with buttons to change each part."""
    svc = services(context)
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
    if not profiles.is_onboarded(person):
        t = translation(update, context)
        await send(update, context, t._("You have no profile yet. Send /start to create one."), [])
        return ConversationHandler.END
    draft(context)["mode"] = "edit"
    return await enter(Step.PROFILE, update, context)


# --- steps answered with buttons ---


async def language_chosen(update: Update, context: Context) -> object:
    await language.choose_language(update, context)
    return await enter(Step.INTRO, update, context)


async def intro_pressed(update: Update, context: Context) -> object:
    value = pressed_value(update)
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_reply_markup(None)
    return await enter(Step.LANGUAGE if value == "back" else Step.CONSENT_UPDATES, update, context)


async def consent_pressed(update: Update, context: Context) -> object:
    step, value = _step_of(update), pressed_value(update)
    if value == "back":
        await mark_answered(update, translation(update, context)._("◀ Back"))
        return await enter(preceding(step), update, context)
    t = translation(update, context)
    granted = value == "yes"
    svc = services(context)
    now = svc.clock()
    d = draft(context)
    pending: list[list[Any]] = d.setdefault("pending_consents", [])
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        if person is None and granted:
            # The first yes: only now may anything about this person be kept (R3).
            person = await profiles.ensure_person(
                session, svc.keyring, user_id(update), now=now, language=t.language
            )
            d["person_id"] = str(person.id)
            for purpose, when, version in pending:
                await people.record_consent(
                    session,
                    person,
                    purpose,
                    granted=False,
                    text_version=version,
                    now=datetime.fromisoformat(when),
                )
            pending.clear()
        if person is not None:
            await profiles.record_consent_once(
                session,
                person,
                CONSENT_STEPS[step],
                granted=granted,
                text_version=_consent_version(t),
                now=now,
            )
        else:
            pending[:] = [entry for entry in pending if entry[0] != CONSENT_STEPS[step]]
            pending.append([CONSENT_STEPS[step], now.isoformat(), _consent_version(t)])
    await mark_answered(update, t._("Yes, I agree") if granted else t._("No, I do not agree"))
    if step is Step.CONSENT_PUBLIC and person is None:
        d.clear()
        await send(
            update,
            context,
            t._(
                "You did not agree to any use of your data, so I keep nothing about you. "
                "Send /help to see what you can still do, or /start if you change your mind."
            ),
            [],
        )
        return ConversationHandler.END
    return await next_after(step, update, context)


async def stakeholder_pressed(update: Update, context: Context) -> object:
    value = pressed_value(update)
    t = translation(update, context)
    if value == "back":
        await mark_answered(update, t._("◀ Back"))
        return await _back(Step.STAKEHOLDER, update, context)
    kind = stakeholders.parse(value)
    if kind is None:
        await update.callback_query.answer()  # type: ignore[union-attr]
        return Step.STAKEHOLDER
    person = await _save(update, context, stakeholder_type=kind.value)
    await mark_answered(update, t._(stakeholders.LABELS[kind]))
    return await next_after(Step.STAKEHOLDER, update, context, person)


async def country_pressed(update: Update, context: Context) -> object:
    value = pressed_value(update)
    t = translation(update, context)
    if value == "back":
        await mark_answered(update, t._("◀ Back"))
        return await _back(Step.COUNTRY, update, context)
    if value == "retry":
        await mark_answered(update, t._("None of these"))
        return await enter(Step.COUNTRY, update, context)
    if countries.country(value) is None:
        await update.callback_query.answer()  # type: ignore[union-attr]
        return Step.COUNTRY
    await mark_answered(update, countries.country_name(value, t.language))
    return await _country_chosen(value, update, context)


async def _country_chosen(code: str, update: Update, context: Context) -> object:
    t = translation(update, context)
    found = countries.country(code)
    assert found is not None
    await _save(update, context, country=code)
    region = t._(countries.REGION_LABELS[found.region])
    subregion = countries.subregion_name(found.subregion, t.language) if found.subregion else "—"
    await send(
        update,
        context,
        t._("{country}: region {region}, sub-region {subregion}.").format(
            country=countries.country_name(code, t.language), region=region, subregion=subregion
        ),
        [],
    )
    return await next_after(Step.COUNTRY, update, context)


async def nav_pressed(update: Update, context: Context) -> object:
    """Back and Skip under a question answered by typing (organisation, city, email address)."""
    step, value = _step_of(update), pressed_value(update)
    t = translation(update, context)
    await mark_answered(update, t._("◀ Back") if value == "back" else t._("Skip"))
    if value == "back":
        return await _back(step, update, context)
    return await next_after(step, update, context)


async def time_zone_pressed(update: Update, context: Context) -> object:
    value = pressed_value(update)
    t = translation(update, context)
    if value == "back":
        await mark_answered(update, t._("◀ Back"))
        return await _back(Step.TIME_ZONE, update, context)
    if value == "skip":
        await mark_answered(update, t._("Skip"))
        return await next_after(Step.TIME_ZONE, update, context)
    zones: list[str] = draft(context).get("zones") or []
    if not value.isdigit() or int(value) >= len(zones) or not countries.is_time_zone(zones[int(value)]):
        await update.callback_query.answer()  # type: ignore[union-attr]
        return Step.TIME_ZONE
    zone = zones[int(value)]
    person = await _save(update, context, time_zone=zone)
    await mark_answered(update, countries.time_zone_label(zone, t.language, services(context).clock()))
    return await next_after(Step.TIME_ZONE, update, context, person)


async def time_zone_typed(update: Update, context: Context) -> object:
    """A city or zone name typed at the time zone step, in any of the six languages."""
    t = translation(update, context)
    text = _typed(update)
    found = time_zones.search(text) if 0 < len(text) <= MAX_ZONE_QUERY else []
    now = services(context).clock()
    if not found:
        await send(
            update,
            context,
            t._(
                "I found no time zone by that name. Type a city, such as Nairobi, or a zone, such as America/Bogota."
            ),
            [],
        )
        return Step.TIME_ZONE
    if len(found) == 1:
        person = await _save(update, context, time_zone=found[0])
        label = countries.time_zone_label(found[0], t.language, now)
        await send(update, context, t._("Your time zone: {zone}.").format(zone=label), [])
        return await next_after(Step.TIME_ZONE, update, context, person)
    draft(context)["zones"] = found
    rows = [
        [button(countries.time_zone_label(zone, t.language, now), Step.TIME_ZONE, str(index))]
        for index, zone in enumerate(found)
    ]
    rows.append(nav_row(t, Step.TIME_ZONE, skip=True))
    await send(update, context, t._("Which one do you mean?"), rows)
    return Step.TIME_ZONE


async def balance_pressed(update: Update, context: Context) -> object:
    step, value = _step_of(update), pressed_value(update)
    t = translation(update, context)
    if value == "back":
        await mark_answered(update, t._("◀ Back"))
        return await _back(step, update, context)
    if value == "skip":
        await mark_answered(update, t._("Skip these questions"))
        return await enter(Step.PROFILE if editing(context) else Step.REGIONS, update, context)
    allowed = {Step.GENDER: GENDERS, Step.AGE: AGE_GROUPS, Step.MIGRANT_LED: MIGRANT_LED}[step]
    if value not in allowed:
        await update.callback_query.answer()  # type: ignore[union-attr]
        return step
    svc = services(context)
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        assert person is not None
        await profiles.set_balance(session, person.id, BALANCE_STEPS[step], value, now=svc.clock())
    await mark_answered(update, balance_labels(t)[value])
    return await next_after(step, update, context)


async def toggle_pressed(update: Update, context: Context) -> object:
    step, value = _step_of(update), pressed_value(update)
    t = translation(update, context)
    kind = "region" if step is Step.REGIONS else "topic"
    d = draft(context)
    query = update.callback_query
    assert query is not None
    if value == "back":
        await mark_answered(update, t._("◀ Back"))
        return await _back(step, update, context)
    if value.startswith("t_"):
        chosen = set(d.get(kind) or [])
        chosen ^= {value.removeprefix("t_")}
        valid = {r.value for r in countries.Region} if kind == "region" else set(toggle_values(t))
        d[kind] = sorted(chosen & valid)
        await query.answer()
        from telegram import InlineKeyboardMarkup

        await query.edit_message_reply_markup(InlineKeyboardMarkup(toggle_rows(t, step, set(d[kind]))))
        return step
    svc = services(context)
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        assert person is not None
        await profiles.set_subscriptions(session, person.id, kind, set(d.get(kind) or []), now=svc.clock())
    await mark_answered(update, t._("Done"))
    return await next_after(step, update, context)


def toggle_values(t: Translation) -> list[str]:
    from bot.handlers.onboarding.questions import topic_labels

    return list(topic_labels(t))


async def profile_pressed(update: Update, context: Context) -> object:
    value = pressed_value(update)
    t = translation(update, context)
    if value == "done":
        await mark_answered(update, t._("Done"))
        return ConversationHandler.END
    try:
        step = Step(value)
    except ValueError:
        await update.callback_query.answer()  # type: ignore[union-attr]
        return Step.PROFILE
    await mark_answered(update, t._("Change"))
    draft(context)["mode"] = "edit"
    return await enter(step, update, context)


# --- steps answered by typing ---


def _typed(update: Update) -> str:
    assert update.message is not None and update.message.text is not None
    return validation.clean(update.message.text)


async def organisation_typed(update: Update, context: Context) -> object:
    return await _text_answer(update, context, Step.ORGANISATION, validation.ORGANISATION, "organisation")


async def city_typed(update: Update, context: Context) -> object:
    return await _text_answer(update, context, Step.CITY, validation.CITY, "city")


async def _text_answer(
    update: Update, context: Context, step: Step, rule: validation.TextRule, field_name: str
) -> object:
    text = _typed(update)
    problem = validation.check_text(text, rule)
    if problem is not None:
        t = translation(update, context)
        await send(update, context, validation.explain(problem, t, rule), [])
        return step
    person = await _save(update, context, **{field_name: text})
    return await next_after(step, update, context, person)


async def country_typed(update: Update, context: Context) -> object:
    t = translation(update, context)
    text = _typed(update)
    problem = validation.check_text(text, validation.COUNTRY_QUERY)
    if problem is not None:
        await send(update, context, validation.explain(problem, t, validation.COUNTRY_QUERY), [])
        return Step.COUNTRY
    found = countries.search(text, t.language)
    if not found:
        await send(
            update,
            context,
            t._("I found no country with that name. Check the spelling, or type only the first letters."),
            [],
        )
        return Step.COUNTRY
    if len(found) == 1:
        return await _country_chosen(found[0], update, context)
    rows = [[button(countries.country_name(code, t.language), Step.COUNTRY, code)] for code in found]
    rows.append([button(t._("None of these"), Step.COUNTRY, "retry")])
    await send(update, context, t._("Which one do you mean?"), rows)
    return Step.COUNTRY


# --- help for the unexpected ---


async def unexpected(update: Update, context: Context) -> object:
    """A photo, sticker or stray text where something else was asked: say what is expected, ask again."""
    t = translation(update, context)
    step = _current(context)
    message = update.effective_message
    if step in TEXT_STEPS and (message is None or message.text is None):
        await send(update, context, t._("I can only read text here. Please type your answer."), [])
        return step
    await send(update, context, t._("Please answer with one of the buttons below."), [])
    return await enter(step, update, context)


def _current(context: Context) -> Step:
    try:
        return Step(draft(context).get("step", Step.LANGUAGE))
    except ValueError:
        return Step.LANGUAGE


async def stale_press(update: Update, context: Context) -> None:
    """A second tap on a button of a question already answered: nothing is recorded again."""
    await refuse_stale_press(update, translation(update, context))


async def cancel(update: Update, context: Context) -> object:
    t = translation(update, context)
    d = draft(context)
    person_id = d.get("person_id")
    d.clear()
    if person_id:
        d["person_id"] = person_id
        text = t._("Stopped. What you answered so far is kept. Send /start or /profile to continue.")
    else:
        text = t._("Stopped. Nothing about you was kept.")
    heading_to(ConversationHandler.END)
    await send(update, context, text, [])
    return ConversationHandler.END


# --- helpers ---


async def _back(step: Step, update: Update, context: Context) -> object:
    if editing(context):
        return await enter(Step.PROFILE, update, context)
    return await enter(preceding(step), update, context)


async def _save(update: Update, context: Context, **values: str | None) -> Person:
    """Write profile fields to the person's row before the bot answers."""
    svc = services(context)
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        assert person is not None, "profile steps come after the first consent"
        for name, value in values.items():
            setattr(person, name, value)
    return person


__all__ = ["email"]
