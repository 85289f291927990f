"""/broadcast: liaison staff send one message to many, in their private chat with the bot.

Compose (a version per language) → audience (update subscribers by region and stakeholder
type, or an event's registrants; Telegram, email or both) → preview with counts per language
and channel → send. One progress message is edited as the outbox drains (sent, failed, left,
rate), with a Cancel button. The role is checked on every step; anyone else gets the answer
for an unknown command. The draft is held in memory only.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.application import broadcasts as broadcast_service
from bot.application.broadcasts import CHANNEL_LABELS, SENDERS, preview_text, progress_text
from bot.i18n import Translation, language_name
from bot.private_chat import own_private_chat
from bot.reference.countries import REGION_LABELS, Region
from bot.reference.stakeholders import LABELS as TYPE_LABELS
from bot.reference.stakeholders import StakeholderType
from bot.services import Context, services, translation
from bot.settings import LANGUAGES
from bot.state_first import DurableConversation
from scheduler import broadcasts
from scheduler.delivery import DeliveryEngine, delivery
from storage.models import Broadcast, BroadcastState
from storage.repositories import outbox as outbox_repository
from storage.repositories import staff
from storage.repositories.audit import staff_actor
from storage.repositories.outbox import BroadcastProgress

log = logging.getLogger(__name__)

DRAFTS_KEY = "broadcast_drafts"
RATES_KEY = "broadcast_rates"
TEXT, MORE, WHO, REGION, KIND, EVENT, CHANNEL, CONFIRM = range(8)
CHANNEL_CHOICES = broadcasts.CHANNEL_CHOICES


@dataclass
class Draft:
    language: str  # the version being written
    versions: dict[str, str] = field(default_factory=dict, repr=False)
    regions: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    event_code: str | None = None
    channels: tuple[str, ...] = broadcasts.CHANNELS
    retry_unknown: bool = False

    def audience(self) -> broadcasts.Audience:
        return broadcasts.Audience(self.regions, self.types, self.channels, self.event_code)


def drafts(context: Context) -> dict[int, Draft]:
    found = context.bot_data.get(DRAFTS_KEY)
    if not isinstance(found, dict):
        found = context.bot_data[DRAFTS_KEY] = {}
    return cast(dict[int, Draft], found)


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=f"bc:{data}")


def _keyboard(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(rows)


def _pairs(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    return [buttons[index : index + 2] for index in range(0, len(buttons), 2)]


async def _sender_id(update: Update, context: Context) -> uuid.UUID | None:
    """The staff member allowed to broadcast, in their own private chat, checked on every step; else None."""
    if update.effective_user is None or not own_private_chat(update):
        return None
    svc = services(context)
    async with svc.db.session() as session:
        member = await staff.find_active(session, svc.keyring, update.effective_user.id)
    return member.id if member is not None and member.role in SENDERS else None


async def _reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()
    assert update.effective_chat is not None
    await update.effective_chat.send_message(text, reply_markup=markup)


async def _refuse(update: Update, context: Context) -> int:
    t = translation(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer()
    if update.effective_chat is not None:
        await update.effective_chat.send_message(
            t._("I did not understand that. Send /help to see what I can do.")
        )
    if update.effective_user is not None:
        drafts(context).pop(update.effective_user.id, None)
    return ConversationHandler.END


def _draft(update: Update, context: Context) -> Draft | None:
    return drafts(context).get(update.effective_user.id) if update.effective_user else None


# --- compose ---


async def start(update: Update, context: Context) -> int:
    if await _sender_id(update, context) is None:
        return await _refuse(update, context)
    t = translation(update, context)
    assert update.effective_user is not None and update.effective_chat is not None
    default = services(context).settings.default_language
    drafts(context)[update.effective_user.id] = Draft(language=default)
    await _reply(update, _ask_text(t, default))
    return TEXT


def _ask_text(t: Translation, language: str) -> str:
    return t._(
        "Send the message in {language}. The first line is also the email subject. Send /cancel to stop."
    ).format(language=language_name(language))


async def text_received(update: Update, context: Context) -> int:
    if await _sender_id(update, context) is None:
        return await _refuse(update, context)
    t = translation(update, context)
    draft = _draft(update, context)
    assert update.message is not None and update.message.text is not None
    if draft is None:
        return await _refuse(update, context)
    problem = broadcasts.check_version(update.message.text)
    if problem == "too_long":
        await _reply(
            update,
            t.ngettext(
                "That is too long: at most {limit} character. Please send a shorter text.",
                "That is too long: at most {limit} characters. Please send a shorter text.",
                broadcasts.MAX_BODY,
            ).format(limit=broadcasts.MAX_BODY),
        )
        return TEXT
    if problem is not None:
        await _reply(update, t._("Please send the message as text."))
        return TEXT
    draft.versions[draft.language] = update.message.text.strip()
    return await _offer_more(update, t, draft)


async def _offer_more(update: Update, t: Translation, draft: Draft) -> int:
    missing = [code for code in LANGUAGES if code not in draft.versions]
    buttons = [_button(language_name(code), f"lang:{code}") for code in missing]
    written = ", ".join(language_name(code) for code in draft.versions)
    await _reply(
        update,
        t._("Versions written: {languages}. Add another language, or continue.").format(languages=written),
        _keyboard([*_pairs(buttons), [_button(t._("Continue"), "next")]]),
    )
    return MORE


async def language_chosen(update: Update, context: Context) -> int:
    if await _sender_id(update, context) is None:
        return await _refuse(update, context)
    t = translation(update, context)
    draft = _draft(update, context)
    query = update.callback_query
    assert query is not None and query.data is not None
    code = query.data.removeprefix("bc:lang:")
    if draft is None or code not in LANGUAGES:
        return await _refuse(update, context)
    draft.language = code
    await _reply(update, _ask_text(t, code))
    return TEXT


# --- audience ---


async def ask_who(update: Update, context: Context) -> int:
    if await _sender_id(update, context) is None or _draft(update, context) is None:
        return await _refuse(update, context)
    t = translation(update, context)
    await _reply(
        update,
        t._("Who should receive it?"),
        _keyboard(
            [
                [_button(t._("People who agreed to updates"), "who:updates")],
                [_button(t._("Registrants of an event"), "who:event")],
            ]
        ),
    )
    return WHO


async def who_chosen(update: Update, context: Context) -> int:
    if await _sender_id(update, context) is None:
        return await _refuse(update, context)
    t = translation(update, context)
    draft = _draft(update, context)
    query = update.callback_query
    assert query is not None and query.data is not None
    if draft is None:
        return await _refuse(update, context)
    if query.data == "bc:who:event":
        return await _ask_event(update, context, t)
    draft.event_code = None
    buttons = [_button(t._(label), f"region:{region.value}") for region, label in REGION_LABELS.items()]
    await _reply(update, t._("Which region?"), _keyboard(_pairs(buttons)))
    return REGION


async def _ask_event(update: Update, context: Context, t: Translation) -> int:
    from storage.models import Event

    svc = services(context)
    async with svc.db.session() as session:
        events = list(
            await session.scalars(
                select(Event).where(Event.starts_at >= svc.clock()).order_by(Event.starts_at).limit(10)
            )
        )
    if not events:
        await _reply(update, t._("There are no upcoming events. Choose another audience."))
        return await ask_who(update, context)
    buttons = [
        [
            _button(
                (event.titles.get(t.language) or next(iter(event.titles.values()), event.code))[:60],
                f"event:{event.code}",
            )
        ]
        for event in events
    ]
    await _reply(update, t._("Which event?"), _keyboard(buttons))
    return EVENT


async def event_chosen(update: Update, context: Context) -> int:
    if await _sender_id(update, context) is None:
        return await _refuse(update, context)
    draft = _draft(update, context)
    query = update.callback_query
    assert query is not None and query.data is not None
    if draft is None:
        return await _refuse(update, context)
    draft.event_code = query.data.removeprefix("bc:event:")[:16]
    draft.regions, draft.types = (), ()
    return await _ask_channel(update, translation(update, context))


async def region_chosen(update: Update, context: Context) -> int:
    if await _sender_id(update, context) is None:
        return await _refuse(update, context)
    t = translation(update, context)
    draft = _draft(update, context)
    query = update.callback_query
    assert query is not None and query.data is not None
    region = query.data.removeprefix("bc:region:")
    if draft is None or region not in {r.value for r in Region}:
        return await _refuse(update, context)
    draft.regions = () if region == Region.GLOBAL.value else (region,)
    buttons = [_button(t._(label), f"kind:{kind.value}") for kind, label in TYPE_LABELS.items()]
    await _reply(
        update,
        t._("Which kind of stakeholder?"),
        _keyboard([[_button(t._("All kinds"), "kind:all")], *_pairs(buttons)]),
    )
    return KIND


async def kind_chosen(update: Update, context: Context) -> int:
    if await _sender_id(update, context) is None:
        return await _refuse(update, context)
    draft = _draft(update, context)
    query = update.callback_query
    assert query is not None and query.data is not None
    kind = query.data.removeprefix("bc:kind:")
    if draft is None or (kind != "all" and kind not in {k.value for k in StakeholderType}):
        return await _refuse(update, context)
    draft.types = () if kind == "all" else (kind,)
    return await _ask_channel(update, translation(update, context))


async def _ask_channel(update: Update, t: Translation) -> int:
    await _reply(
        update,
        t._("Send it by which channel?"),
        _keyboard(
            [  # each channel on one row, the choices of several on the next
                [
                    _button(t._(CHANNEL_LABELS[c]), f"channel:{c}")
                    for c in CHANNEL_CHOICES
                    if c in broadcasts.CHANNELS
                ],
                [
                    _button(t._(CHANNEL_LABELS[c]), f"channel:{c}")
                    for c in CHANNEL_CHOICES
                    if c not in broadcasts.CHANNELS
                ],
            ]
        ),
    )
    return CHANNEL


async def channel_chosen(update: Update, context: Context) -> int:
    if await _sender_id(update, context) is None:
        return await _refuse(update, context)
    draft = _draft(update, context)
    query = update.callback_query
    assert query is not None and query.data is not None
    choice = query.data.removeprefix("bc:channel:")
    if draft is None or choice not in CHANNEL_CHOICES:
        return await _refuse(update, context)
    draft.channels = CHANNEL_CHOICES[choice]
    return await _show_preview(update, context, draft)


# --- preview and send ---


async def _show_preview(update: Update, context: Context, draft: Draft) -> int:
    t = translation(update, context)
    svc = services(context)
    async with svc.db.session() as session:
        recipients = await broadcasts.select_recipients(session, draft.audience())
    result = broadcasts.preview(recipients, draft.versions, svc.settings.default_language)
    if result.total == 0:
        await _reply(update, t._("Nobody matches this audience. Choose another one."))
        return await ask_who(update, context)
    unsure = (
        t._("Resend when delivery is unsure: yes")
        if draft.retry_unknown
        else t._("Resend when delivery is unsure: no")
    )
    await _reply(
        update,
        preview_text(t, result),
        _keyboard(
            [
                [_button(t._("Send now"), "send")],
                [_button(unsure, "unsure")],
                [_button(t._("Cancel"), "drop")],
            ]
        ),
    )
    return CONFIRM


async def toggle_unsure(update: Update, context: Context) -> int:
    if await _sender_id(update, context) is None:
        return await _refuse(update, context)
    draft = _draft(update, context)
    if draft is None:
        return await _refuse(update, context)
    draft.retry_unknown = not draft.retry_unknown
    return await _show_preview(update, context, draft)


async def send(update: Update, context: Context) -> int:
    member = await _sender_id(update, context)
    if member is None:
        return await _refuse(update, context)
    t = translation(update, context)
    assert update.effective_user is not None and update.effective_chat is not None
    draft = drafts(context).pop(update.effective_user.id, None)
    if draft is None:
        return await _refuse(update, context)
    svc = services(context)
    async with svc.db.session() as session:
        recipients = await broadcasts.select_recipients(session, draft.audience())
        broadcast = await broadcast_service.send(
            session,
            audience=draft.audience(),
            versions=draft.versions,
            recipients=recipients,
            default_language=svc.settings.default_language,
            now=svc.clock(),
            actor=staff_actor(member),
            created_by=member,
            retry_unknown=draft.retry_unknown,
        )
    if update.callback_query is not None:
        await update.callback_query.answer()
    progress = BroadcastProgress(len(recipients), 0, 0, 0, 0, len(recipients))
    message = await update.effective_chat.send_message(
        progress_text(t, progress, None), reply_markup=_cancel_markup(t, broadcast.id)
    )
    async with svc.db.session() as session:
        stored = await session.get(Broadcast, broadcast.id)
        assert stored is not None
        stored.progress_ref = f"{message.chat_id}:{message.message_id}:{t.language}"
    return ConversationHandler.END


def _cancel_markup(t: Translation, broadcast_id: uuid.UUID) -> InlineKeyboardMarkup:
    return _keyboard([[_button(t._("Cancel the broadcast"), f"stop:{broadcast_id.hex}")]])


async def cancel_broadcast(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    member = await _sender_id(update, context)
    if member is None:
        await _refuse(update, context)
        return
    try:
        broadcast_id = uuid.UUID(hex=query.data.removeprefix("bc:stop:"))
    except ValueError:
        await query.answer()
        return
    svc = services(context)
    t = translation(update, context)
    engine = delivery(context.application)
    async with engine.progress_edits:
        async with svc.db.session() as session:
            await broadcast_service.cancel(session, broadcast_id, now=svc.clock(), actor=staff_actor(member))
            progress = await outbox_repository.broadcast_progress(session, broadcast_id)
        engine.cancelled(broadcast_id)
        await query.answer(t._("Broadcast cancelled."))
        with contextlib.suppress(BadRequest):
            await query.edit_message_text(
                progress_text(t, progress, None, state=BroadcastState.CANCELLED.value)
            )


async def cancel_dialog(update: Update, context: Context) -> int:
    t = translation(update, context)
    if update.effective_user is not None:
        drafts(context).pop(update.effective_user.id, None)
    await _reply(update, t._("Broadcast discarded. Nothing was sent."))
    return ConversationHandler.END


async def unexpected(update: Update, context: Context) -> int | None:
    if await _sender_id(update, context) is None:
        return await _refuse(update, context)
    t = translation(update, context)
    await _reply(update, t._("Please use the buttons, send the text asked for, or /cancel to stop."))
    return None


# --- live progress ---


def progress_ticker(app: Application) -> Any:  # type: ignore[type-arg]
    """Edits each running broadcast's progress message; marks finished broadcasts."""
    rates: dict[uuid.UUID, tuple[float, int]] = {}

    async def tick(engine: DeliveryEngine) -> None:
        async with engine.progress_edits:
            await edit_progress(engine)

    async def edit_progress(engine: DeliveryEngine) -> None:
        updates: list[tuple[Broadcast, BroadcastProgress, float | None]] = []
        async with engine.db.session() as session:
            for broadcast in await outbox_repository.active_broadcasts(session):
                progress = await broadcasts.finish_if_done(session, broadcast, now=engine.clock())
                now = time.monotonic()
                before = rates.get(broadcast.id)
                rates[broadcast.id] = (now, progress.sent)
                rate = None if before is None else (progress.sent - before[1]) / max(now - before[0], 1e-6)
                updates.append((broadcast, progress, rate))
                if progress.done:
                    rates.pop(broadcast.id, None)
        # Telegram calls outside the transaction: SQLite holds its write lock for a whole unit of work.
        for broadcast, progress, rate in updates:
            if broadcast.progress_ref:
                await _edit(app, engine, broadcast, progress, rate)

    return tick


async def _edit(
    app: Application,  # type: ignore[type-arg]
    engine: DeliveryEngine,
    broadcast: Broadcast,
    progress: BroadcastProgress,
    rate: float | None,
) -> None:
    assert broadcast.progress_ref is not None
    chat_id, message_id, language = broadcast.progress_ref.split(":")
    t = engine.translator.get(language)
    markup = None if progress.done else _cancel_markup(t, broadcast.id)
    try:
        await app.bot.edit_message_text(
            progress_text(t, progress, rate),
            chat_id=int(chat_id),
            message_id=int(message_id),
            reply_markup=markup,
        )
    except BadRequest:
        pass  # "message is not modified" and the like
    except TelegramError as error:
        log.warning("broadcast progress edit failed (%s)", type(error).__name__)


def install(app: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    conversation = DurableConversation(
        entry_points=[CommandHandler("broadcast", start)],
        states={
            TEXT: [MessageHandler(private & filters.TEXT & ~filters.COMMAND, text_received)],
            MORE: [
                CallbackQueryHandler(language_chosen, pattern=r"^bc:lang:"),
                CallbackQueryHandler(ask_who, pattern=r"^bc:next$"),
            ],
            WHO: [CallbackQueryHandler(who_chosen, pattern=r"^bc:who:")],
            REGION: [CallbackQueryHandler(region_chosen, pattern=r"^bc:region:")],
            KIND: [CallbackQueryHandler(kind_chosen, pattern=r"^bc:kind:")],
            EVENT: [CallbackQueryHandler(event_chosen, pattern=r"^bc:event:")],
            CHANNEL: [CallbackQueryHandler(channel_chosen, pattern=r"^bc:channel:")],
            CONFIRM: [
                CallbackQueryHandler(send, pattern=r"^bc:send$"),
                CallbackQueryHandler(toggle_unsure, pattern=r"^bc:unsure$"),
                CallbackQueryHandler(cancel_dialog, pattern=r"^bc:drop$"),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", cancel_dialog),
            MessageHandler(filters.ALL & ~filters.COMMAND, unexpected),
            CallbackQueryHandler(unexpected, pattern=r"^bc:(?!stop:)"),
        ],
        name="broadcast",
        allow_reentry=True,
    )
    app.add_handler(conversation)
    app.add_handler(CallbackQueryHandler(cancel_broadcast, pattern=r"^bc:stop:"))
    delivery(app).tickers.append(progress_ticker(app))
