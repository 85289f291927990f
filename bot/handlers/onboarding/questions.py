"""Asking each step's question. `enter` also skips steps that do not apply to this person."""

from __future__ import annotations

from babel.dates import format_time
from telegram import InlineKeyboardButton, Update
from telegram.ext import ConversationHandler

from bot.handlers.language import language_question
from bot.handlers.onboarding import profile_view
from bot.handlers.onboarding.states import (
    CONSENT_STEPS,
    EDIT_RUNS,
    Step,
    button,
    chat_id,
    draft,
    editing,
    find_person,
    following,
    keyboard,
    nav_row,
)
from bot.handlers.start import START_PAYLOAD_KEY
from bot.i18n import Translation, zone_or_utc
from bot.reference import countries, stakeholders, time_zones
from bot.reference.categories import BALANCE_LABELS, balance_label
from bot.services import Context, services, translation
from bot.state_first import heading_to
from storage.models import Person
from storage.repositories import people, profiles


def topic_labels(t: Translation) -> dict[str, str]:
    return {
        "regional_reviews": t._("Regional reviews"),
        "consultations": t._("Consultations and meetings"),
        "briefings": t._("Briefings"),
        "submissions": t._("Calls for written submissions"),
        "network": t._("Network news"),
    }


NO_PERSON_NEEDED = frozenset({Step.LANGUAGE, Step.INTRO, *CONSENT_STEPS})
GENDERS = ("woman", "man", "another", "undisclosed")
AGE_GROUPS = ("under_25", "25_34", "35_49", "50_64", "65_plus", "undisclosed")
MIGRANT_LED = ("yes", "no", "undisclosed")


def balance_labels(t: Translation) -> dict[str, str]:
    return {code: balance_label(t, code) for code in BALANCE_LABELS}


async def send(update: Update, context: Context, text: str, rows: list[list[InlineKeyboardButton]]) -> None:
    await context.bot.send_message(chat_id(update), text, reply_markup=keyboard(rows) if rows else None)


async def enter(step: Step | None, update: Update, context: Context, saved: Person | None = None) -> object:
    """Ask `step` (or the next one that applies) and return the conversation state to wait in.

    `saved` is the person as the answer just written left them, which saves reading them again."""
    t = translation(update, context)
    svc = services(context)
    while step is not None:
        person = None
        if step not in NO_PERSON_NEEDED:
            if saved is not None:
                person, saved = saved, None
            else:
                async with svc.db.session() as session:
                    person = await find_person(session, update, context)
        # Committed with the draft before the question goes out (bot/state_first.py).
        heading_to(step)
        previous = draft(context).get("step")
        draft(context)["step"] = step.value
        # One short session at a time: never hold a connection while talking to Telegram.
        asked = await _ask(step, update, context, t, person)
        if asked:
            return step
        if previous is None:
            draft(context).pop("step", None)
        else:
            draft(context)["step"] = previous
        if step is Step.PROFILE:
            return ConversationHandler.END
        step = EDIT_RUNS.get(step) if editing(context) else following(step)
        if step is None and editing(context):
            step = Step.PROFILE
    return await finish(update, context)


async def next_after(step: Step, update: Update, context: Context, saved: Person | None = None) -> object:
    """Where to go once `step` is answered: the next step, or back to the profile when editing."""
    if editing(context):
        return await enter(EDIT_RUNS.get(step, Step.PROFILE), update, context, saved)
    return await enter(following(step), update, context, saved)


async def _ask(step: Step, update: Update, context: Context, t: Translation, person: Person | None) -> bool:
    """Send the question of `step`; False when the step does not apply and is passed over."""
    d = draft(context)
    svc = services(context)
    now = svc.clock()
    if step is Step.LANGUAGE:
        text, keyboard = language_question(update, context)
        await context.bot.send_message(chat_id(update), text, reply_markup=keyboard)
        return True
    if step is Step.INTRO:
        await context.bot.send_message(
            chat_id(update),
            t._(
                "Liaison is the civil society liaison office of the migration network. Here you can "
                "follow regional reviews, register for meetings and get reminders in your time zone."
            ),
        )
        await send(
            update,
            context,
            t._(
                "To do this I keep your organisation's name and type, your country, time zone and the "
                "channels you choose, encrypted. Nothing is kept or shared without your consent. "
                "/mydata shows it all; /forget erases it."
            ),
            [[button(t._("Continue"), step, "go")], nav_row(t, step)],
        )
        return True
    if step in CONSENT_STEPS:
        questions = {
            Step.CONSENT_UPDATES: t._(
                "May I send you updates about regional reviews, events and calls for submissions "
                "in the regions you choose?"
            ),
            Step.CONSENT_SHARE: t._(
                "May I share your registrations with the network's organisers of the meetings you register for?"
            ),
            Step.CONSENT_PUBLIC: t._(
                "May I list your organisation's name, type and country publicly as a participant?"
            ),
        }
        text = questions[step] + "\n" + t._("You can change this at any time with /consent.")
        await send(
            update,
            context,
            text,
            [
                [button(t._("Yes, I agree"), step, "yes"), button(t._("No, I do not agree"), step, "no")],
                nav_row(t, step),
            ],
        )
        return True
    if person is None:
        return False  # everything below is kept on the person's row, which needs a consent first
    if step is Step.PROFILE:
        await profile_view.show(update, context, person, t)
        return True
    if step is Step.ORGANISATION:
        question = t._(
            "What is the name of your organisation? If you take part as an individual, type your own name."
        )
        await send(update, context, question, [nav_row(t, step)])
        return True
    if step is Step.STAKEHOLDER:
        rows = [[button(t._(label), step, kind.value)] for kind, label in stakeholders.LABELS.items()]
        await send(
            update,
            context,
            t._("Which of these best describes you or your organisation?"),
            [*rows, nav_row(t, step)],
        )
        return True
    if step is Step.COUNTRY:
        await send(update, context, t._("In which country do you work? Type its name."), [nav_row(t, step)])
        return True
    if step is Step.CITY:
        question = t._("In which city or town are you based? This is optional.")
        await send(update, context, question, [nav_row(t, step, skip=True)])
        return True
    if step is Step.TIME_ZONE:
        # The country's zones come first as buttons; any other zone can be typed by city or name.
        zones = time_zones.offered(person.country, now)
        d["zones"] = zones
        hint = t._("You can also type a city or a time zone name, such as Nairobi or America/Bogota.")
        if not zones:
            question = hint
            rows = [nav_row(t, step, skip=True)]
        elif len(zones) == 1:
            local = format_time(now, "short", tzinfo=zone_or_utc(zones[0]), locale=t.language)
            question = t._("Is your time zone {zone}? The time there is now {time}.").format(
                zone=countries.time_zone_label(zones[0], t.language, now), time=local
            )
            question = f"{question}\n{hint}"
            rows = [[button(t._("Yes, that is right"), step, "0")], nav_row(t, step, skip=True)]
        else:
            question = f"{t._('Which time zone are you in?')}\n{hint}"
            rows = [
                [button(countries.time_zone_label(zone, t.language, now), step, str(index))]
                for index, zone in enumerate(zones)
            ]
            rows.append(nav_row(t, step, skip=True))
        await send(update, context, question, rows)
        return True
    if step is Step.EMAIL_ASK:
        if not svc.settings.smtp_host:
            return False  # email is off on this installation
        await send(
            update,
            context,
            t._("Would you also like updates by email? Telegram stays your main channel."),
            [
                [button(t._("Add an email address"), step, "add")],
                [button(t._("No, Telegram only"), step, "no")],
                nav_row(t, step),
            ],
        )
        return True
    if step is Step.EMAIL_ADDRESS:
        if not d.get("email_wanted"):
            return False
        await send(update, context, t._("Type your email address."), [nav_row(t, step)])
        return True
    if step is Step.EMAIL_CODE:
        # The code message was sent with the address; wait for the code.
        return bool(d.get("email_wanted"))
    if step is Step.GENDER:
        intro = t._("These optional questions help us balance participation. What is your gender?")
        return await _choices(
            update, context, t, step, intro, GENDERS, skip_label=t._("Skip these questions")
        )
    if step is Step.AGE:
        return await _choices(update, context, t, step, t._("What is your age group?"), AGE_GROUPS)
    if step is Step.MIGRANT_LED:
        question = t._("Is your organisation led by migrants?")
        return await _choices(update, context, t, step, question, MIGRANT_LED)
    if step in (Step.REGIONS, Step.TOPICS):
        kind = "region" if step is Step.REGIONS else "topic"
        async with svc.db.session() as session:
            consent = (await people.consents_in_force(session, person.id)).get("updates")
            agreed = consent is not None and consent.granted
            chosen = await profiles.subscriptions(session, person.id, kind) if agreed else set()
        if not agreed:
            if step is Step.REGIONS and not editing(context):
                await send(
                    update,
                    context,
                    t._(
                        "You did not agree to updates, so I will send you none. You can change this with /consent."
                    ),
                    [],
                )
            return False
        if not chosen and not d.get(f"{kind}_seen"):
            if step is Step.REGIONS:
                chosen = (
                    {region.value for region in countries.regions_of(person.country)}
                    if person.country
                    else set()
                )
                chosen.add(countries.Region.GLOBAL.value)
            else:
                chosen = set(topic_labels(t))
        d[kind] = sorted(chosen)
        d[f"{kind}_seen"] = True
        await send(update, context, _toggle_question(t, step), toggle_rows(t, step, set(d[kind])))
        return True
    return False


def _toggle_question(t: Translation, step: Step) -> str:
    if step is Step.REGIONS:
        return t._("Which regions do you want updates about? Tap to choose, then press Done.")
    return t._("Which topics interest you? Tap to choose, then press Done.")


def toggle_rows(t: Translation, step: Step, chosen: set[str]) -> list[list[InlineKeyboardButton]]:
    if step is Step.REGIONS:
        options = {region.value: t._(label) for region, label in countries.REGION_LABELS.items()}
    else:
        options = topic_labels(t)
    rows = [
        [button(("✅ " if value in chosen else "▫️ ") + label, step, "t_" + value)]
        for value, label in options.items()
    ]
    rows.append([button(t._("Done"), step, "done")])
    rows.append(nav_row(t, step))
    return rows


async def _choices(
    update: Update,
    context: Context,
    t: Translation,
    step: Step,
    question: str,
    values: tuple[str, ...],
    skip_label: str | None = None,
) -> bool:
    labels = balance_labels(t)
    rows = [[button(labels[value], step, value)] for value in values]
    if skip_label:
        rows.append([button(skip_label, step, "skip")])
    rows.append(nav_row(t, step))
    await send(update, context, question, rows)
    return True


async def finish(update: Update, context: Context) -> object:
    """The end of onboarding: say what comes next, and lead on to an invitation's event if one is waiting."""
    t = translation(update, context)
    assert context.user_data is not None
    d = draft(context)
    if editing(context):
        return await enter(Step.PROFILE, update, context)
    rows: list[list[InlineKeyboardButton]] = []
    payload = context.user_data.pop(START_PAYLOAD_KEY, None)
    if isinstance(payload, str) and payload.startswith("ev_"):
        code = payload.removeprefix("ev_")
        rows.append(
            [InlineKeyboardButton(t._("Continue to the event registration"), callback_data=f"evreg:{code}")]
        )
    person_id = d.get("person_id")
    d.clear()
    if person_id:
        d["person_id"] = person_id
    heading_to(ConversationHandler.END)
    await send(
        update,
        context,
        t._(
            "Thank you, your profile is ready. Send /profile to see or change it, or /help to see what you can do."
        ),
        rows,
    )
    return ConversationHandler.END
