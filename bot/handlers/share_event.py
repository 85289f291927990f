"""/share_event: a registered organisation proposes its own event for the regional calendar (R23).

Title, kind, date and time in the person's own zone, region, link and languages, then a summary
to send; staff moderate it (`/proposals`). The draft is kept sealed in the dialog state; the
proposal itself is stored by `bot.application.proposals.propose`, which also applies the rate limit.
"""

from __future__ import annotations

from datetime import datetime
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

from bot.application import proposals as sharing
from bot.domain.event_input import parse_local_moment
from bot.handlers.answered import mark_answered, refuse_stale_press
from bot.handlers.dialog_kit import DialogKit
from bot.handlers.events import chat_id, find_person, person_translation, region_label
from bot.handlers.staff.events import check_link
from bot.i18n import Translation, language_name
from bot.reference.countries import Region
from bot.services import Context, services
from bot.settings import LANGUAGES
from bot.state_first import DurableConversation, heading_to
from scheduler.community import KIND_LABELS

NAME = "share_event"
DRAFT_KEY = "share_event"
PREFIX = "shev"
TITLE, KIND, WHEN, REGION, LINK, LANGS, CONFIRM = (
    "title",
    "kind",
    "when",
    "region",
    "link",
    "langs",
    "confirm",
)
END = ConversationHandler.END
DONE, NONE, SEND, STOP = "done", "none", "send", "stop"


KIT = DialogKit(DRAFT_KEY, PREFIX)
draft = KIT.draft
_t = KIT.translation
_button = KIT.button


async def _send(
    update: Update, context: Context, text: str, rows: list[list[InlineKeyboardButton]] | None = None
) -> None:
    await context.bot.send_message(
        chat_id(update), text, reply_markup=InlineKeyboardMarkup(rows) if rows else None
    )


def _value(update: Update, step: str) -> str | None:
    query = update.callback_query
    assert query is not None and query.data is not None
    prefix = f"{PREFIX}:{step}:"
    return query.data.removeprefix(prefix) if query.data.startswith(prefix) else None


def _typed(update: Update) -> str:
    message = update.effective_message
    assert message is not None and message.text is not None
    return message.text.strip()


def _refusal(t: Translation, reason: str) -> str:
    if reason == "not_onboarded":
        return t._("To share an event, please set up your profile first: send /start.")
    if reason == "too_many":
        return t._("You have shared several events this week. Please wait a few days before the next one.")
    if reason == "past":
        return t._("That time has passed. Send a date and time in the future.")
    return t._("Stopped. Nothing was kept.")


# --- steps ---


async def start(update: Update, context: Context) -> object:
    svc = services(context)
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        refusal: str | None = None
        try:
            await sharing.may_propose(session, person, now=svc.clock())
        except sharing.ProposalRefused as refused:
            refusal = refused.reason
    t = person_translation(update, context, person)
    d = draft(context)
    d.clear()
    if person is None or refusal is not None:
        await _send(update, context, _refusal(t, refusal or "not_onboarded"))
        return END
    d.update(ui=t.language, zone=person.time_zone or "UTC", step=TITLE, languages=[])
    heading_to(TITLE)
    await _send(
        update,
        context,
        t.ngettext(
            "You can propose your organisation's event for the regional calendar; staff check it first. "
            "What is its title? Up to {max} character.",
            "You can propose your organisation's event for the regional calendar; staff check it first. "
            "What is its title? Up to {max} characters.",
            sharing.MAX_TITLE,
        ).format(max=sharing.MAX_TITLE),
    )
    return TITLE


async def title_typed(update: Update, context: Context) -> object:
    t = _t(update, context)
    title = _typed(update)
    if not 5 <= len(title) <= sharing.MAX_TITLE:
        await _send(
            update,
            context,
            t.ngettext(
                "Please send a title of 5 to {max} character.",
                "Please send a title of 5 to {max} characters.",
                sharing.MAX_TITLE,
            ).format(max=sharing.MAX_TITLE),
        )
        return TITLE
    d = draft(context)
    d.update(title=title, step=KIND)
    heading_to(KIND)
    rows = [[_button(t._(KIND_LABELS[kind]), KIND, kind)] for kind in sharing.KINDS]
    await _send(update, context, t._("What kind of event is it?"), rows)
    return KIND


async def kind_pressed(update: Update, context: Context) -> object:
    t = _t(update, context)
    kind = _value(update, KIND)
    if kind not in sharing.KINDS:
        return await stale_press(update, context)
    d = draft(context)
    d.update(kind=kind, step=WHEN)
    heading_to(WHEN)
    await mark_answered(update, t._(KIND_LABELS[kind]))
    await _send(
        update,
        context,
        t._("When does it start, in {zone}? Send the date and time like 2026-06-10 09:00.").format(
            zone=d["zone"]
        ),
    )
    return WHEN


async def when_typed(update: Update, context: Context) -> object:
    t = _t(update, context)
    d = draft(context)
    moment = parse_local_moment(_typed(update), d["zone"])
    if moment is None:
        await _send(
            update,
            context,
            t._("When does it start, in {zone}? Send the date and time like 2026-06-10 09:00.").format(
                zone=d["zone"]
            ),
        )
        return WHEN
    if moment <= services(context).clock():
        await _send(update, context, _refusal(t, "past"))
        return WHEN
    d.update(starts_at=moment.isoformat(), step=REGION)
    heading_to(REGION)
    rows = [[_button(region_label(t, region.value), REGION, region.value)] for region in Region]
    await _send(update, context, t._("Which region's calendar is it for?"), rows)
    return REGION


async def region_pressed(update: Update, context: Context) -> object:
    t = _t(update, context)
    region = _value(update, REGION)
    if region not in {r.value for r in Region}:
        return await stale_press(update, context)
    d = draft(context)
    d.update(region=region, step=LINK)
    heading_to(LINK)
    await mark_answered(update, region_label(t, region))
    await _send(
        update,
        context,
        t._("Send the public link where people can find or join it (https://…)."),
        [[_button(t._("No link"), LINK, NONE)]],
    )
    return LINK


async def link_typed(update: Update, context: Context) -> object:
    t = _t(update, context)
    link = check_link(_typed(update))
    if link is None:
        await _send(
            update,
            context,
            t._("That is not a link. Send one that starts with https://, or tap No link."),
            [[_button(t._("No link"), LINK, NONE)]],
        )
        return LINK
    draft(context)["link"] = link
    return await _ask_languages(update, context)


async def no_link_pressed(update: Update, context: Context) -> object:
    t = _t(update, context)
    draft(context)["link"] = None
    await mark_answered(update, t._("No link"))
    return await _ask_languages(update, context)


def _language_rows(t: Translation, chosen: list[str]) -> list[list[InlineKeyboardButton]]:
    buttons = [
        _button(("✓ " if code in chosen else "") + language_name(code), LANGS, code) for code in LANGUAGES
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([_button(t._("Done"), LANGS, DONE)])
    return rows


async def _ask_languages(update: Update, context: Context) -> object:
    t = _t(update, context)
    d = draft(context)
    d["step"] = LANGS
    heading_to(LANGS)
    await _send(
        update,
        context,
        t._("In which languages will it be held? Tap each, then Done."),
        _language_rows(t, d["languages"]),
    )
    return LANGS


async def language_pressed(update: Update, context: Context) -> object:
    t = _t(update, context)
    value = _value(update, LANGS)
    d = draft(context)
    query = update.callback_query
    assert query is not None
    if value == DONE:
        if not d["languages"]:
            await query.answer(t._("Tap at least one language."))
            return LANGS
        await mark_answered(update, ", ".join(language_name(code) for code in d["languages"]))
        return await _ask_confirm(update, context)
    if value not in LANGUAGES:
        return await stale_press(update, context)
    chosen: list[str] = d["languages"]
    if value in chosen:
        chosen.remove(value)
    else:
        chosen.append(value)
    await query.answer()
    await query.edit_message_reply_markup(InlineKeyboardMarkup(_language_rows(t, chosen)))
    return LANGS


def _new(d: dict[str, Any]) -> sharing.NewProposal:
    return sharing.NewProposal(
        title=d["title"],
        kind=d["kind"],
        starts_at=datetime.fromisoformat(d["starts_at"]),
        time_zone=d["zone"],
        region=d["region"],
        link=d.get("link"),
        languages=list(d["languages"]),
        language=d["ui"],
    )


async def _ask_confirm(update: Update, context: Context) -> object:
    t = _t(update, context)
    d = draft(context)
    d["step"] = CONFIRM
    heading_to(CONFIRM)
    new = _new(d)
    lines = [
        t._("Your event, as staff will see it:"),
        new.title,
        t._(KIND_LABELS[new.kind]),
        t.datetime(new.starts_at, new.time_zone),
        region_label(t, new.region),
        new.link or t._("No link"),
        ", ".join(language_name(code) for code in new.languages),
    ]
    rows = [[_button(t._("Send"), CONFIRM, SEND)], [_button(t._("Cancel"), CONFIRM, STOP)]]
    await _send(update, context, "\n".join(lines), rows)
    return CONFIRM


async def confirm_pressed(update: Update, context: Context) -> object:
    t = _t(update, context)
    value = _value(update, CONFIRM)
    if value == STOP:
        await mark_answered(update, t._("Cancel"))
        return await cancel(update, context)
    if value != SEND:
        return await stale_press(update, context)
    svc = services(context)
    d = draft(context)
    try:
        async with svc.db.session() as session:
            person = await find_person(session, update, context)
            if person is None:
                raise sharing.ProposalRefused("not_onboarded")
            await sharing.propose(session, person.id, _new(d), now=svc.clock())
    except sharing.ProposalRefused as refused:
        heading_to(END)
        await mark_answered(update, t._("Send"))
        d.clear()
        await _send(update, context, _refusal(t, refused.reason))
        return END
    heading_to(END)
    d.clear()
    await mark_answered(update, t._("Send"))
    await _send(
        update, context, t._("Sent. Staff will check your event and tell you here whether it is added.")
    )
    return END


# --- the unexpected ---


async def cancel(update: Update, context: Context) -> object:
    t = _t(update, context)
    draft(context).clear()
    heading_to(END)
    await _send(update, context, t._("Stopped. Nothing was kept."))
    return END


async def unexpected(update: Update, context: Context) -> object:
    t = _t(update, context)
    step = draft(context).get("step", TITLE)
    if step in (TITLE, WHEN, LINK):
        await _send(update, context, t._("I can only read text here. Please type your answer."))
    else:
        await _send(
            update, context, t._("Please answer with one of the buttons above, or send /cancel to stop.")
        )
    return step


async def stale_press(update: Update, context: Context) -> object:
    await refuse_stale_press(update, _t(update, context))
    return None


def conversation() -> ConversationHandler:  # type: ignore[type-arg]
    typed = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND
    return DurableConversation(
        entry_points=[CommandHandler("share_event", start, filters.ChatType.PRIVATE)],
        states={
            TITLE: [MessageHandler(typed, title_typed)],
            KIND: [CallbackQueryHandler(kind_pressed, pattern=f"^{PREFIX}:{KIND}:")],
            WHEN: [MessageHandler(typed, when_typed)],
            REGION: [CallbackQueryHandler(region_pressed, pattern=f"^{PREFIX}:{REGION}:")],
            LINK: [
                MessageHandler(typed, link_typed),
                CallbackQueryHandler(no_link_pressed, pattern=f"^{PREFIX}:{LINK}:{NONE}$"),
            ],
            LANGS: [CallbackQueryHandler(language_pressed, pattern=f"^{PREFIX}:{LANGS}:")],
            CONFIRM: [CallbackQueryHandler(confirm_pressed, pattern=f"^{PREFIX}:{CONFIRM}:")],
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            CallbackQueryHandler(stale_press, pattern=f"^{PREFIX}:"),
            MessageHandler(filters.UpdateType.MESSAGE & ~filters.COMMAND, unexpected),
        ],
        allow_reentry=True,
        name=NAME,
        persistent=True,
    )


def install(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(conversation())
    app.add_handler(CallbackQueryHandler(stale_press, pattern=f"^{PREFIX}:"))
