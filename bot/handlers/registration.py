"""Registering for an event (R4, R5, R6): choose how to take part, answer what that needs, get a reference.

Entered from an invitation link (`/start ev_<code>`), a button under /events or at the end of
onboarding (`evreg:<code>`), or "Change" under /registrations (`myreg:chg:<id>`).

    kind ── participant / observer ─────────────────────────────► recorded
         ├─ floor ── three R5 criteria (yes/no) ── all yes ──────► recorded
         │                                    └─ a no ── observe instead? ─► recorded / nothing
         └─ panel speaker / rapporteur / agenda design ── motivation ─► recorded

The dialog is persistent: a restart resumes at the same step. What the person decided is
written to `registrations` before the bot answers; the unique slot makes a double tap harmless.
"""

from __future__ import annotations

import uuid
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.domain import eligibility
from bot.domain.registration_texts import KIND_CHOICES, KIND_LABELS, event_title
from bot.handlers.answered import mark_answered, refuse_stale_press
from bot.handlers.dialog_kit import BACK, DialogKit
from bot.handlers.events import (
    REGISTER_PREFIX,
    chat_id,
    describe,
    find_person,
    is_onboarded,
    person_translation,
)
from bot.handlers.onboarding.states import CONSENT_TEXT_VERSION
from bot.handlers.start import START_PAYLOAD_KEY
from bot.i18n import N_, Translation
from bot.reference import countries, validation
from bot.services import Context, services
from bot.state_first import DurableConversation, heading_to
from storage.models import ConsentPurpose, Event, Person, RegistrationKind
from storage.repositories import events as events_repo
from storage.repositories import people, profiles, registrations

NAME = "registration"
DRAFT_KEY = "registration"
PREFIX = "reg"
CHANGE_PREFIX = "myreg:chg:"
DEEP_LINK = r"^/start(@\w+)? ev_"

CONSENT, KIND, CRITERIA, OFFER, MOTIVATION = "consent", "kind", "criteria", "offer", "motivation"
END = ConversationHandler.END

MOTIVATION_RULE = validation.TextRule(min_length=30, max_length=500, allow_urls=True)

FLOOR_QUESTIONS: dict[str, str] = {
    "represents_entity": N_(
        "Do you represent an organisation or group of the Global Compact for Migration stakeholders "
        "(for example civil society, migrants, diaspora, trade unions, local authorities)?"
    ),
    "authorised": N_("Do you have your organisation's or network's permission to speak on its behalf?"),
    "migration_expertise": N_(
        "Do you have expertise or experience in international migration or related issues?"
    ),
}


def motivation_question(t: Translation, kind: str) -> str:
    """The question asked of an expression of interest; its noun agrees with the longest length
    allowed (ngettext: Arabic and Russian change the noun with the number)."""
    most = MOTIVATION_RULE.max_length
    if kind == RegistrationKind.PANEL_SPEAKER:
        question = t.ngettext(
            "Why would you like to speak on a panel, and on what topic? Write {min} to {max} character.",
            "Why would you like to speak on a panel, and on what topic? Write {min} to {max} characters.",
            most,
        )
    elif kind == RegistrationKind.RAPPORTEUR:
        question = t.ngettext(
            "Why would you like to be the rapporteur of the consultation? Write {min} to {max} character.",
            "Why would you like to be the rapporteur of the consultation? Write {min} to {max} characters.",
            most,
        )
    else:
        question = t.ngettext(
            "Why would you like to join the agenda design team? Write {min} to {max} character.",
            "Why would you like to join the agenda design team? Write {min} to {max} characters.",
            most,
        )
    return question.format(min=MOTIVATION_RULE.min_length, max=most)


# --- the draft and small helpers ---


KIT = DialogKit(DRAFT_KEY, PREFIX, language_field="language")
draft = KIT.draft
_t = KIT.translation
_button = KIT.button


def _pressed(update: Update) -> tuple[str, str]:
    query = update.callback_query
    assert query is not None and query.data is not None
    _, step, value = query.data.split(":", 2)
    return step, value


async def _send(update: Update, context: Context, text: str, rows: list[list[InlineKeyboardButton]]) -> None:
    await context.bot.send_message(
        chat_id(update), text, reply_markup=InlineKeyboardMarkup(rows) if rows else None
    )


def categories_of(person: Person) -> registrations.Categories:
    country = person.country
    return registrations.Categories(
        stakeholder_type=person.stakeholder_type,
        country=country,
        subregion=countries.subregion_of(country) if country else None,
        region=countries.region_of(country).value if country else None,
    )


# --- entry points ---


async def from_link(update: Update, context: Context) -> object:
    """`/start ev_<code>`: an invitation opens the event's registration directly."""
    code = (context.args or [""])[0].removeprefix("ev_")
    return await _open(update, context, code)


async def from_button(update: Update, context: Context) -> object:
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    return await _open(update, context, query.data.removeprefix(REGISTER_PREFIX))


async def _open(
    update: Update,
    context: Context,
    code: str,
    *,
    only: list[RegistrationKind] | None = None,
    intro: str | None = None,
) -> object:
    svc = services(context)
    now = svc.clock()
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        event = await events_repo.by_code(session, code) if events_repo.is_valid_code(code) else None
        consents = {} if person is None else await people.consents_in_force(session, person.id)
    t = person_translation(update, context, person)
    d = draft(context)
    d.clear()
    if event is None:
        await _send(
            update, context, t._("I do not know this event. Send /events to see what is coming up."), []
        )
        return END
    if not is_onboarded(person):
        assert context.user_data is not None
        context.user_data[START_PAYLOAD_KEY] = f"ev_{event.code}"
        await _send(
            update,
            context,
            t._(
                "To register for {event}, please set up your profile first: send /start. "
                "When it is ready, I will bring you back to this event."
            ).format(event=event_title(event, t)),
            [],
        )
        return END
    window = eligibility.registration_window(event, now)
    if window is not eligibility.Window.OPEN:
        await _send(update, context, _closed_text(t, window, event, person), [])
        return END
    kinds = only or list(eligibility.kinds_for(event.kind))
    d.update(
        code=event.code,
        language=t.language,
        offered=[kind.value for kind in kinds],
        event_kinds=[kind.value for kind in eligibility.kinds_for(event.kind)],
        intro=intro,
    )
    sharing = consents.get(ConsentPurpose.SHARE_WITH_NETWORK.value)
    if sharing is None or not sharing.granted:
        # R3: a registration goes to the organisers, which needs this purpose's consent.
        d["step"] = CONSENT
        heading_to(CONSENT)
        text = (
            t._(
                "May I share your registrations with the network's organisers of the meetings you register for?"
            )
            + "\n"
            + t._("You can change this at any time with /consent.")
        )
        rows = [
            [_button(t._("Yes, I agree"), CONSENT, "yes")],
            [_button(t._("No, I do not agree"), CONSENT, "no")],
        ]
        await _send(update, context, text, rows)
        return CONSENT
    return await _ask_kind(update, context)


async def consent_pressed(update: Update, context: Context) -> object:
    t = _t(update, context)
    d = draft(context)
    if not d.get("code"):
        return await _lost(update, context)
    _, value = _pressed(update)
    if value != "yes":
        await mark_answered(update, t._("No, I do not agree"))
        d.clear()
        await _send(
            update,
            context,
            t._(
                "Without it I cannot register you, because registrations are reviewed by the organisers. "
                "Nothing was registered."
            ),
            [],
        )
        return END
    svc = services(context)
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        if person is None:
            return await _lost(update, context)
        await profiles.record_consent_once(
            session,
            person,
            ConsentPurpose.SHARE_WITH_NETWORK.value,
            granted=True,
            text_version=f"{CONSENT_TEXT_VERSION}:{t.language}",
            now=svc.clock(),
        )
    await mark_answered(update, t._("Yes, I agree"))
    return await _ask_kind(update, context)


async def _ask_kind(update: Update, context: Context) -> object:
    """The event in a few lines, what the person already holds for it, and the ways to take part."""
    svc = services(context)
    now = svc.clock()
    d = draft(context)
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        event = await events_repo.by_code(session, d.get("code", ""))
        mine = [] if person is None else await registrations.for_person(session, person.id)
    if event is None or person is None:
        return await _lost(update, context)
    t = _t(update, context)
    d["step"] = KIND
    heading_to(KIND)
    lines = describe(event, t, person.time_zone, now)
    if event.description(t.language):
        lines.append(event.description(t.language))
    for registration, registered_event in mine:
        if registered_event.id == event.id and eligibility.is_active(registration.status):
            lines.append(
                t._("You are registered as: {role} ({reference}).").format(
                    role=t._(KIND_LABELS[registration.kind]), reference=registration.reference
                )
            )
    lines.append("")
    lines.append(d.get("intro") or t._("How would you like to take part?"))
    rows = [[_button(t._(KIND_CHOICES[kind]), KIND, kind)] for kind in d.get("offered", [])]
    rows.append([_button(t._("Cancel"), KIND, "cancel")])
    await _send(update, context, "\n".join(lines), rows)
    return KIND


def _closed_text(t: Translation, window: eligibility.Window, event: Event, person: Person | None) -> str:
    title = event_title(event, t)
    zone = person.time_zone if person is not None else None
    if window is eligibility.Window.NOT_YET and event.registration_opens_at is not None:
        return t._("Registration for {event} opens on {when}.").format(
            event=title, when=t.datetime(event.registration_opens_at, zone)
        )
    if window is eligibility.Window.CANCELLED:
        return t._("{event} was cancelled.").format(event=title)
    if window is eligibility.Window.NONE:
        return t._("{event} takes no registrations. Send /events to see what is coming up.").format(
            event=title
        )
    return t._("Registration for {event} is closed.").format(event=title)


async def from_change(update: Update, context: Context) -> object:
    """ "Change" under /registrations: another way to attend, or a new motivation."""
    query = update.callback_query
    assert query is not None and query.data is not None
    svc = services(context)
    try:
        registration_id = uuid.UUID(query.data.removeprefix(CHANGE_PREFIX))
    except ValueError:
        await query.answer()
        return END
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        found = None if person is None else await registrations.of_person(session, registration_id, person.id)
    t = person_translation(update, context, person)
    if found is None:
        await query.answer(t._("I cannot find that registration."))
        return END
    registration, event = found
    window = eligibility.registration_window(event, svc.clock())
    if not eligibility.can_change(registration.status, window):
        await query.answer(t._("This registration can no longer be changed."), show_alert=True)
        return END
    await query.answer()
    await query.edit_message_reply_markup(None)
    kind = RegistrationKind(registration.kind)
    if eligibility.needs_motivation(kind):
        d = draft(context)
        d.clear()
        d.update(code=event.code, language=t.language, offered=[kind.value], kind=kind.value)
        return await _ask_motivation(update, context)
    others = eligibility.other_kinds(kind, event.kind)
    if not others:
        await _send(update, context, t._("There is no other way to take part in this event."), [])
        return END
    return await _open(
        update,
        context,
        event.code,
        only=others,
        intro=t._("Change {reference}: how would you like to take part instead?").format(
            reference=registration.reference
        ),
    )


# --- steps ---


async def _lost(update: Update, context: Context) -> object:
    """The draft is gone (erased with /forget, say) while the dialog was open: start again cleanly."""
    heading_to(END)
    if update.callback_query is not None:
        await update.callback_query.answer()
    t = _t(update, context)
    draft(context).clear()
    await _send(update, context, t._("That registration was stopped. Send /events to start again."), [])
    return END


async def kind_pressed(update: Update, context: Context) -> object:
    t = _t(update, context)
    d = draft(context)
    if not d.get("code"):
        return await _lost(update, context)
    _, value = _pressed(update)
    if value == "cancel":
        await mark_answered(update, t._("Cancel"))
        return await _stop(update, context)
    if value not in d.get("offered", []):
        assert update.callback_query is not None
        await update.callback_query.answer()
        return KIND
    kind = RegistrationKind(value)
    await mark_answered(update, t._(KIND_CHOICES[kind]))
    d["kind"] = kind.value
    if kind is RegistrationKind.FLOOR:
        d["question"] = 0
        return await _ask_criterion(update, context)
    if eligibility.needs_motivation(kind):
        return await _ask_motivation(update, context)
    return await _record(update, context)


async def _ask_criterion(update: Update, context: Context) -> object:
    t = _t(update, context)
    d = draft(context)
    index = int(d.get("question", 0))
    name = eligibility.FLOOR_QUESTIONS[index]
    step = f"c{index + 1}"
    intro = (
        t._("To speak from the floor, please answer three short questions.") + "\n\n" if index == 0 else ""
    )
    text = intro + t._("Question {number} of {total}: {question}").format(
        number=index + 1, total=len(eligibility.FLOOR_QUESTIONS), question=t._(FLOOR_QUESTIONS[name])
    )
    rows = [
        [_button(t._("Yes, I do"), step, "yes"), _button(t._("No, I do not"), step, "no")],
        [KIT.back(t, KIND if index == 0 else f"q{index - 1}")],
    ]
    d["step"] = CRITERIA
    heading_to(CRITERIA)
    await _send(update, context, text, rows)
    return CRITERIA


async def criterion_pressed(update: Update, context: Context) -> object:
    t = _t(update, context)
    d = draft(context)
    if not d.get("code") or not d.get("kind"):
        return await _lost(update, context)
    step, value = _pressed(update)
    index = int(d.get("question", 0))
    if step != f"c{index + 1}" or value not in ("yes", "no"):
        return await stale_press(update, context)
    await mark_answered(update, t._("Yes, I do") if value == "yes" else t._("No, I do not"))
    if value == "no":
        d["step"] = OFFER
        observing = RegistrationKind.OBSERVER.value in eligibility_kinds(d)
        text = t._(
            "Thank you for saying so. Speaking from the floor is for people who represent a stakeholder "
            "organisation, are authorised by it to speak, and have experience in migration."
        )
        if not observing:
            heading_to(END)
            await _send(update, context, text, [])
            return await _stop(update, context, quiet=True)
        text += "\n\n" + t._(
            "You are welcome to attend and observe, with a link to watch and listen. Would you like that?"
        )
        rows = [
            [_button(t._("Yes, observe instead"), "obs", "yes")],
            [_button(t._("No, thank you"), "obs", "no")],
            [KIT.back(t, f"q{index}")],
        ]
        heading_to(OFFER)
        await _send(update, context, text, rows)
        return OFFER
    index += 1
    d["question"] = index
    if index < len(eligibility.FLOOR_QUESTIONS):
        return await _ask_criterion(update, context)
    return await _record(
        update,
        context,
        floor=registrations.FloorAnswers(represents_entity=True, authorised=True, migration_expertise=True),
    )


def eligibility_kinds(d: dict[str, Any]) -> list[str]:
    """The kinds this event offers (observing may be offered after a "no" even when changing)."""
    return list(d.get("event_kinds") or d.get("offered") or [])


async def offer_pressed(update: Update, context: Context) -> object:
    t = _t(update, context)
    d = draft(context)
    if not d.get("code"):
        return await _lost(update, context)
    _, value = _pressed(update)
    if value == "yes":
        await mark_answered(update, t._("Yes, observe instead"))
        d["kind"] = RegistrationKind.OBSERVER.value
        return await _record(update, context)
    await mark_answered(update, t._("No, thank you"))
    return await _stop(update, context)


async def _ask_motivation(update: Update, context: Context) -> object:
    t = _t(update, context)
    d = draft(context)
    d["step"] = MOTIVATION
    heading_to(MOTIVATION)
    question = motivation_question(t, d["kind"])
    await _send(update, context, question, [[KIT.back(t, KIND)]])
    return MOTIVATION


async def motivation_typed(update: Update, context: Context) -> object:
    t = _t(update, context)
    if not draft(context).get("kind"):
        return await _lost(update, context)
    message = update.effective_message
    assert message is not None and message.text is not None
    text = validation.clean(message.text)
    problem = validation.check_text(text, MOTIVATION_RULE)
    if problem is not None:
        await _send(update, context, validation.explain(problem, t, MOTIVATION_RULE), [])
        return MOTIVATION
    return await _record(update, context, motivation=text)


async def back_pressed(update: Update, context: Context) -> object:
    """One step back; what was answered before it stays in the draft."""
    t = _t(update, context)
    d = draft(context)
    if not d.get("code"):
        return await _lost(update, context)
    _, target = _pressed(update)
    await mark_answered(update, t._("◀ Back"))
    number = target.removeprefix("q")
    if target.startswith("q") and number.isdigit() and int(number) < len(eligibility.FLOOR_QUESTIONS):
        d["question"] = int(number)
        return await _ask_criterion(update, context)
    return await _ask_kind(update, context)


async def _record(
    update: Update,
    context: Context,
    *,
    floor: registrations.FloorAnswers | None = None,
    motivation: str | None = None,
) -> object:
    """Write the registration, then confirm it with its reference."""
    svc = services(context)
    t = _t(update, context)
    d = draft(context)
    kind = RegistrationKind(d["kind"])
    now = svc.clock()
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        event = await events_repo.by_code(session, d.get("code", ""))
        window = eligibility.registration_window(event, now) if event is not None else None
        result = None
        if event is not None and is_onboarded(person) and window is eligibility.Window.OPEN:
            assert person is not None
            if kind in eligibility.kinds_for(event.kind):
                result = await registrations.register(
                    session,
                    event=event,
                    person=person,
                    kind=kind.value,
                    slot=eligibility.slot_of(kind),
                    categories=categories_of(person),
                    now=now,
                    floor=floor,
                    motivation=motivation,
                )
    d.clear()
    heading_to(END)
    if event is None or result is None:
        text = (
            t._("Registration for this event has just closed, so nothing was registered.")
            if event is not None
            else t._("I do not know this event. Send /events to see what is coming up.")
        )
        await _send(update, context, text, [])
        return END
    values = {
        "event": event_title(event, t),
        "when": t.datetime(event.starts_at, person.time_zone if person else None),
        "role": t._(KIND_LABELS[kind]),
        "reference": result.registration.reference,
    }
    if result.outcome is registrations.Outcome.ALREADY:
        text = t._("You are already registered for {event} as: {role}. Your reference is {reference}.")
    elif result.outcome is registrations.Outcome.CHANGED:
        text = t._(
            "Changed: your registration {reference} for {event} ({when}) is now: {role}. "
            "The organisers will review it again and tell you here."
        )
    else:
        text = t._(
            "Registered: {event} ({when}), as: {role}. Your reference is {reference}. "
            "The organisers will review it and tell you here."
        )
    lines = [text.format(**values), t._("Send /registrations to see, change or withdraw it.")]
    await _send(update, context, "\n\n".join(lines), [])
    return END


async def _stop(update: Update, context: Context, *, quiet: bool = False) -> object:
    t = _t(update, context)
    draft(context).clear()
    heading_to(END)
    if not quiet:
        await _send(update, context, t._("Stopped. Nothing new was registered."), [])
    return END


# --- the unexpected ---


async def cancel(update: Update, context: Context) -> object:
    return await _stop(update, context)


async def unexpected(update: Update, context: Context) -> object:
    """A photo, sticker or stray text: say what is expected, and ask again."""
    t = _t(update, context)
    d = draft(context)
    step = d.get("step", KIND)
    message = update.effective_message
    if step == MOTIVATION:
        await _send(update, context, t._("I can only read text here. Please type your answer."), [])
        return MOTIVATION
    if message is not None and message.text is None:
        await _send(update, context, t._("I can only read text here. Please answer with a button."), [])
    else:
        await _send(
            update, context, t._("Please answer with one of the buttons above, or send /cancel to stop."), []
        )
    return step


async def in_the_middle(update: Update, context: Context) -> object:
    t = _t(update, context)
    await _send(
        update,
        context,
        t._("You are in the middle of a registration. Answer the question above, or send /cancel to stop."),
        [],
    )
    return None


async def stale_press(update: Update, context: Context) -> object:
    await refuse_stale_press(update, _t(update, context))
    return None


def conversation() -> ConversationHandler:  # type: ignore[type-arg]
    typed = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND
    other_commands = filters.COMMAND & ~filters.Regex(r"^/(help|cancel)\b")
    return DurableConversation(
        entry_points=[
            CommandHandler("start", from_link, filters.Regex(DEEP_LINK) & filters.ChatType.PRIVATE),
            CallbackQueryHandler(from_button, pattern=f"^{REGISTER_PREFIX}"),
            CallbackQueryHandler(from_change, pattern=f"^{CHANGE_PREFIX}"),
        ],
        states={
            CONSENT: [CallbackQueryHandler(consent_pressed, pattern=f"^{PREFIX}:{CONSENT}:")],
            KIND: [CallbackQueryHandler(kind_pressed, pattern=f"^{PREFIX}:{KIND}:")],
            CRITERIA: [
                CallbackQueryHandler(criterion_pressed, pattern=rf"^{PREFIX}:c\d:"),
                CallbackQueryHandler(back_pressed, pattern=f"^{PREFIX}:{BACK}:"),
            ],
            OFFER: [
                CallbackQueryHandler(offer_pressed, pattern=f"^{PREFIX}:obs:"),
                CallbackQueryHandler(back_pressed, pattern=f"^{PREFIX}:{BACK}:"),
            ],
            MOTIVATION: [
                MessageHandler(typed, motivation_typed),
                CallbackQueryHandler(back_pressed, pattern=f"^{PREFIX}:{BACK}:"),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            CallbackQueryHandler(stale_press, pattern=f"^{PREFIX}:"),
            MessageHandler(filters.UpdateType.MESSAGE & other_commands, in_the_middle),
            MessageHandler(filters.UpdateType.MESSAGE & ~filters.COMMAND, unexpected),
        ],
        allow_reentry=True,
        name=NAME,
        persistent=True,
    )


def install(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(conversation())
    # A tap on a question of a registration that has ended (a double tap lands here).
    app.add_handler(CallbackQueryHandler(stale_press, pattern=f"^{PREFIX}:"))
